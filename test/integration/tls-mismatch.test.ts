// TLS asked of a port that speaks plain text: one line saying so and what to try, not OpenSSL's
// internals (issue 12.11). Against a real Dovecot and the SMTP sink, both plain.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Cli, makeCli } from '../helpers/cli.js';
import { type DovecotInstance, startDovecot } from '../helpers/dovecot.js';
import { requireDovecot } from '../helpers/e2e.js';
import { makeEmail } from '../helpers/mail.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

const describeWithDovecot = requireDovecot();

describeWithDovecot('TLS on a plain port', () => {
  let dovecot: DovecotInstance;
  let smtp: SmtpSink;
  let cli: Cli;
  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtpSink(dovecot);
    cli = makeCli({ ATTEND_TEST_PASSWORD: dovecot.password('agent') });
  });
  afterAll(async () => {
    await smtp?.stop();
    await dovecot?.stop();
    cli?.cleanup();
  });

  it('says the port does not speak TLS and what to try, for IMAP and for SMTP', async () => {
    const add = await cli.run([
      'account', 'add', 'email', 'support', '--email', dovecot.address('agent'),
      '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-security', 'tls',
      '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'tls',
      '--user', 'agent', '--password-env', 'ATTEND_TEST_PASSWORD', '--no-verify',
    ]);
    expect(add.code).toBe(0);
    const sync = await cli.run(['sync']);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain(`port ${dovecot.port} of ${dovecot.host} does not speak TLS — try --imap-security starttls or none`);
    expect(sync.stderr).not.toMatch(/SSL routines|ssl3_get_record|openssl/);
    // SMTP: a reply over the same mistake is queued (exit 75) with the same plain words.
    await cli.run(['account', 'remove', 'support']);
    const other = await cli.run([
      'account', 'add', 'email', 'other', '--email', dovecot.address('agent'),
      '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-security', 'none',
      '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'tls',
      '--user', 'agent', '--password-env', 'ATTEND_TEST_PASSWORD', '--no-verify',
    ]);
    expect(other.code).toBe(0);
    await dovecot.fillInbox('agent', [makeEmail({ from: `Ann <${dovecot.address('customer')}>`, to: dovecot.address('agent'), subject: 'Hello', body: 'Hi', messageId: 'tls1@cust' })]);
    expect((await cli.run(['sync'])).code).toBe(0);
    const [c] = await cli.json<Array<{ id: number }>>(['list']);
    const reply = await cli.run(['reply', String(c?.id), '--body', 'Thanks']);
    expect(reply.code).toBe(75);
    const said = reply.stdout + reply.stderr;
    expect(said).toContain(`port ${smtp.port} does not speak TLS — try --smtp-security starttls or none`);
    expect(said).not.toMatch(/SSL routines|ssl3_get_record|openssl/);
  });
});
