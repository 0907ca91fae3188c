// Defaults for mail server settings and the one safety rule about them. Pure: shared by the
// flags-only `account add email` and the interactive set-up.
import type { Security } from './mail-providers.js';

/** The usual port for each protocol and security mode. */
export const DEFAULT_PORTS: Readonly<Record<'imap' | 'smtp', Readonly<Record<Security, number>>>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  smtp: { tls: 465, starttls: 587, none: 25 },
};

export function isSecurity(value: string): value is Security {
  return value === 'tls' || value === 'starttls' || value === 'none';
}

/**
 * True for this machine's own addresses (localhost, 127.0.0.0/8, ::1): traffic to them never
 * leaves the box, so clear text there exposes nothing. Written without node:net to stay pure.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) return v4.slice(1).every((n) => Number(n) <= 255);
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}
