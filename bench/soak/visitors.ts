/**
 * Website visitors that behave like the widget: every message waits for its `sent` ack; on a
 * dropped socket the visitor reconnects with its token (resuming after the last seq it saw) and
 * retries the same idempotency key. A message counts as acknowledged only once `sent` came back.
 */
import type { Frame } from '../../src/protocol/wire.js';
import { type Client, key, visitor } from '../../test/helpers/relay.js';
import { sleep } from './rng.js';

export interface SoakVisitor {
  readonly name: string;
  /** Relay message id → body, for every message the visitor saw acknowledged. */
  readonly acked: Map<string, string>;
  /** Agent message bodies seen on this visitor's socket, by relay message id (distinct). */
  readonly agentMessages: Map<string, string>;
  /** The visitor's relay conversation id, once known. */
  conversation?: number;
  /** Sends one message; resolves with how long it waited for the ack (ms), or null if it gave up. */
  say(body: string, giveUpAt: number): Promise<number | null>;
  close(): void;
}

export function makeVisitor(relayUrl: () => string, name: string): SoakVisitor {
  let token: string | undefined;
  let lastSeq = 0;
  let client: Client | undefined;
  const seen = new Set<number>();
  const v: SoakVisitor = {
    name,
    acked: new Map(),
    agentMessages: new Map(),
    say: async (body, giveUpAt) => {
      const k = key('soak');
      const started = Date.now();
      while (Date.now() < giveUpAt) {
        if (!client || client.ws.readyState !== client.ws.OPEN) {
          client = await connectOnce().catch(() => undefined);
          if (!client) {
            await sleep(150);
            continue;
          }
        }
        client.send({ t: 'send', id: k, d: { body } });
        const sent = await waitSent(client, k, 4000);
        if (sent) {
          v.acked.set(sent, body);
          return Date.now() - started;
        }
        if (client.ws.readyState === client.ws.OPEN) await sleep(100); // error or slow: retry the same key
      }
      return null;
    },
    close: () => client?.close(),
  };

  const record = (f: Frame) => {
    if (f.t !== 'event' || typeof f.seq !== 'number') return;
    lastSeq = Math.max(lastSeq, f.seq);
    if (seen.has(f.seq)) return; // at-least-once delivery: clients drop seqs they have
    seen.add(f.seq);
    const d = f.d as { kind?: string; message?: { id: string; from: string; body: string } };
    if (d.kind === 'message' && d.message?.from === 'agent') v.agentMessages.set(d.message.id, d.message.body);
  };

  async function connectOnce(): Promise<Client> {
    const h = await visitor(relayUrl(), { name, ...(token ? { token, resume: { afterSeq: lastSeq } } : {}) });
    token = h.welcome.token ?? token;
    v.conversation = h.welcome.conversation ?? v.conversation;
    for (const f of h.before) record(f);
    h.client.ws.on('message', (data) => {
      try {
        record(JSON.parse(data.toString()) as Frame);
      } catch {
        /* not ours to judge here */
      }
    });
    return h.client;
  }

  return v;
}

/** The relay message id from the `sent` for key `k`, or null on timeout / a dropped socket. */
async function waitSent(c: Client, k: string, ms: number): Promise<string | null> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const f = await c.next<{ messageId: string }>('sent', 200).catch(() => undefined);
    // Events pile up in the helper's buffer (we read them through our own listener): drop them.
    for (let i = c.frames.length - 1; i >= 0; i--) if (c.frames[i]?.t !== 'sent') c.frames.splice(i, 1);
    if (f?.d && f.id === k) return f.d.messageId;
    if (!f && c.ws.readyState !== c.ws.OPEN) return null;
  }
  return null;
}
