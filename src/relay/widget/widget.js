/*! attend chat widget (attend.chat.v1). <script src="https://YOUR-RELAY/widget.js" async></script>
 * Plain modern JS, no dependencies, no build step: served as written. */
(() => {
  // biome-ignore lint/suspicious/noRedundantUseStrict: a classic script, not a module
  'use strict';

  // A tag manager and a hand-written tag may both load us; one widget is enough.
  if (window.AttendChat) return;

  // The protocol's constants, copied from src/protocol/ by hand: this file is served as written,
  // with no build step. `npm run build` compares the block below with src/protocol/ and fails on
  // any difference (src/relay/widget/protocol-block.ts), so keep it one `const NAME = literal;`
  // per line, named as in src/protocol/ (CLOSE.sessionReplaced is CLOSE_SESSION_REPLACED).
  /* ---------- attend.chat.v1 constants (checked by the build) ---------- */
  const SUBPROTOCOL = 'attend.chat.v1';
  const VISITOR_PATH = '/ws/visitor';
  const MAX_BODY_CHARS = 8000; // enforced in the UI
  const MAX_NAME_CHARS = 100;
  const MAX_EMAIL_CHARS = 254;
  const MAX_PAGE_CHARS = 200;
  const MAX_HISTORY_LIMIT = 100; // the most one history request returns
  const CLIENT_PING_MS = 30000; // no pong by the next ping = dead socket
  const TYPING_ON_INTERVAL_MS = 3000; // at most one typing:on per 3 s
  const TYPING_EXPIRES_MS = 6000; // an agent's typing:on expires after 6 s
  const RECONNECT_BACKOFF_MIN_MS = 1000;
  const RECONNECT_BACKOFF_MAX_MS = 60000;
  const ACK_EVERY_EVENTS = 20;
  const ACK_AFTER_MS = 1000;
  const VISITOR_SEND_REFILL_MS = 2000; // after a burst, one send per 2 s
  const CLOSE_HEARTBEAT_TIMEOUT = 4000;
  const CLOSE_SESSION_REPLACED = 4409;
  const CLOSE_RATE_LIMITED = 4429;
  /* ---------- end of attend.chat.v1 constants ---------- */

  const TYPING_IDLE_MS = 5000; // a pause this long ends "typing"
  const WELCOME_TIMEOUT_MS = 10000; // a socket that connects but never welcomes us is dead too
  const KEEP_MESSAGES = 200; // kept in localStorage

  // The relay is where this script came from (currentScript is set while an async script
  // first runs; the scan covers odd loaders).
  const script =
    document.currentScript ||
    [...document.querySelectorAll('script[src]')].reverse().find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script) return console.warn('[attend] cannot tell where widget.js was loaded from');
  const scriptUrl = new URL(script.src, location.href);
  const relayOrigin = scriptUrl.origin;
  // Relative to the script, so a relay under a path prefix (/chat/widget.js) works too.
  const wsUrl = new URL(VISITOR_PATH.slice(1), scriptUrl).href.replace(/^http/, 'ws');
  const title = script.getAttribute('data-title') || 'Chat with us';
  // data-ask-contact="before" asks for a name and email before the first message, "during" after
  // it; anything else (the default) never asks. Both are optional for the visitor.
  const askContact = /^(before|during)$/i.test(script.getAttribute('data-ask-contact') || '') ? script.getAttribute('data-ask-contact').toLowerCase() : '';

  /* ---------- state, kept in localStorage per relay origin ---------- */

  const TOKEN_KEY = `attend.visitor.token:${relayOrigin}`;
  const STATE_KEY = `attend.visitor.state:${relayOrigin}`;
  // Storage can throw (blocked, private mode, quota): then we just forget on reload.
  const storage = {
    get: (k) => {
      try {
        return localStorage.getItem(k);
      } catch {
        return null;
      }
    },
    set: (k, v) => {
      try {
        localStorage.setItem(k, v);
      } catch {}
    },
  };
  let saved = {};
  try {
    saved = JSON.parse(storage.get(STATE_KEY)) || {};
  } catch {} // corrupt: start clean
  const S = {
    token: storage.get(TOKEN_KEY),
    lastSeq: saved.lastSeq || 0, // highest event seq we have shown (what resume asks after)
    messages: [].concat(saved.messages || []), // confirmed, sorted by seq
    outbox: [].concat(saved.outbox || []), // typed but not yet `sent`, in order
    email: saved.email || '', // what the visitor left with `identify`
    name: saved.name || '',
    identify: saved.identify || null, // {key, name?, email?} until the relay says ok
    contactAsked: saved.contactAsked || false, // the contact form was answered or dismissed
    unread: saved.unread || 0,
    draft: saved.draft || '',
  };
  const save = () => storage.set(STATE_KEY, JSON.stringify({ ...S, token: undefined, messages: S.messages.slice(-KEEP_MESSAGES) }));

  // randomUUID needs a secure context (https, localhost).
  const newKey = () =>
    crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => x.toString(16).padStart(2, '0')).join('');

  /* ---------- DOM helpers (data only ever goes in as text) ---------- */

  function h(tag, attrs, kids) {
    const el = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === 'text') el.textContent = attrs[k];
      else el.setAttribute(k, attrs[k]);
    }
    if (kids) el.append(...kids);
    return el;
  }
  // Icons are built node by node, not parsed: pages enforcing Trusted Types forbid innerHTML.
  function icon(paths, size) {
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    const a = { viewBox: '0 0 24 24', width: size, height: size, 'aria-hidden': 'true' };
    for (const k in a) svg.setAttribute(k, a[k]);
    for (const d of paths) {
      const p = document.createElementNS(NS, 'path');
      p.setAttribute('d', d);
      svg.append(p);
    }
    return svg;
  }
  const ICON_CHAT = ['M21 11.5a8.4 8.4 0 0 1-9 8.4 9 9 0 0 1-3.8-.8L3 20.5l1.4-4.3A8 8 0 0 1 3 11.5 8.5 8.5 0 0 1 12 3a8.5 8.5 0 0 1 9 8.5z'];
  const ICON_CLOSE = ['M6 6l12 12M18 6 6 18'];
  const ICON_SEND = ['M22 2 11 13', 'M22 2 15 22l-4-9-9-4z'];

  // Appends text, turning http(s) URLs into links. Everything else stays a text node, so
  // neither side can inject markup; only http(s) can become an href.
  const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;
  function fillText(el, text) {
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      const url = m[0].replace(/[).,;:!?\]]+$/, ''); // "see https://x.y/a." – the dot is prose
      el.append(text.slice(last, m.index));
      el.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer nofollow', text: url }));
      last = m.index + url.length;
    }
    el.append(text.slice(last));
  }

  function clock(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  }

  /* ---------- styles: inside a shadow root, so neither page nor widget leaks ---------- */

  const CSS = `
:host{all:initial!important;display:block!important}
@media print{:host{display:none!important}}
*,*::before,*::after{box-sizing:border-box}
.root{--accent:#1f4fd1;--accent-dark:#173ea8;--fg:#17202b;--muted:#5a6472;--line:#d6dbe1;--soft:#eef1f5;
  font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);text-align:left}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer}
[hidden]{display:none!important}
svg{fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
:focus{outline:none}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.bubble{position:fixed;z-index:2147483000;right:calc(20px + env(safe-area-inset-right));bottom:calc(20px + env(safe-area-inset-bottom));
  width:58px;height:58px;border:0;border-radius:50%;padding:0;display:grid;place-items:center;background:var(--accent);color:#fff;
  box-shadow:0 6px 20px rgba(16,32,72,.28);transition:transform .15s,background .15s}
.bubble:hover{background:var(--accent-dark);transform:scale(1.05)}
.bubble:focus-visible{outline:3px solid #111;outline-offset:3px;box-shadow:0 0 0 3px #fff}
.badge{position:absolute;top:-2px;right:-2px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#c81e1e;
  color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff}
.panel{position:fixed;z-index:2147483000;right:calc(20px + env(safe-area-inset-right));bottom:calc(92px + env(safe-area-inset-bottom));
  width:min(380px,calc(100vw - 40px));height:min(640px,calc(100vh - 120px));display:flex;flex-direction:column;overflow:hidden;
  background:#fff;border-radius:16px;box-shadow:0 16px 48px rgba(16,32,72,.24),0 0 0 1px rgba(16,32,72,.08);
  visibility:hidden;opacity:0;transform:translateY(12px) scale(.98);transform-origin:bottom right;
  transition:opacity .18s,transform .18s,visibility 0s linear .18s}
.open .panel{visibility:visible;opacity:1;transform:none;transition:opacity .18s,transform .18s}
.head{display:flex;align-items:center;gap:12px;padding:14px 12px 14px 18px;background:var(--accent);color:#fff}
.head h2{margin:0;font-size:17px;font-weight:650;line-height:1.25}
.head p{margin:2px 0 0;font-size:13px;color:#e4eaff;display:flex;align-items:center;gap:6px}
.head p:empty{display:none}
.dot{width:8px;height:8px;border-radius:50%;background:#b9c3d6}
.dot.on{background:#4ade80}
.titles{flex:1;min-width:0}
.x{width:40px;height:40px;border:0;border-radius:10px;background:transparent;color:#fff;display:grid;place-items:center}
.x:hover{background:rgba(255,255,255,.16)}
.x:focus-visible{outline-color:#fff;outline-offset:-3px}
.note{padding:8px 16px;font-size:13.5px;background:#f3f4f6;color:#374151;border-bottom:1px solid var(--line);display:flex;gap:10px;align-items:center}
.note button{border:0;background:none;padding:0;color:var(--accent);font-weight:600;text-decoration:underline}
.scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:14px 14px 6px;background:#f8f9fb}
.away{margin:0 0 12px;padding:12px 14px;border-radius:12px;background:#fff8e1;border:1px solid #ecd48a;color:#3d3203;font-size:14px}
.away p{margin:0}
.away form{display:flex;gap:8px;margin-top:10px}
.away label{display:block;margin-top:10px;font-size:13px;font-weight:600}
.away input{flex:1;min-width:0;font-size:16px;padding:8px 10px;border:1px solid #8a8f98;border-radius:8px;background:#fff}
.away .go{border:0;border-radius:8px;padding:8px 14px;background:var(--accent);color:#fff;font-weight:600}
.away .msgline{margin-top:8px;font-size:13px}
.contact{margin:0 0 12px;padding:12px 14px;border-radius:12px;background:#fff;border:1px solid var(--line);font-size:14px}
.contact p{margin:0}
.contact label{display:block;margin-top:8px;font-size:13px;font-weight:600}
.contact input{display:block;width:100%;font-size:16px;padding:8px 10px;border:1px solid #8a8f98;border-radius:8px;background:#fff}
.contact .row{display:flex;gap:12px;align-items:center;margin-top:10px}
.contact .go{border:0;border-radius:8px;padding:8px 14px;background:var(--accent);color:#fff;font-weight:600}
.contact .skip{border:0;background:none;padding:0;color:var(--accent);text-decoration:underline}
.contact .msgline{margin-top:8px;font-size:13px}
.greet{align-self:flex-start;margin:0 0 10px;color:var(--muted);font-size:14px}
.log{display:flex;flex-direction:column;gap:4px}
.msg{max-width:84%;display:flex;flex-direction:column;align-self:flex-start;align-items:flex-start}
.msg.me{align-self:flex-end;align-items:flex-end}
.who{font-size:12.5px;color:var(--muted);margin:8px 0 2px 6px}
.b{padding:8px 12px;border-radius:18px;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;background:var(--soft);color:var(--fg);border-bottom-left-radius:6px}
.me .b{background:var(--accent);color:#fff;border-radius:18px 18px 6px 18px}
.b a{color:inherit;text-decoration:underline}
.meta{font-size:12px;color:var(--muted);margin:2px 6px 4px}
.failed .meta{color:#b42318;font-weight:600}
.failed .b{background:#fdecea;color:#5f1412}
.sys{align-self:center;margin:8px 0;font-size:12.5px;color:var(--muted)}
.typing{padding:2px 18px 6px;font-size:13px;color:var(--muted);background:#f8f9fb}
.typing i{display:inline-block;width:5px;height:5px;margin-right:3px;border-radius:50%;background:currentColor;animation:blink 1.2s infinite both}
.typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s;margin-right:8px}
@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
.flash{padding:6px 16px;font-size:13px;background:#eef4ff;color:#1e3a8a}
.comp{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid var(--line);background:#fff}
textarea{flex:1;min-width:0;resize:none;font-size:16px;line-height:1.4;max-height:140px;padding:9px 14px;border:1px solid #8a8f98;border-radius:20px;background:#fff}
textarea:focus-visible{outline-offset:0}
.send{flex:none;width:42px;height:42px;border:0;border-radius:50%;background:var(--accent);color:#fff;display:grid;place-items:center}
.send:hover{background:var(--accent-dark)}
.send:disabled{background:#c5ccd6;cursor:default}
.send svg{margin-left:-2px}
.count{padding:0 18px 8px;font-size:12px;text-align:right;color:var(--muted);background:#fff}
.count.over{color:#b42318;font-weight:600}
@media (max-width:480px){
  .panel{top:0;left:0;right:0;bottom:0;width:auto;height:auto;border-radius:0;transform:translateY(16px);
    padding:0 env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left)}
  .head{padding-top:calc(14px + env(safe-area-inset-top))}
  .open .bubble{display:none}
  .msg{max-width:88%}
}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{transition:none!important;animation:none!important}}
@media (forced-colors:active){.bubble,.send,.me .b,.b{border:1px solid CanvasText}}
`;

  /* ---------- building the UI ---------- */

  let ui = null; // the elements, once mounted
  let isOpen = false;
  const nodes = new Map(); // 'm:'+messageId or 'o:'+idempotency key → element

  function mount() {
    const host = document.createElement('attend-chat');
    const shadow = host.attachShadow({ mode: 'open' });
    // A constructed sheet is not subject to the page's CSP style-src; <style> is the fallback.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } catch {
      shadow.append(h('style', { text: CSS }));
    }

    const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: '' });
    const bubble = h('button', { type: 'button', class: 'bubble', 'aria-expanded': 'false', 'aria-controls': 'attend-panel' }, [
      icon(ICON_CHAT, 28),
      badge,
    ]);
    const status = h('p');
    const close = h('button', { type: 'button', class: 'x', 'aria-label': 'Close chat' }, [icon(ICON_CLOSE, 22)]);
    const note = h('div', { class: 'note', role: 'status', hidden: '' });
    const away = h('div', { class: 'away', hidden: '' });
    const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
    const greet = h('p', { class: 'greet', text: 'Hi! Ask us anything — we usually reply within a few minutes.' });
    const contact = h('div', { class: 'contact', hidden: '' });
    const scroll = h('div', { class: 'scroll' }, [away, greet, log, contact]);
    const typingText = h('span', { text: 'Agent is typing…' });
    const typing = h('div', { class: 'typing', hidden: '' }, [h('i'), h('i'), h('i'), typingText]);
    const flash = h('div', { class: 'flash', role: 'status', hidden: '' });
    const input = h('textarea', {
      rows: '1',
      'aria-label': 'Message',
      'aria-describedby': 'attend-hint',
      placeholder: 'Write a message…',
      autocomplete: 'off',
    });
    const send = h('button', { type: 'submit', class: 'send', 'aria-label': 'Send', disabled: '' }, [icon(ICON_SEND, 20)]);
    const count = h('div', { class: 'count', id: 'attend-count', 'aria-live': 'polite', hidden: '' });
    const form = h('form', { class: 'comp' }, [input, send]);
    const panel = h('div', { class: 'panel', id: 'attend-panel', role: 'dialog', 'aria-label': title }, [
      h('div', { class: 'head' }, [h('div', { class: 'titles' }, [h('h2', { text: title }), status]), close]),
      note,
      scroll,
      typing,
      flash,
      form,
      count,
      h('span', { class: 'sr', id: 'attend-hint', text: 'Enter sends, Shift+Enter starts a new line.' }),
    ]);
    const root = h('div', { class: 'root' }, [panel, bubble]);
    shadow.append(root);
    ui = { host, root, bubble, badge, status, note, away, greet, scroll, log, contact, typing, typingText, flash, input, send, count, form, panel };

    bubble.addEventListener('click', () => (isOpen ? closePanel(true) : openPanel()));
    close.addEventListener('click', () => closePanel(true));
    panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        closePanel(true);
      }
    });
    // Keep our keystrokes from the page's shortcuts ("/" to search…): retargeted to
    // <attend-chat>, they don't look like typing in a field to the page's handlers.
    for (const type of ['keydown', 'keyup', 'keypress']) panel.addEventListener(type, (e) => e.stopPropagation());
    input.addEventListener('keydown', (e) => {
      // Enter sends; Shift+Enter is a newline; Enter that confirms an IME composition is neither.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    input.addEventListener('input', onInput);
    input.addEventListener('blur', typingOff);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit();
    });

    input.value = S.draft;
    for (const m of S.messages) place(m);
    for (const o of S.outbox) place(o);
    renderAway();
    renderContact();
    renderStatus();
    renderBadge();
    updateComposer();
    document.body.append(host);
  }

  function openPanel() {
    if (isOpen) return;
    isOpen = true;
    ui.root.classList.add('open');
    ui.bubble.setAttribute('aria-expanded', 'true');
    S.unread = 0;
    renderBadge();
    save();
    // A new visitor connects on the first open, not on every anonymous page view.
    wantConnection = true;
    connect();
    updateComposer(); // a restored draft can be measured now that the panel is visible
    ui.scroll.scrollTop = ui.scroll.scrollHeight;
    // With the contact form before the chat, its first field has the focus (the composer waits).
    (ui.form.hidden ? ui.contact.querySelector('input') : ui.input).focus({ preventScroll: true });
  }

  function closePanel(returnFocus) {
    if (!isOpen) return;
    isOpen = false;
    ui.root.classList.remove('open');
    ui.bubble.setAttribute('aria-expanded', 'false');
    typingOff();
    if (returnFocus) ui.bubble.focus();
  }

  function renderBadge() {
    const n = S.unread;
    ui.badge.textContent = n > 9 ? '9+' : String(n);
    ui.badge.hidden = !n;
    ui.bubble.setAttribute('aria-label', n ? `${title} (${n} unread)` : title);
  }

  /* ---------- messages ---------- */

  // Confirmed messages sit in seq order; unsent ones (outbox) after them, in the order typed.
  function place(item) {
    const key = item.key ? `o:${item.key}` : `m:${item.id}`;
    let el = nodes.get(key);
    if (!el) {
      el = item.sys ? h('div', { class: 'sys', text: 'This conversation was marked resolved. Write again any time.' }) : messageEl(item);
      nodes.set(key, el);
    }
    if (item.key) {
      el.classList.toggle('failed', !!item.failed);
      setMeta(el, item.at, item.failed ? 'Not sent' : 'Sending…');
      if (!el.parentNode) ui.log.append(el);
    } else {
      el.dataset.seq = item.seq;
      const next = [...ui.log.children].find((c) => !c.dataset.seq || +c.dataset.seq > item.seq);
      if (el.nextSibling !== next || !el.parentNode) ui.log.insertBefore(el, next || null);
    }
    return el;
  }


  function messageEl(m) {
    const me = m.from === 'visitor' || !!m.key; // outbox entries are always the visitor's
    const el = h('div', { class: me ? 'msg me' : 'msg them' });
    el.append(me ? h('span', { class: 'sr', text: 'You: ' }) : h('div', { class: 'who', text: m.author || 'Agent' }));
    const b = h('div', { class: 'b' });
    fillText(b, m.body);
    el.append(b, h('div', { class: 'meta', 'aria-hidden': 'true' }));
    setMeta(el, m.at, me ? 'Sent' : '');
    return el;
  }

  function setMeta(el, at, state) {
    const meta = el.querySelector('.meta');
    if (!meta) return;
    meta.textContent = [clock(at), state].filter(Boolean).join(' · ');
    el.dataset.status = state.toLowerCase().replace(/\W/g, '');
  }

  function nearBottom() {
    const s = ui.scroll;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }
  function stick(wasNear) {
    if (wasNear) ui.scroll.scrollTop = ui.scroll.scrollHeight;
  }

  function haveMessage(id) {
    return S.messages.some((m) => m.id === id);
  }
  function addMessage(m) {
    const near = nearBottom();
    let i = S.messages.length;
    while (i > 0 && S.messages[i - 1].seq > m.seq) i--;
    S.messages.splice(i, 0, m);
    place(m);
    stick(near);
  }

  // One durable event (live, replayed or from history) into the transcript.
  function applyEvent(seq, d, live) {
    if (!d || typeof seq !== 'number') return;
    if (d.kind === 'message' && d.message && typeof d.message.body === 'string') {
      const m = d.message;
      if (haveMessage(m.id)) return; // our own, already confirmed by `sent`
      const from = m.from === 'agent' ? 'agent' : 'visitor';
      addMessage({ id: String(m.id), seq, from, author: String(m.author || ''), body: m.body, at: m.sentAt });
      if (live && from === 'agent') {
        showAgentTyping(false);
        if (!isOpen) {
          S.unread++;
          renderBadge();
        }
      }
    } else if (d.kind === 'conversation.status' && d.status === 'resolved' && !haveMessage(`s${seq}`)) {
      // (Reopening follows the visitor's own new message: not worth a line.)
      addMessage({ id: `s${seq}`, seq, sys: 'resolved' });
    }
  }

  function clearTranscript() {
    for (const m of S.messages) {
      const el = nodes.get(`m:${m.id}`);
      if (el) el.remove();
      nodes.delete(`m:${m.id}`);
    }
    S.messages = [];
    S.lastSeq = 0;
  }

  /* ---------- composing and sending ---------- */

  function onInput() {
    const v = ui.input.value;
    S.draft = v;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(save, 500);
    updateComposer();
    if (v.trim()) typingOn();
    else typingOff();
  }
  let draftTimer = 0;

  function updateComposer() {
    const input = ui.input;
    // Grow with the text up to max-height. (Measured only with text in it: hidden, it measures 0.)
    input.style.height = '';
    if (input.value && input.isConnected) input.style.height = `${Math.min(input.scrollHeight + 2, 140)}px`;
    const n = input.value.length;
    const over = n > MAX_BODY_CHARS;
    ui.send.disabled = !input.value.trim() || over;
    ui.count.hidden = n < MAX_BODY_CHARS - 1000;
    ui.count.classList.toggle('over', over);
    ui.count.textContent = `${n.toLocaleString()} / ${MAX_BODY_CHARS.toLocaleString()} characters${over ? ' — too long to send' : ''}`;
    input.setAttribute('aria-invalid', String(over));
    input.setAttribute('aria-describedby', over ? 'attend-hint attend-count' : 'attend-hint');
  }

  function submit() {
    const body = ui.input.value.trim();
    if (!body || body.length > MAX_BODY_CHARS) return;
    ui.input.value = '';
    S.draft = '';
    typingOff();
    updateComposer();
    const o = { key: newKey(), body, at: new Date().toISOString() };
    S.outbox.push(o);
    save();
    place(o);
    ui.scroll.scrollTop = ui.scroll.scrollHeight;
    wantConnection = true;
    if (!ws) connect();
    flushOutbox();
    if (askContact === 'during' && !S.contactAsked && ui.contact.hidden) renderContact();
  }

  // Sends the unconfirmed, in order, each with the key it got when typed: the relay recognises
  // a retry after a drop instead of posting it twice.
  let inflight = new Set(); // keys sent on the current socket
  let paced = false; // after rate_limited: one at a time, paceMs apart, until the outbox drains
  let paceMs = VISITOR_SEND_REFILL_MS;
  let pauseUntil = 0;
  let flushTimer = 0;
  function flushOutbox() {
    if (!welcomed) return;
    const wait = pauseUntil - Date.now();
    if (wait > 0) {
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flushOutbox, wait);
      return;
    }
    for (const o of S.outbox) {
      if (o.failed || inflight.has(o.key)) {
        if (paced && inflight.has(o.key)) return;
        continue;
      }
      if (!sendFrame({ t: 'send', id: o.key, d: { body: o.body } })) return;
      inflight.add(o.key);
      if (paced) return;
    }
  }

  function onSent(key, d) {
    const i = S.outbox.findIndex((o) => o.key === key);
    if (i < 0 || !d || d.messageId == null) return;
    const [o] = S.outbox.splice(i, 1);
    inflight.delete(key);
    const el = nodes.get(`o:${key}`);
    nodes.delete(`o:${key}`);
    const id = String(d.messageId);
    if (haveMessage(id)) {
      if (el) el.remove(); // the `message` event beat the `sent`
    } else {
      const m = { id, seq: +d.seq || S.lastSeq, from: 'visitor', body: o.body, at: o.at };
      if (el) {
        // Same element, so the screen reader's log doesn't announce the message twice.
        nodes.set(`m:${id}`, el);
        setMeta(el, o.at, 'Sent');
      }
      addMessage(m);
    }
    if (!S.outbox.length) paced = false;
    save();
    if (paced) {
      pauseUntil = Date.now() + paceMs; // the relay's refill rate: don't knock early
      flushOutbox();
    }
  }

  function onError(key, d) {
    const code = d?.code;
    if (code === 'rate_limited') {
      const wait = Math.max(500, Number(d.retryAfterMs) || VISITOR_SEND_REFILL_MS);
      pauseUntil = Date.now() + wait;
      paceMs = Math.min(wait, 10000);
      if (key && inflight.delete(key)) {
        paced = true;
        flash(`You're sending messages quickly — we'll send the rest in ${Math.ceil(wait / 1000)} s.`);
      } else flash('Slow down a little, please.');
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flushOutbox, wait);
      return;
    }
    if (S.identify && key === S.identify.key) return identified(false);
    const o = key && S.outbox.find((x) => x.key === key);
    if (!o) return;
    inflight.delete(key);
    if (code === 'internal') {
      // The relay's own trouble: try again a little later, same key.
      clearTimeout(flushTimer);
      flushTimer = setTimeout(flushOutbox, 5000);
      return;
    }
    o.failed = true; // too_long / bad_frame: retrying the same thing can't help
    place(o);
    save();
  }

  let flashTimer = 0;
  function flash(text) {
    ui.flash.textContent = text;
    ui.flash.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      ui.flash.hidden = true;
    }, 6000);
  }

  /* ---------- typing ---------- */

  let typingSentAt = 0;
  let typingIsOn = false;
  let typingIdle = 0;
  function typingOn() {
    const now = Date.now();
    if (!typingIsOn || now - typingSentAt >= TYPING_ON_INTERVAL_MS) {
      if (sendFrame({ t: 'typing', d: { on: true } })) {
        typingIsOn = true;
        typingSentAt = now;
      }
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(typingOff, TYPING_IDLE_MS);
  }
  function typingOff() {
    clearTimeout(typingIdle);
    if (!typingIsOn) return;
    typingIsOn = false;
    sendFrame({ t: 'typing', d: { on: false } });
  }

  let agentTypingTimer = 0;
  function showAgentTyping(on, name) {
    clearTimeout(agentTypingTimer);
    const near = nearBottom();
    ui.typing.hidden = !on;
    if (on) {
      ui.typingText.textContent = `${typeof name === 'string' && name ? name.slice(0, 60) : 'Agent'} is typing…`;
      agentTypingTimer = setTimeout(() => showAgentTyping(false), TYPING_EXPIRES_MS);
      stick(near);
    }
  }

  /* ---------- presence, away notice, identify ---------- */

  let agentsOnline = null; // unknown until the relay tells us
  // Outside the shop's chat hours (a relay with hours sends `open`, and `opensAt` while closed).
  let closed = false;
  let opensAt = '';

  /** "Mon 09:00" in the visitor's own language and time zone; '' when unknown. */
  function whenOpens() {
    const t = Date.parse(opensAt);
    if (!opensAt || Number.isNaN(t)) return '';
    try {
      // A weekday alone is ambiguous beyond a week (closed for the holidays): add the date.
      const far = t - Date.now() > 6 * 86400000 ? { day: 'numeric', month: 'short' } : {};
      return new Date(t).toLocaleString(undefined, { weekday: 'short', ...far, hour: '2-digit', minute: '2-digit' });
    } catch (_) {
      return '';
    }
  }

  function renderStatus() {
    const p = ui.status;
    p.textContent = '';
    if (!welcomed) {
      if (wantConnection) p.append('Connecting…');
    } else if (closed) {
      p.append(h('span', { class: 'dot' }), "We're closed");
    } else if (agentsOnline != null) {
      p.append(h('span', { class: agentsOnline ? 'dot on' : 'dot' }), agentsOnline ? "We're online" : "We're away");
    }
  }

  function renderAway() {
    const box = ui.away;
    box.textContent = '';
    box.hidden = agentsOnline !== false;
    ui.greet.hidden = !box.hidden; // "we reply within minutes" is not true right now
    if (box.hidden) return;
    const field = h('input', {
      type: 'email',
      id: 'attend-email',
      name: 'email',
      autocomplete: 'email',
      required: '',
      placeholder: 'you@example.com',
      value: S.identify ? S.identify.email : S.email,
    });
    const form = h('form', { novalidate: '' }, [field, h('button', { type: 'submit', class: 'go', text: 'Save' })]);
    // Once saved, the field keeps the address: changing it is editing it and saving again.
    const line = h('p', { class: 'msgline', role: 'status', text: S.identify ? 'Saving…' : S.email && `We'll reply to ${S.email}.` });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const email = field.value.trim();
      if (!email || !field.checkValidity()) {
        line.textContent = 'Please enter a valid email address.';
        field.setAttribute('aria-invalid', 'true');
        field.focus();
        return;
      }
      field.removeAttribute('aria-invalid');
      S.identify = { key: newKey(), email };
      save();
      line.textContent = 'Saving…';
      wantConnection = true;
      if (!ws) connect();
      sendIdentify();
    });
    box.append(
      h('p', {
        text: closed
          ? `We're closed right now${whenOpens() ? ` — back ${whenOpens()}` : ''}. Leave your email and we'll reply there. You can still write below.`
          : "We're away right now — leave your email and we'll reply there. You can still write below.",
      }),
      h('label', { for: 'attend-email', text: 'Your email' }),
      form,
      line,
    );
  }

  /* The contact form (data-ask-contact): name and email, both optional. "before" holds the
     composer back until it is answered or skipped; "during" appears after the first message. */
  function contactWanted() {
    if (!askContact || S.contactAsked) return false;
    const wrote = S.messages.some((m) => m.from === 'visitor') || S.outbox.length > 0;
    // "before" is before the first message only: a visitor already chatting is never held back.
    return askContact === 'before' ? !wrote : wrote;
  }

  function renderContact() {
    const box = ui.contact;
    box.textContent = '';
    const want = contactWanted();
    box.hidden = !want;
    ui.form.hidden = want && askContact === 'before';
    if (!want) return;
    const field = (id, label, attrs) => [h('label', { for: id, text: label }), h('input', { id, ...attrs })];
    const [nameLabel, name] = field('attend-contact-name', 'Your name', { type: 'text', name: 'name', autocomplete: 'name', maxlength: String(MAX_NAME_CHARS), value: S.name });
    const [emailLabel, email] = field('attend-contact-email', 'Your email', {
      type: 'email',
      name: 'email',
      autocomplete: 'email',
      maxlength: String(MAX_EMAIL_CHARS),
      placeholder: 'you@example.com',
      value: S.email,
    });
    const line = h('p', { class: 'msgline', role: 'status' });
    const skip = h('button', { type: 'button', class: 'skip', text: askContact === 'before' ? 'Skip' : 'No thanks' });
    const go = h('button', { type: 'submit', class: 'go', text: askContact === 'before' ? 'Start chat' : 'Save' });
    const form = h('form', { novalidate: '', 'aria-label': 'Your contact details' }, [nameLabel, name, emailLabel, email, h('div', { class: 'row' }, [go, skip])]);
    const intro =
      askContact === 'before' ? 'Before we start: who are we talking to? (Optional.)' : 'So we can reach you if you leave: your name and email? (Optional.)';
    const done = () => {
      S.contactAsked = true;
      save();
      renderContact();
      ui.input.focus({ preventScroll: true });
    };
    skip.addEventListener('click', done);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const n = name.value.trim().slice(0, MAX_NAME_CHARS);
      const m = email.value.trim();
      if (m && !email.checkValidity()) {
        line.textContent = 'Please enter a valid email address, or leave it empty.';
        email.setAttribute('aria-invalid', 'true');
        email.focus();
        return;
      }
      if (n || m) {
        S.identify = { key: newKey(), ...(n ? { name: n } : {}), ...(m ? { email: m } : {}) };
        wantConnection = true;
        if (!ws) connect();
        sendIdentify();
      }
      done();
    });
    box.append(h('p', { text: intro }), form, line);
    if (askContact === 'during') ui.scroll.scrollTop = ui.scroll.scrollHeight; // in view, under the message just sent
  }

  function sendIdentify() {
    if (!welcomed || !S.identify) return;
    const d = {};
    if (S.identify.name) d.name = S.identify.name;
    if (S.identify.email) d.email = S.identify.email;
    sendFrame({ t: 'identify', id: S.identify.key, d });
  }
  // Only the status line changes: rebuilding the form would steal the visitor's focus.
  function identified(ok) {
    if (ok) {
      if (S.identify.email) S.email = S.identify.email;
      if (S.identify.name) S.name = S.identify.name;
    }
    const hadEmail = !!S.identify.email;
    S.identify = null;
    save();
    const line = ui.away.querySelector('.msgline');
    if (line && hadEmail) line.textContent = ok ? `Thanks! We'll reply to ${S.email}.` : "Sorry, we couldn't save that address. Please check it.";
    if (!ok) flash("Sorry, we couldn't save your details. Please check the email address.");
  }

  /** From `welcome` or `presence`: agents online, and (relays with chat hours) open or closed. */
  function setPresence(d) {
    if (typeof d.agentsOnline !== 'boolean') return;
    const nowClosed = d.open === false;
    const nextOpens = nowClosed && typeof d.opensAt === 'string' ? d.opensAt : '';
    // Unchanged: don't rebuild the email form under the visitor's fingers.
    if (d.agentsOnline === agentsOnline && nowClosed === closed && nextOpens === opensAt) return;
    agentsOnline = d.agentsOnline;
    closed = nowClosed;
    opensAt = nextOpens;
    renderAway();
    renderStatus();
  }

  /* ---------- connection ---------- */

  let ws = null;
  let welcomed = false; // this socket has its welcome
  let everWelcomed = false;
  let wantConnection = !!S.token || S.outbox.length > 0; // returning visitors connect at once
  let dormant = false; // closed 4409: another tab now holds this visitor's session
  let attempts = 0;
  let reconnectTimer = 0;
  let welcomeTimer = 0;
  let pingTimer = 0;
  let awaitingPong = false;
  let ackTimer = 0;
  let unacked = 0;
  let historyKey = null;
  let historyWanted = false;
  let noteTimer = 0;

  function sendFrame(f) {
    if (ws?.readyState !== 1) return false;
    ws.send(JSON.stringify(f));
    return true;
  }

  function connect() {
    if (ws || dormant || !wantConnection) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    let sock;
    try {
      sock = new WebSocket(wsUrl, SUBPROTOCOL);
    } catch {
      return scheduleReconnect();
    }
    ws = sock;
    welcomed = false;
    inflight = new Set();
    welcomeTimer = setTimeout(() => drop(CLOSE_HEARTBEAT_TIMEOUT), WELCOME_TIMEOUT_MS);
    sock.onopen = () => {
      // Where the visitor is, for the agent's queue ("visitor 7f3a · /pricing"): the path only.
      const d = { page: location.pathname.slice(0, MAX_PAGE_CHARS) };
      if (S.token) {
        d.token = S.token;
        d.resume = { afterSeq: S.lastSeq };
      }
      sendFrame({ t: 'hello', d });
    };
    sock.onmessage = (e) => {
      if (sock === ws && typeof e.data === 'string') onFrame(e.data);
    };
    sock.onclose = (e) => {
      if (sock !== ws) return;
      lost();
      if (e.code === CLOSE_SESSION_REPLACED) {
        dormant = true;
        renderConn();
      } else scheduleReconnect(e.code === CLOSE_RATE_LIMITED ? RECONNECT_BACKOFF_MAX_MS / 2 : 0);
    };
    renderStatus();
  }

  // Abandons the socket now: a dead network never finishes a closing handshake.
  function drop(code) {
    const sock = ws;
    if (!sock) return;
    lost();
    sock.onclose = null;
    try {
      sock.close(code);
    } catch {
      /* already closing */
    }
    scheduleReconnect();
  }

  function lost() {
    ws = null;
    welcomed = false;
    inflight = new Set();
    clearTimeout(welcomeTimer);
    clearInterval(pingTimer);
    clearTimeout(ackTimer);
    ackTimer = 0;
    if (historyKey) historyWanted = true; // its answer died with the socket: ask again
    historyKey = null;
    typingIsOn = false;
    showAgentTyping(false);
    renderConn();
  }

  // Exponential backoff with full jitter: a relay restart is not met by every widget at once.
  function scheduleReconnect(atLeast) {
    if (reconnectTimer || !wantConnection || dormant) return;
    const cap = Math.min(RECONNECT_BACKOFF_MAX_MS, RECONNECT_BACKOFF_MIN_MS * 2 ** attempts);
    attempts++;
    const delay = Math.max(atLeast || 0, Math.random() * cap);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = 0;
      connect();
    }, delay);
  }

  function reconnectNow() {
    if (ws || !wantConnection) return;
    dormant = false;
    attempts = 0;
    connect();
  }

  function renderConn() {
    const note = ui.note;
    clearTimeout(noteTimer);
    if (welcomed || !everWelcomed) {
      note.hidden = true;
      return renderStatus();
    }
    note.textContent = '';
    if (dormant) {
      const here = h('button', { type: 'button', text: 'Continue here' });
      here.addEventListener('click', reconnectNow);
      note.append('This chat is open in another tab.', here);
      note.hidden = false;
    } else {
      note.append("Reconnecting… Messages you write now are sent when we're back.");
      // A blip that heals at once isn't worth a banner.
      noteTimer = setTimeout(() => {
        note.hidden = welcomed;
      }, 1500);
    }
    renderStatus();
  }

  function onFrame(text) {
    let f;
    try {
      f = JSON.parse(text);
    } catch {
      return;
    }
    if (!f || typeof f.t !== 'string') return;
    const d = f.d && typeof f.d === 'object' ? f.d : {};
    switch (f.t) {
      case 'welcome':
        return onWelcome(d);
      case 'event':
        return onEvent(f.seq, d);
      case 'sent':
        return onSent(f.id, d);
      case 'ok':
        return S.identify && f.id === S.identify.key && identified(true);
      case 'error':
        return onError(f.id, d);
      case 'reset':
        return onReset();
      case 'history':
        return onHistory(f.id, d);
      case 'presence':
        return setPresence(d);
      case 'typing':
        return showAgentTyping(d.on === true, d.name);
      case 'pong':
        awaitingPong = false;
        return;
    }
  }

  function onWelcome(d) {
    clearTimeout(welcomeTimer);
    if (typeof d.token === 'string' && d.token !== S.token) {
      // A new visitor (first visit, or our token is unknown): the old transcript is gone for
      // good; unsent messages still go out.
      if (S.token) clearTranscript();
      S.token = d.token;
      storage.set(TOKEN_KEY, d.token);
    }
    // The relay has fewer events than we have seen: its store was replaced. Start over.
    if (typeof d.lastSeq === 'number' && d.lastSeq < S.lastSeq) onReset();
    welcomed = true;
    everWelcomed = true;
    attempts = 0;
    dormant = false;
    setPresence(d);
    awaitingPong = false;
    clearInterval(pingTimer);
    pingTimer = setInterval(ping, CLIENT_PING_MS);
    renderConn();
    if (historyWanted) requestHistory();
    if (unacked) ackNow();
    flushOutbox();
    sendIdentify();
    if (ui.input.value.trim() && ui.root.getRootNode().activeElement === ui.input) typingOn();
    save();
  }

  function ping() {
    if (awaitingPong) return drop(CLOSE_HEARTBEAT_TIMEOUT);
    awaitingPong = true;
    sendFrame({ t: 'ping' });
  }

  function onEvent(seq, d) {
    // Delivery is at least once; a seq we have is a repeat.
    if (typeof seq !== 'number' || seq <= S.lastSeq) return;
    S.lastSeq = seq;
    applyEvent(seq, d, true);
    save();
    if (++unacked >= ACK_EVERY_EVENTS) ackNow();
    else if (!ackTimer) ackTimer = setTimeout(ackNow, ACK_AFTER_MS);
  }

  function ackNow() {
    clearTimeout(ackTimer);
    ackTimer = 0;
    if (S.lastSeq && sendFrame({ t: 'ack', d: { upTo: S.lastSeq } })) unacked = 0;
  }

  // The relay can't replay what we missed (its store was reset, or the events aged out).
  function onReset() {
    clearTranscript();
    save();
    historyWanted = true;
    if (welcomed) requestHistory();
  }

  // The latest 100 events (the protocol's most per request) are what a chat panel needs.
  function requestHistory() {
    historyWanted = false;
    historyKey = newKey();
    sendFrame({ t: 'history', id: historyKey, d: { limit: MAX_HISTORY_LIMIT } });
  }

  function onHistory(key, d) {
    if (!key || key !== historyKey) return;
    historyKey = null;
    for (const e of Array.isArray(d.events) ? d.events : []) {
      if (typeof e?.seq !== 'number') continue;
      applyEvent(e.seq, e.d, false);
      if (e.seq > S.lastSeq) S.lastSeq = e.seq;
    }
    save();
    ackNow();
  }

  /* ---------- start ---------- */

  window.addEventListener('online', reconnectNow);
  document.addEventListener('visibilitychange', () => {
    // A tab we return to takes the chat back (4409), or skips a long backoff.
    if (document.visibilityState === 'visible' && !ws && wantConnection) reconnectNow();
  });

  function start() {
    mount();
    connect();
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);

  // For the site's own links: AttendChat.open().
  window.AttendChat = {
    open: () => ui && openPanel(),
    close: () => ui && closePanel(false),
  };
})();
