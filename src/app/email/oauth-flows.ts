// The three ways a person signs in, each ending with the provider's token grant: the device flow
// (a code typed in any browser), the browser sent back to a listener on this machine (PKCE), and
// pasting the URL the browser was sent to when nothing listens. Instructions go through io.show;
// tokens never do.
import type { OAuthClient, TokenGrant } from '../../adapters/oauth2/index.js';
import type { SignInIO } from './oauth-session.js';

type Adapter = typeof import('../../adapters/oauth2/index.js');

export interface FlowInput {
  a: Adapter;
  client: OAuthClient;
  io: SignInIO;
  scope: string;
  authorizationParams: Record<string, string>;
  loopbackRedirect: string;
  port: number | undefined;
  now: () => number;
  /** Aborts on the overall timeout or the caller's signal. */
  signal: AbortSignal;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export async function deviceFlow(f: FlowInput): Promise<TokenGrant> {
  const start = await f.client.startDevice(f.scope);
  f.io.show({
    kind: 'device',
    verificationUri: start.verificationUri,
    verificationUriComplete: start.verificationUriComplete,
    userCode: start.userCode,
    expiresAt: f.now() + start.expiresInSeconds * 1000,
  });
  const expiry = AbortSignal.timeout(start.expiresInSeconds * 1000);
  try {
    return await f.client.pollDevice(start, AbortSignal.any([f.signal, expiry]));
  } catch (err) {
    if (expiry.aborted && !f.signal.aborted) throw new f.a.OAuthFailure('code_expired', 'the code expired');
    throw err;
  }
}

const SIGNED_IN_PAGE = 'Signed in — you can close this tab.';

/**
 * The authorization code flow with PKCE (S256) and state. With `listen` a loopback listener
 * receives the browser; a URL pasted meanwhile (io.readPastedUrl) is taken too, whichever comes
 * first. Without it the redirect goes nowhere and the person pastes the URL.
 */
export async function browserFlow(f: FlowInput, listen: boolean): Promise<TokenGrant> {
  const { a, client, io } = f;
  if (!listen && !io.readPastedUrl) throw new a.OAuthFailure('refused', 'pasting the redirected URL needs a terminal to paste into');
  const pkce = await a.newPkce();
  const listener = listen ? await a.startLoopbackListener(f.loopbackRedirect, f.port ?? 0) : null;
  const done = new AbortController();
  const waiting = AbortSignal.any([f.signal, done.signal]);
  try {
    const redirectUri = listener?.redirectUri ?? (f.port ? a.redirectWithPort(f.loopbackRedirect, f.port) : f.loopbackRedirect);
    const url = client.authorizationUrl({
      redirect_uri: redirectUri,
      scope: f.scope,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: pkce.state,
      ...f.authorizationParams,
    });
    io.show({ kind: 'browser', url, listening: listener !== null, redirectUri });
    // Not awaited: a browser launcher that blocks until the window closes must not hold up the listener.
    if (io.openBrowser) void io.openBrowser(url).catch(() => false);

    // Only the first answer is exchanged: an authorization code works once.
    let claimed = false;
    const tasks: Promise<TokenGrant>[] = [aborted(f.signal)];
    if (listener) {
      tasks.push(
        (async () => {
          for (;;) {
            const cb = await listener.next(waiting);
            let answer: ReturnType<Adapter['parseRedirectAnswer']>;
            try {
              answer = a.parseRedirectAnswer(cb.url, redirectUri, pkce.state);
            } catch (err) {
              const failure = err as InstanceType<Adapter['OAuthFailure']>;
              if (failure.kind === 'wrong_state') {
                // Another tab or a forged request: refuse it and keep waiting for this sign-in's own answer.
                cb.reply(400, 'This answer belongs to another sign-in; attend is still waiting for its own.');
                continue;
              }
              cb.reply(200, `Sign-in failed: ${failure.message}. See the terminal.`);
              throw err;
            }
            if (claimed) {
              cb.reply(200, SIGNED_IN_PAGE);
              continue;
            }
            claimed = true;
            try {
              const grant = await client.exchangeCode(answer.url, pkce.verifier, pkce.state);
              cb.reply(200, SIGNED_IN_PAGE);
              return grant;
            } catch (err) {
              cb.reply(200, `Sign-in failed: ${(err as Error).message}. See the terminal.`);
              throw err;
            }
          }
        })(),
      );
    }
    if (io.readPastedUrl) {
      const read = io.readPastedUrl.bind(io);
      tasks.push(
        (async () => {
          let text: string;
          try {
            text = await read(waiting);
          } catch (err) {
            // No terminal to read (closed stdin): the listener may still get the browser.
            if (listener && !waiting.aborted) return aborted(waiting);
            throw err;
          }
          const answer = a.parseRedirectAnswer(text, redirectUri, pkce.state);
          if (claimed) return aborted(waiting);
          claimed = true;
          return client.exchangeCode(answer.url, pkce.verifier, pkce.state);
        })(),
      );
    }
    for (const t of tasks) t.catch(() => {});
    return await Promise.race(tasks);
  } finally {
    done.abort();
    listener?.close();
  }
}
