// The MX adapter and the provider guess, with the resolver injected (no network): most preferred
// MX first, a short timeout, failures as reasons; the built-in table and reserved names ask no DNS.
import { describe, expect, it } from 'vitest';
import { lookupMx } from '../../src/adapters/dns/mx.js';
import { guessProvider } from '../../src/app/setup/provider-guess.js';

const records = (...hosts: string[]) => async () => hosts.map((exchange, i) => ({ exchange, priority: (hosts.length - i) * 10 }));
const failing = (code: string) => async () => {
  throw Object.assign(new Error(`queryMx ${code}`), { code });
};
const noDns = async () => {
  throw new Error('DNS must not be asked');
};

describe('lookupMx', () => {
  it('lists the hosts by preference', async () => {
    expect(await lookupMx('acme.com', { resolver: records('b.example', 'a.example') })).toEqual({ ok: true, hosts: ['a.example', 'b.example'] });
  });
  it('gives up after the timeout with a reason', async () => {
    const started = Date.now();
    const r = await lookupMx('acme.com', { resolver: () => new Promise(() => {}), timeoutMs: 100 });
    expect(r).toEqual({ ok: false, reason: 'no answer from DNS within 0.1 s' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
  it('turns resolver errors into reasons', async () => {
    expect(await lookupMx('x.com', { resolver: failing('ENOTFOUND') })).toEqual({ ok: false, reason: 'the domain has no MX records' });
    expect(await lookupMx('x.com', { resolver: failing('ECONNREFUSED') })).toEqual({ ok: false, reason: 'DNS is not reachable from here' });
  });
});

describe('guessProvider', () => {
  it('knows common providers from the domain without DNS', async () => {
    const r = await guessProvider('someone@outlook.com', { resolver: noDns });
    expect(r.guess?.oauth).toBe('microsoft');
    expect(r.note).toBe("Looks like Microsoft 365 / Outlook.com (from the address's domain)");
  });
  it('tells Google and Microsoft by the MX records', async () => {
    const ms = await guessProvider('support@acme.com', { resolver: records('acme-com.mail.protection.outlook.com.') });
    expect(ms.guess).toMatchObject({ oauth: 'microsoft', source: 'mx', servers: { imap: { host: 'outlook.office365.com' } } });
    expect(ms.note).toBe("Looks like Microsoft 365 / Outlook.com (from the domain's MX records)");
    const g = await guessProvider('support@acme.com', { resolver: records('aspmx.l.google.com') });
    expect(g.guess?.oauth).toBe('google');
  });
  it('says why there is no guess', async () => {
    expect((await guessProvider('a@acme.com', { resolver: records('mx.acme.com') })).note).toBe("acme.com's mail is not at a provider attend knows. Enter the servers below.");
    expect((await guessProvider('a@acme.com', { resolver: failing('ESERVFAIL') })).note).toBe("Could not tell who hosts acme.com's mail: DNS is not reachable from here. Enter the servers below.");
    expect((await guessProvider('agent@example.test', { resolver: noDns })).note).toBe('example.test is not a public domain. Enter the servers below.');
  });
});
