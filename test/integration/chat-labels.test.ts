// Telling chats apart, end to end: visitors over real sockets to the real relay, then the built
// CLI's `sync`, `list` (text and --json) and `show`. An anonymous visitor is "visitor xxxx · /page"
// with their words as the row's text; one who typed a name and address appears with them, the
// address marked unverified and never merged; the relay refuses a malformed address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visitorTag } from '../../src/domain/labels.js';
import { type Cli, makeCli } from '../helpers/cli.js';
import { type Client, key, startTestRelay, type TestRelay, visitor } from '../helpers/relay.js';
import { check } from '../helpers/schemas.js';

interface Item {
  id: number;
  channel: string;
  subject: string;
  label: string;
  page: string | null;
  preview: string;
  customer: { id: number | null; name: string; email: string | null; emailVerified: boolean };
}

describe('chat labels through the relay', () => {
  let t: TestRelay;
  let cli: Cli;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestRelay();
    cli = makeCli({ ATTEND_TEST_TOKEN: t.relay.agentToken });
    const added = await cli.run(['account', 'add', 'chat', 'web', '--url', `ws://127.0.0.1:${t.relay.port}`, '--token-env', 'ATTEND_TEST_TOKEN']);
    expect(added.code).toBe(0);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.dispose();
    cli?.cleanup();
  });

  async function say(hello: Record<string, unknown>, body: string, identify?: Record<string, unknown>): Promise<{ conversation: number; v: Client }> {
    const h = await visitor(t.relay.url, hello);
    clients.push(h.client);
    if (identify) {
      const id = key('id');
      h.client.send({ t: 'identify', id, d: identify });
      expect((await h.client.next('ok')).id).toBe(id);
    }
    h.client.send({ t: 'send', id: key('v'), d: { body } });
    await h.client.next('sent');
    return { conversation: h.welcome.conversation as number, v: h.client };
  }

  it('list shows who and what: a stable visitor tag with the page, or the name and typed address marked unverified', async () => {
    const anon = await say({ page: '/faq?session=s3cr3t#top' }, 'Do you ship to Oslo?');
    await say({ page: '/pricing' }, 'About my invoice', { name: 'Ann \x1b]0;pwned\x07Lee', email: 'ann@example.com' });
    await say({}, 'Still there?', { email: 'bob@ex.io' });
    expect((await cli.run(['sync'])).code).toBe(0);

    const list = await cli.json<Item[]>(['list', '--channel', 'chat', '--status', 'all']);
    check('list', list);
    const anonRow = list.find((c) => c.preview === 'Do you ship to Oslo?');
    expect(anonRow).toMatchObject({
      label: `${visitorTag('web', String(anon.conversation))} · /faq`,
      page: '/faq', // the query (session ids, addresses) never leaves the visitor's browser side of the relay
      preview: 'Do you ship to Oslo?',
      customer: { name: '', email: null, emailVerified: false },
    });
    expect(anonRow?.subject).not.toMatch(/visitor \d/);

    const annRow = list.find((c) => c.preview === 'About my invoice');
    expect(annRow).toMatchObject({ label: 'Ann Lee', page: '/pricing', customer: { name: 'Ann Lee', email: 'ann@example.com', emailVerified: false } });
    const bobRow = list.find((c) => c.preview === 'Still there?');
    expect(bobRow).toMatchObject({ label: 'bob@ex.io (unverified)', customer: { name: '', email: 'bob@ex.io', emailVerified: false } });

    const text = (await cli.run(['list', '--channel', 'chat', '--status', 'all'])).stdout;
    expect(text).toContain(`${visitorTag('web', String(anon.conversation))} · /faq`);
    expect(text).toMatch(/bob@ex\.io \(unverified\) +Still there\?/);
    expect(text).toContain('Do you ship to Oslo?');
    expect(text).not.toMatch(/Chat with visitor|\x1b/);

    // show: the typed address is a claim, and a link to follow — not a merge.
    const shown = await cli.json<{ conversation: Item; claimsToBe: { email: string; customerId: number | null; emailConversations: number } | null }>([
      'show',
      String(annRow?.id),
    ]);
    check('show', shown);
    expect(shown.claimsToBe).toEqual({ email: 'ann@example.com', customerId: null, emailConversations: 0, recent: [] });
    const showText = (await cli.run(['show', String(annRow?.id)])).stdout;
    expect(showText).toContain('customer: Ann Lee <ann@example.com> (unverified) · wrote from /pricing');
    expect(showText).toContain('claims to be ann@example.com (unverified) — no email history here');
    expect(showText).not.toContain('\x1b');
  });

  it('the relay refuses a malformed or over-long address and an over-long name; nothing reaches the store', async () => {
    const h = await visitor(t.relay.url, { page: '/x' });
    clients.push(h.client);
    for (const [d, code] of [
      [{ email: 'not an address' }, 'bad_frame'],
      [{ email: `${'a'.repeat(250)}@ex.io` }, 'too_long'],
      [{ name: 'n'.repeat(101) }, 'too_long'],
      [{ email: 'eve@ex.io\r\nBcc: all@ex.io' }, 'bad_frame'],
    ] as const) {
      const id = key('bad');
      h.client.send({ t: 'identify', id, d });
      const err = await h.client.next<{ code: string }>('error');
      expect(err.id).toBe(id);
      expect(err.d?.code).toBe(code);
    }
    const before = await cli.json<Item[]>(['list', '--channel', 'chat', '--status', 'all']);
    await cli.run(['sync']);
    const after = await cli.json<Item[]>(['list', '--channel', 'chat', '--status', 'all']);
    expect(after.length).toBe(before.length); // refused details open no conversation
  });
});
