// A domain's MX hosts, for guessing where an address's mail lives (the interactive set-up). DNS
// can hang for a long time on a box without a resolver, and a person is waiting at a prompt: a
// short timeout, and every failure is an answer ("could not tell") rather than an error.
import { resolveMx } from 'node:dns/promises';

export type MxResolver = (domain: string) => Promise<Array<{ exchange: string; priority: number }>>;

export type MxAnswer = { ok: true; hosts: string[] } | { ok: false; reason: string };

export const MX_TIMEOUT_MS = 3000;

/** The MX hosts, most preferred first; never throws. */
export async function lookupMx(domain: string, opts: { timeoutMs?: number; resolver?: MxResolver } = {}): Promise<MxAnswer> {
  const resolver = opts.resolver ?? resolveMx;
  const timeoutMs = opts.timeoutMs ?? MX_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<MxAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer from DNS within ${Math.round(timeoutMs / 100) / 10} s` }), timeoutMs);
    timer.unref();
  });
  const lookup = resolver(domain).then(
    (records): MxAnswer => ({ ok: true, hosts: [...records].sort((a, b) => a.priority - b.priority).map((r) => r.exchange) }),
    (err: NodeJS.ErrnoException): MxAnswer => ({ ok: false, reason: reasonOf(err) }),
  );
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'ENODATA':
      return 'the domain has no MX records';
    case 'ETIMEOUT':
      return 'DNS did not answer';
    case 'ECONNREFUSED':
    case 'ESERVFAIL':
    case 'EREFUSED':
      return 'DNS is not reachable from here';
    default:
      return `DNS lookup failed (${err.code ?? err.message})`;
  }
}
