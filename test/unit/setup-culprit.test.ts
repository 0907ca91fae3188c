// Which answer the interactive set-up offers to change after a failure (setup-flow.ts culpritOf).
import { describe, expect, it } from 'vitest';
import { culpritOf, type FlowContext, type SetupAnswers } from '../../src/ui/setup/setup-flow.js';
import { providerForDomain } from '../../src/domain/mail-providers.js';

const gmail: FlowContext = { guess: { guess: providerForDomain('sales@gmail.com'), note: '' }, taken: [] };
const none: FlowContext = { guess: { guess: null, note: '' }, taken: [] };
const google: SetupAnswers = { email: 'sales@gmail.com', useGuess: 'yes', method: 'oauth2', provider: 'google', clientId: 'x.apps', secretFrom: 'env', secret: 'NOPE' };
const microsoft: SetupAnswers = { email: 'help@contoso.com', useGuess: 'no', imapHost: 'outlook.office365.com', smtpHost: 'smtp.office365.com', method: 'oauth2', provider: 'microsoft', tenant: 'contoso', clientId: 'c' };

describe('culpritOf', () => {
  it("an unset client-secret variable points at the secret, not the client id", () => {
    expect(culpritOf('account sales: client secret: environment variable NOPE is not set', google, gmail)).toBe('secret');
  });

  it('an unreachable provider or server is nobody\'s answer: retrying comes first', () => {
    expect(culpritOf('account sales: cannot reach the sign-in provider (login.microsoftonline.com): ENOTFOUND', google, gmail)).toBeNull();
    expect(culpritOf('account help: cannot reach the sign-in provider (127.0.0.1:9): no answer in time', microsoft, none)).toBeNull();
  });

  it('a tenant problem points at the tenant; a refused client at the client id', () => {
    expect(culpritOf("account help: the provider refused the tenant 'contoso'", microsoft, none)).toBe('tenant');
    expect(culpritOf('account help: the provider refused the client (invalid_client): check the client id and client secret', microsoft, none)).toBe('clientId');
  });
});
