/**
 * The website widget in a real headless Chromium against a real relay (in-process), with a raw
 * `ws` client standing in for the agent. What a visitor does: open, write, read replies, reload,
 * survive a relay restart, leave an email when nobody is there — and what hostile text can't do.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it, onTestFinished } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type Relay, startRelay } from '../../src/relay/server.js';
import { launchChromium, requireChromium } from '../helpers/browser.js';

interface Frame {
  t: string;
  id?: string;
  seq?: number;
  d?: Record<string, unknown>;
}
interface MessageEvent {
  conversation: number;
  message: { id: string; from: string; author: string; body: string };
}

/** The agent side, speaking attend.chat.v1 by hand. */
class Agent {
  readonly frames: Frame[] = [];
  private wake: (() => void)[] = [];
  welcome: Frame['d'] = {};

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const w of this.wake.splice(0)) w();
    });
  }

  static async connect(relay: Relay, name = 'Ana', resume?: { epoch: string; afterSeq: number }): Promise<Agent> {
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/ws/agent`, 'attend.chat.v1', {
      headers: { Authorization: `Bearer ${relay.agentToken}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {}); // a relay shutting down mid-test closes us; that is not a failure
    const agent = new Agent(ws);
    agent.send({ t: 'hello', d: { name, ...(resume ? { resume } : {}) } });
    agent.welcome = (await agent.waitFor((f) => f.t === 'welcome')).d;
    return agent;
  }

  send(f: Frame): void {
    this.ws.send(JSON.stringify(f));
  }

  /** The first frame (already received or still to come, from index `from` on) that matches. */
  async waitFor(match: (f: Frame) => boolean, ms = 10_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.frames.slice(from).find(match);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`agent: no matching frame in ${ms} ms; got ${JSON.stringify(this.frames.map((f) => f.t))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** `message` events from visitors with this body. */
  visitorMessages(body: string): MessageEvent[] {
    return this.frames
      .filter((f) => f.t === 'event' && f.d?.kind === 'message')
      .map((f) => f.d as unknown as MessageEvent)
      .filter((d) => d.message.from === 'visitor' && d.message.body === body);
  }

  async waitForVisitorMessage(body: string, from = 0): Promise<MessageEvent> {
    const isIt = (f: Frame) => f.t === 'event' && f.d?.kind === 'message' && (f.d as unknown as MessageEvent).message.body === body;
    return (await this.waitFor(isIt, 10_000, from)).d as unknown as MessageEvent;
  }

  async reply(conversation: number, body: string): Promise<void> {
    const id = randomUUID();
    this.send({ t: 'send', id, d: { conversation, body } });
    const answer = await this.waitFor((f) => f.id === id);
    if (answer.t !== 'sent') throw new Error(`reply refused: ${JSON.stringify(answer)}`);
  }

  get lastSeq(): number {
    return Math.max(0, ...this.frames.filter((f) => f.t === 'event').map((f) => f.seq ?? 0));
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

const describeBrowser = requireChromium();

describeBrowser('chat widget in Chromium', () => {
  let dir: string;
  let dbPath: string;
  let relay: Relay;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const agents: Agent[] = [];
  const pageErrors: string[] = [];

  // Every visitor here comes from 127.0.0.1: lift the new-sessions-per-IP limit above this file's dozen.
  const start = (port = 0) =>
    startRelay({ port, dbPath, env: { ATTEND_HOME: dir }, agentToken: relay?.agentToken, limits: { newVisitorsPerIpPerMinute: 1000 } });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attend-widget-'));
    dbPath = path.join(dir, 'relay.db');
    relay = await start();
    browser = await launchChromium();
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    // Uncaught exceptions in the widget (or from injected markup) fail the test that caused them.
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function agent(name = 'Ana'): Promise<Agent> {
    const a = await Agent.connect(relay, name);
    agents.push(a);
    return a;
  }

  /** A new visitor (own localStorage) on the demo page. */
  async function visitor(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const ctx = await browser.newContext({ viewport });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${relay.url}/demo`);
    await bubble(page).waitFor();
    return page;
  }

  const bubble = (page: Page) => page.getByRole('button', { name: /^Chat with us/ });
  const dialog = (page: Page) => page.getByRole('dialog', { name: 'Chat with us' });
  const input = (page: Page) => page.getByRole('textbox', { name: 'Message' });
  /** The text of every message in the transcript, in order. */
  const transcript = (page: Page) => page.locator('.log .msg .b').allTextContents();
  const sentMessage = (page: Page, body: string) => page.locator('.msg.me[data-status="sent"] .b', { hasText: body });

  async function write(page: Page, body: string): Promise<void> {
    await input(page).fill(body);
    await input(page).press('Enter');
  }

  /** Opens the panel, writes, and waits for the relay's `sent`. */
  async function openAndSend(page: Page, body: string): Promise<void> {
    if (!(await dialog(page).isVisible())) await bubble(page).click(); // (on a phone the open panel hides the bubble)
    await write(page, body);
    await sentMessage(page, body).waitFor();
  }

  it('delivers a visitor message to the agent, and the reply back to the visitor', async () => {
    const ana = await agent();
    const page = await visitor();
    await bubble(page).click();
    await dialog(page).waitFor();
    await page.getByText("We're online").waitFor();

    await write(page, 'Hello, is my order on its way?');
    // Shown at once, confirmed when the relay has committed it.
    await page.locator('.msg.me .b', { hasText: 'Hello, is my order on its way?' }).waitFor();
    await sentMessage(page, 'Hello, is my order on its way?').waitFor();
    const got = await ana.waitForVisitorMessage('Hello, is my order on its way?');
    expect(got.message.from).toBe('visitor');

    await ana.reply(got.conversation, 'Yes — it ships today.\nTracking follows by email.');
    await page.locator('.msg.them .b', { hasText: 'Yes — it ships today.' }).waitFor();
    expect(await page.locator('.msg.them .who').first().textContent()).toBe('Ana');
    expect(await transcript(page)).toEqual(['Hello, is my order on its way?', 'Yes — it ships today.\nTracking follows by email.']);
    expect(ana.visitorMessages('Hello, is my order on its way?')).toHaveLength(1);
  });

  it('keeps the history across a reload (same visitor token), and each message once', async () => {
    const ana = await agent();
    const page = await visitor();
    await openAndSend(page, 'First visit');
    const { conversation } = await ana.waitForVisitorMessage('First visit');
    await ana.reply(conversation, 'Welcome!');
    await page.locator('.msg.them .b', { hasText: 'Welcome!' }).waitFor();
    const token = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('attend.visitor.token:'))?.[1]);
    expect(token).toBeTruthy();

    await page.reload();
    await bubble(page).click();
    expect(await transcript(page)).toEqual(['First visit', 'Welcome!']);
    // Connected again as the same visitor: a new reply arrives, and nothing is shown twice.
    await ana.reply(conversation, 'Still here?');
    await page.locator('.msg.them .b', { hasText: 'Still here?' }).waitFor();
    await openAndSend(page, 'Yes, still here');
    expect((await ana.waitForVisitorMessage('Yes, still here')).conversation).toBe(conversation);
    expect(await transcript(page)).toEqual(['First visit', 'Welcome!', 'Still here?', 'Yes, still here']);
    expect(await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith('attend.visitor.token:'))?.[1])).toBe(token);
  });

  it('refetches the transcript with `history` when the relay cannot resume it (reset)', async () => {
    const ana = await agent();
    const page = await visitor();
    await openAndSend(page, 'Before the reset');
    const { conversation } = await ana.waitForVisitorMessage('Before the reset');
    await ana.reply(conversation, 'Reply before the reset');
    await page.locator('.msg.them .b', { hasText: 'Reply before the reset' }).waitFor();
    // A cursor from a future the relay never had (as after restoring an older relay.db) and no
    // local transcript: the relay answers `reset`, the widget asks for `history`.
    await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith('attend.visitor.state:')) as string;
      const state = JSON.parse(localStorage.getItem(key) as string);
      localStorage.setItem(key, JSON.stringify({ ...state, lastSeq: 1e9, messages: [] }));
    });
    await page.reload();
    await bubble(page).click();
    await page.locator('.msg.them .b', { hasText: 'Reply before the reset' }).waitFor();
    expect(await transcript(page)).toEqual(['Before the reset', 'Reply before the reset']);
  });

  it('reconnects after the relay restarts; a message written while it was down arrives exactly once', async () => {
    let ana = await agent();
    const page = await visitor();
    await openAndSend(page, 'Before the restart');
    const { conversation } = await ana.waitForVisitorMessage('Before the restart');
    await ana.reply(conversation, 'Agent before the restart');
    await page.locator('.msg.them .b', { hasText: 'Agent before the restart' }).waitFor();
    const epoch = String(ana.welcome?.epoch);
    const agentSeq = ana.lastSeq;

    await ana.close();
    await relay.close();
    await write(page, 'Written while the relay was down');
    await page.locator('.msg.me[data-status="sending"] .b', { hasText: 'Written while the relay was down' }).waitFor();
    await page.getByText('Reconnecting…').waitFor();
    await page.waitForTimeout(500);
    expect(await page.locator('.msg.me[data-status="sending"]').count()).toBe(1);

    relay = await start(relay.port);
    // The agent comes back too, resuming where it was: it must get the new message once.
    ana = await Agent.connect(relay, 'Ana', { epoch, afterSeq: agentSeq });
    agents.push(ana);
    expect(ana.welcome?.resumed).toBe(true);
    // The widget is somewhere in its backoff (full jitter, doubling from 1 s): allow for it.
    await sentMessage(page, 'Written while the relay was down').waitFor({ timeout: 30_000 });
    await ana.waitForVisitorMessage('Written while the relay was down');
    await ana.reply(conversation, 'Agent after the restart');
    await page.locator('.msg.them .b', { hasText: 'Agent after the restart' }).waitFor();

    expect(await transcript(page)).toEqual([
      'Before the restart',
      'Agent before the restart',
      'Written while the relay was down',
      'Agent after the restart',
    ]);
    await page.getByText('Reconnecting…').waitFor({ state: 'hidden' });
    // Exactly once on the relay's record too: a second agent reading the whole history.
    const reader = await Agent.connect(relay, 'Auditor', { epoch, afterSeq: 0 });
    agents.push(reader);
    await reader.waitFor((f) => f.t === 'welcome');
    expect(reader.visitorMessages('Written while the relay was down')).toHaveLength(1);
    expect(reader.visitorMessages('Before the restart')).toHaveLength(1);
    expect(ana.visitorMessages('Written while the relay was down')).toHaveLength(1);
  });

  it('renders hostile text from either side as text: no element is created, no script runs', async () => {
    const ana = await agent();
    const page = await visitor();
    const fromVisitor = '<b>bold?</b><img src=x onerror="window.__pwned=1">';
    await openAndSend(page, fromVisitor);
    const { conversation } = await ana.waitForVisitorMessage(fromVisitor);
    const fromAgent = '<img src=x onerror="window.__pwned=2"><script>window.__pwned=3</script> see https://example.com/a?b=1.';
    await ana.reply(conversation, fromAgent);
    await page.locator('.msg.them .b', { hasText: '<img src=x' }).waitFor();
    await page.waitForTimeout(300); // an onerror would have fired by now

    expect(await transcript(page)).toEqual([fromVisitor, fromAgent]);
    const found = await page.evaluate(() => {
      const root = document.querySelector('attend-chat')?.shadowRoot as ShadowRoot;
      return {
        pwned: (window as unknown as { __pwned?: number }).__pwned,
        injected: root.querySelectorAll('.log img, .log script, .log b').length,
        links: [...root.querySelectorAll('.log a')].map((a) => a.getAttribute('href')),
      };
    });
    expect(found).toEqual({ pwned: undefined, injected: 0, links: ['https://example.com/a?b=1'] });
  });

  it('says so when no agent is online, offers the email field, and `identify` reaches the relay', async () => {
    const page = await visitor();
    await bubble(page).click();
    await page.getByText("We're away right now — leave your email and we'll reply there.").waitFor();
    await page.getByText("We're away", { exact: true }).waitFor();
    const email = page.getByRole('textbox', { name: 'Your email' });
    await email.fill('not an email');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Please enter a valid email address.').waitFor();
    await email.fill('kim@example.com');
    await email.press('Enter');
    await page.getByText("Thanks! We'll reply to kim@example.com.").waitFor();
    expect(await email.inputValue()).toBe('kim@example.com');
    expect(await email.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true); // focus kept
    // Messages still go out while nobody is there.
    await openAndSend(page, 'Nobody home?');

    // An agent arriving later finds both in the relay's record, and the visitor sees them arrive.
    const ana = await Agent.connect(relay, 'Ana', { epoch: relay.epoch, afterSeq: 0 });
    agents.push(ana);
    const identified = ana.frames.filter((f) => f.t === 'event' && f.d?.kind === 'visitor.identified');
    expect(identified.map((f) => f.d?.email)).toContain('kim@example.com');
    expect(ana.visitorMessages('Nobody home?')).toHaveLength(1);
    await page.getByText("We're online").waitFor();
    await page.getByText("We're away right now").waitFor({ state: 'hidden' });
  });

  it('works from the keyboard: Enter opens, focus lands in the input, Shift+Enter is a newline, Escape closes', async () => {
    const ana = await agent();
    const page = await visitor();
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate(() => document.querySelector('attend-chat')?.shadowRoot?.activeElement?.getAttribute('aria-label') ?? null);
    expect(await focused()).toBe('Chat with us');
    expect(await bubble(page).getAttribute('aria-expanded')).toBe('false');

    await page.keyboard.press('Enter');
    await dialog(page).waitFor();
    expect(await bubble(page).getAttribute('aria-expanded')).toBe('true');
    expect(await focused()).toBe('Message');

    await page.keyboard.type('two');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('lines');
    expect(await input(page).inputValue()).toBe('two\nlines');
    await page.keyboard.press('Enter');
    await sentMessage(page, 'two').waitFor();
    expect(await input(page).inputValue()).toBe('');
    expect((await ana.waitForVisitorMessage('two\nlines')).message.body).toBe('two\nlines');

    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'hidden' });
    expect(await bubble(page).getAttribute('aria-expanded')).toBe('false');
    expect(await focused()).toBe('Chat with us');
  });

  it('shows the agent typing, sends its own typing, and stops at 8,000 characters', async () => {
    const ana = await agent();
    const page = await visitor();
    await openAndSend(page, 'Typing test');
    const { conversation } = await ana.waitForVisitorMessage('Typing test');

    ana.send({ t: 'typing', d: { conversation, on: true } });
    await page.getByText('Ana is typing…').waitFor();
    ana.send({ t: 'typing', d: { conversation, on: false } });
    await page.getByText('Ana is typing…').waitFor({ state: 'hidden' });

    await input(page).pressSequentially('abc');
    await ana.waitFor((f) => f.t === 'typing' && f.d?.on === true && f.d?.conversation === conversation);
    await input(page).fill('');
    await ana.waitFor((f) => f.t === 'typing' && f.d?.on === false && f.d?.conversation === conversation);

    await input(page).fill('x'.repeat(8001));
    await page.getByText('8,001 / 8,000 characters — too long to send').waitFor();
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await input(page).press('Enter');
    expect(await page.locator('.msg.me').count()).toBe(1);
    await input(page).press('Backspace');
    expect(await page.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
  });

  it('embeds on another site: chats cross-origin, shrugs off hostile page CSS, adds none, counts unread replies', async () => {
    const ana = await agent();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A customer's site on another origin (localhost is allowed by default), with CSS that would
    // wreck a widget living in the light DOM. (A real server, not page.route: Chrome's Local Network
    // Access would refuse a "public" page loading a script from a loopback relay.)
    const html = `<!doctype html><html><head><style>
      * { font: 40px/3 serif !important; color: red !important; background: yellow !important; box-sizing: content-box !important; }
      button, div, p, textarea, form, input { display: none !important; }
      attend-chat { display: none !important; opacity: 0 !important; position: absolute !important; }
      :root, * { --accent: lime; }
    </style></head><body><h1 id="own">The shop</h1><script src="${relay.url}/widget.js" async></script></body></html>`;
    const site = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => site.close(() => resolve())));
    await page.goto(`http://localhost:${(site.address() as AddressInfo).port}/shop`);
    await bubble(page).waitFor();
    expect(await bubble(page).boundingBox()).toMatchObject({ width: 58, height: 58, x: 1280 - 20 - 58, y: 800 - 20 - 58 });
    const look = () =>
      page.evaluate(() => {
        const root = document.querySelector('attend-chat')?.shadowRoot as ShadowRoot;
        const css = (sel: string) => getComputedStyle(root.querySelector(sel) as Element);
        return {
          accent: css('.head').backgroundColor,
          text: `${css('.b').fontSize} ${css('.b').color}`,
          motion: css('.panel').transitionDuration,
          pageSheets: document.styleSheets.length + document.adoptedStyleSheets.length, // the page's own <style> only
          ownFont: getComputedStyle(document.getElementById('own') as Element).fontSize,
        };
      });

    await openAndSend(page, 'Hello from the shop');
    const { conversation } = await ana.waitForVisitorMessage('Hello from the shop');
    expect(await look()).toEqual({ accent: 'rgb(31, 79, 209)', text: '15px rgb(255, 255, 255)', motion: '0s', pageSheets: 1, ownFont: '40px' });
    // Keyed by the relay's origin in the site's storage.
    expect(await page.evaluate(() => Object.keys(localStorage).sort())).toEqual([
      `attend.visitor.state:http://127.0.0.1:${relay.port}`,
      `attend.visitor.token:http://127.0.0.1:${relay.port}`,
    ]);

    await input(page).press('Escape');
    await ana.reply(conversation, 'Got it!');
    await page.getByRole('button', { name: 'Chat with us (1 unread)' }).waitFor();
    expect(await page.locator('.badge').textContent()).toBe('1');
    await bubble(page).click();
    await page.locator('.msg.them .b', { hasText: 'Got it!' }).waitFor();
    await page.getByRole('button', { name: 'Chat with us', exact: true }).waitFor();
  });

  it('pings every 30 s and reconnects (resuming) when no pong came by the next ping', async () => {
    // A relay that welcomes and then never answers a ping (a half-open connection, as seen from
    // the browser), and a page clock we move by hand instead of waiting a minute.
    const widgetJs = readFileSync(new URL('../../src/relay/widget/widget.js', import.meta.url));
    const server = createServer((req, res) =>
      req.url === '/widget.js'
        ? res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(widgetJs)
        : res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script src="/widget.js" async></script>'),
    );
    const wss = new WebSocketServer({ server, path: '/ws/visitor', handleProtocols: (p) => (p.has('attend.chat.v1') ? 'attend.chat.v1' : false) });
    const seen: string[] = [];
    const hellos: Frame[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const f = JSON.parse(String(data)) as Frame;
        seen.push(f.t);
        if (f.t !== 'hello') return;
        hellos.push(f);
        ws.send(JSON.stringify({ t: 'welcome', d: { token: 'tok-1', conversation: 1, epoch: 'e1', lastSeq: 0, resumed: false, heartbeatMs: 25_000, agentsOnline: true } }));
      });
      ws.on('close', (code) => seen.push(`close ${code}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 100 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(what()).toBe(true);
    };

    const ctx = await browser.newContext();
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.clock.install();
    await page.goto(`http://localhost:${(server.address() as AddressInfo).port}/`);
    await bubble(page).click();
    await page.getByText("We're online").waitFor();
    expect(seen).toEqual(['hello']);

    await page.clock.runFor(30_000);
    await until(() => seen.includes('ping'));
    await page.clock.runFor(30_000); // the next ping is due and the last one was never answered
    await until(() => seen.includes('close 4000'));
    await page.clock.runFor(1_000); // first retry: full jitter within 1 s
    await until(() => hellos.length === 2);
    expect(hellos[1]?.d).toEqual({ page: '/', token: 'tok-1', resume: { afterSeq: 0 } }); // page: the path the widget is on
    expect(seen).toEqual(['hello', 'ping', 'close 4000', 'hello']);
  });

  it('looks right open on a desktop and on a phone (screenshots in /tmp)', async () => {
    const ana = await agent();
    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await visitor(viewport);
      const mark = ana.frames.length; // the same words come from each visitor: take this one's
      await openAndSend(page, 'Hi! I ordered the blue mug last week and it arrived chipped.');
      const { conversation } = await ana.waitForVisitorMessage('Hi! I ordered the blue mug last week and it arrived chipped.', mark);
      await ana.reply(conversation, "Sorry about that! I've sent a replacement — details at https://shop.example/orders/1042.");
      await page.locator('.msg.them').waitFor();
      await openAndSend(page, 'Thank you, that was quick 🙂');
      ana.send({ t: 'typing', d: { conversation, on: true } });
      await page.getByText('Ana is typing…').waitFor();
      const box = await dialog(page).boundingBox();
      if (name === 'phone') expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
      else expect(box && box.width <= 400 && box.x + box.width < 1280).toBe(true);
      await page.screenshot({ path: `/tmp/attend-widget-${name}.png` });
    }
    await ana.close();
    const page = await visitor();
    await bubble(page).click();
    await page.getByText("We're away right now").waitFor();
    await page.screenshot({ path: '/tmp/attend-widget-away.png' });
  });

  /** A shop page (another origin, localhost is allowed) with the widget's script tag and these attributes. */
  async function shopPage(attrs: string, pagePath: string): Promise<Page> {
    const html = `<!doctype html><html><head><title>Shop</title></head><body><h1>Pricing</h1><script src="${relay.url}/widget.js" ${attrs} async></script></body></html>`;
    const site = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => site.close(() => resolve())));
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`http://localhost:${(site.address() as AddressInfo).port}${pagePath}`);
    await bubble(page).waitFor();
    return page;
  }

  const events = (a: Agent, kind: string, from = 0) => a.frames.slice(from).filter((f) => f.t === 'event' && f.d?.kind === kind).map((f) => f.d as Record<string, unknown>);

  it('asks for a name and email before the chat when data-ask-contact="before"; the agent gets them and the page', async () => {
    const ana = await agent();
    const mark = ana.frames.length;
    const page = await shopPage('data-ask-contact="before"', '/pricing?coupon=SECRET#plans');
    await bubble(page).click();
    await page.getByText('Before we start: who are we talking to? (Optional.)').waitFor();
    expect(await page.getByRole('textbox', { name: 'Your name' }).evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    // The composer waits for the answer (or Skip).
    await input(page).waitFor({ state: 'hidden' });
    await page.getByRole('textbox', { name: 'Your name' }).fill('Kim Park');
    const email = page.getByRole('textbox', { name: 'Your email' });
    await email.fill('not an email');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByText('Please enter a valid email address, or leave it empty.').waitFor();
    await page.screenshot({ path: '/tmp/attend-widget-contact.png' });
    await email.fill('kim@example.com');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await input(page).waitFor();
    await page.getByText('Before we start').waitFor({ state: 'hidden' });

    const identified = await ana.waitFor((f) => f.t === 'event' && f.d?.kind === 'visitor.identified', 10_000, mark);
    expect(identified.d).toMatchObject({ name: 'Kim Park', email: 'kim@example.com' });
    const opened = events(ana, 'conversation.opened', mark);
    expect(opened).toHaveLength(1);
    expect(opened[0]?.visitor).toMatchObject({ page: '/pricing' }); // the path only: never the query or fragment
    expect(JSON.stringify(opened)).not.toContain('SECRET');

    await write(page, 'Which plan has phone support?');
    const got = await ana.waitForVisitorMessage('Which plan has phone support?', mark);
    expect(got.message.author).toBe('Kim Park');
    expect(got.conversation).toBe(opened[0]?.conversation);
    // Answered once: a reload does not ask again.
    await page.reload();
    await bubble(page).click();
    await input(page).waitFor();
    expect(await page.getByText('Before we start').count()).toBe(0);
  });

  it('asks after the first message with data-ask-contact="during"; "No thanks" leaves the visitor anonymous', async () => {
    const ana = await agent();
    const mark = ana.frames.length;
    const page = await shopPage('data-ask-contact="during"', '/faq');
    await bubble(page).click();
    expect(await page.getByText('So we can reach you').count()).toBe(0); // not before the first message
    await write(page, 'Do you ship to Oslo?');
    await page.getByText('So we can reach you if you leave: your name and email? (Optional.)').waitFor();
    await ana.waitForVisitorMessage('Do you ship to Oslo?', mark);
    expect(events(ana, 'conversation.opened', mark)[0]?.visitor).toEqual({ page: '/faq' });
    await page.getByRole('button', { name: 'No thanks' }).click();
    await page.getByText('So we can reach you').waitFor({ state: 'hidden' });
    await openAndSend(page, 'Thanks anyway');
    expect(await page.getByText('So we can reach you').count()).toBe(0);
    expect(events(ana, 'visitor.identified', mark)).toEqual([]);
  });

  it('never asks for contact details by default', async () => {
    const ana = await agent();
    const page = await visitor();
    await openAndSend(page, 'Just a question');
    await ana.waitForVisitorMessage('Just a question');
    expect(await page.getByRole('textbox', { name: 'Your name' }).count()).toBe(0);
    expect(await page.getByText('Before we start').count()).toBe(0);
    expect(await page.getByText('So we can reach you').count()).toBe(0);
    expect(await page.locator('attend-chat').evaluate((el) => (el.shadowRoot as ShadowRoot).querySelector<HTMLElement>('.contact')?.hidden)).toBe(true);
  });
});
