// Where an address's mail most likely lives, for the interactive set-up: the built-in table of
// common providers first (no network), else the domain's MX records (Google, Microsoft). The
// note says how the guess was made, or why there is none, in words for the person setting up.
import { type MxResolver, lookupMx } from '../../adapters/dns/mx.js';
import { type ProviderGuess, providerForDomain, providerForMx } from '../../domain/mail-providers.js';

export interface ProviderGuessResult {
  guess: ProviderGuess | null;
  /** "Looks like Microsoft 365 / Outlook.com (from the domain's MX records)", or why nothing was guessed. */
  note: string;
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase();
}

export async function guessProvider(address: string, opts: { resolver?: MxResolver; timeoutMs?: number } = {}): Promise<ProviderGuessResult> {
  const known = providerForDomain(address);
  if (known) return { guess: known, note: `Looks like ${known.label} (from the address's domain)` };
  const domain = domainOf(address);
  // Reserved names (RFC 2606, RFC 6762) have no public MX records: asking DNS only costs the timeout.
  if (isReservedDomain(domain)) return { guess: null, note: `${domain} is not a public domain. Enter the servers below.` };
  const mx = await lookupMx(domain, opts);
  if (!mx.ok) return { guess: null, note: `Could not tell who hosts ${domain}'s mail: ${mx.reason}. Enter the servers below.` };
  const guess = providerForMx(mx.hosts);
  if (guess) return { guess, note: `Looks like ${guess.label} (from the domain's MX records)` };
  return { guess: null, note: `${domain}'s mail is not at a provider attend knows. Enter the servers below.` };
}

const RESERVED_TLDS = ['test', 'example', 'invalid', 'localhost', 'local', 'internal', 'lan', 'home.arpa'];

function isReservedDomain(domain: string): boolean {
  if (!domain.includes('.') || /^[\d.]+$|^\[|:/.test(domain)) return true;
  return RESERVED_TLDS.some((tld) => domain === tld || domain.endsWith(`.${tld}`)) || /^example\.(com|net|org)$/.test(domain);
}
