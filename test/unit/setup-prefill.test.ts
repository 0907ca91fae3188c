// `account add email` with flags missing, on a terminal: the flags given are answers already.
import { describe, expect, it } from 'vitest';
import type { AddEmailOptions } from '../../src/cli/commands/account-email.js';
import { prefillFromFlags } from '../../src/cli/commands/add-email-interactive.js';

const flags = (o: Partial<AddEmailOptions>): AddEmailOptions => ({ mailbox: 'INBOX', sentMailbox: 'Sent', verify: true, ...o }) as AddEmailOptions;

describe('prefillFromFlags', () => {
  it('a client id and secret source without --oauth2 are kept (the provider comes from the address)', () => {
    const p = prefillFromFlags('sales', flags({ email: 'sales@gmail.com', clientId: '1.apps', clientSecretEnv: 'GS' }), (k) => k !== 'mailbox' && k !== 'sentMailbox');
    expect(p.answers).toMatchObject({ name: 'sales', email: 'sales@gmail.com', method: 'oauth2', clientId: '1.apps', secretFrom: 'env', secret: 'GS' });
    expect(p.answers?.provider).toBeUndefined();
  });

  it('with --oauth2 microsoft and a tenant, all of them', () => {
    const p = prefillFromFlags(undefined, flags({ email: 'help@contoso.com', oauth2: 'microsoft', tenant: 'contoso', clientId: 'c' }), () => true);
    expect(p.answers).toMatchObject({ method: 'oauth2', provider: 'microsoft', tenant: 'contoso', clientId: 'c' });
  });

  it('a password source makes a password answer', () => {
    const p = prefillFromFlags(undefined, flags({ email: 'a@example.com', passwordEnv: 'PW' }), () => true);
    expect(p.answers).toMatchObject({ method: 'password', passwordFrom: 'env', password: 'PW' });
  });
});
