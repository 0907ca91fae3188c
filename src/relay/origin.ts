// Which web pages may open /ws/visitor. Browsers send the page's Origin on every WebSocket
// upgrade; checking it stops other sites from embedding the chat. (Non-browser clients can
// send any Origin they like: this is about browsers, not authentication.)

export interface OriginPolicy {
  allows(origin: string | undefined, host: string | undefined): boolean;
}

/** Always allowed: pages on this machine, for development and the `/demo` page. */
export const DEFAULT_ALLOWED_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

/**
 * Normalizes an allowlist entry: a full origin (`https://shop.example`), one with any port
 * (`http://localhost:*`), or `*` (any origin at all). Throws on anything else.
 */
export function normalizeOriginPattern(entry: string): string {
  const s = entry.trim().replace(/\/+$/, '');
  if (s === '*') return s;
  const anyPort = s.endsWith(':*');
  const base = anyPort ? s.slice(0, -2) : s;
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new Error(`not an origin: ${entry} (expected e.g. https://shop.example or http://localhost:*)`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search || u.hash || u.username) {
    throw new Error(`not an origin: ${entry} (scheme://host[:port], nothing after it)`);
  }
  return anyPort ? `${u.protocol}//${u.hostname}:*` : u.origin;
}

export function originPolicy(extra: readonly string[], publicUrl?: string): OriginPolicy {
  const exact = new Set<string>();
  const anyPort = new Set<string>(); // "scheme://hostname"
  let any = false;
  const patterns = [...DEFAULT_ALLOWED_ORIGINS, ...extra];
  if (publicUrl) patterns.push(new URL(publicUrl).origin);
  for (const p of patterns.map(normalizeOriginPattern)) {
    if (p === '*') any = true;
    else if (p.endsWith(':*')) anyPort.add(p.slice(0, -2));
    else exact.add(p);
  }
  return {
    allows(origin, host) {
      if (!origin || origin === 'null') return any;
      if (any) return true;
      let u: URL;
      try {
        u = new URL(origin);
      } catch {
        return false;
      }
      // The relay's own pages (/demo): the page's host is the host the browser connects to.
      if (host && u.host === host.toLowerCase()) return true;
      return exact.has(u.origin) || anyPort.has(`${u.protocol}//${u.hostname}`);
    },
  };
}
