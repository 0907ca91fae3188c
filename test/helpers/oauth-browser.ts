/**
 * Headless Chromium playing the person who signs in at the test OpenID provider
 * (oauth-provider.ts): it types the device code, confirms, logs in; or logs in at an authorize URL
 * and follows (or captures) the redirect to the app's loopback listener. Every request that is not
 * for 127.0.0.1 / localhost / [::1] is aborted and listed in `blocked`, so a test can assert that
 * signing in stayed offline (`expect(r.blocked).toEqual([])`).
 * Gate suites that use it with requireChromium() (browser.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './browser.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const CALLBACK = /^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+\/callback(?:[?#]|$)/;

export interface SignInCredentials {
  email: string;
  password: string;
  /** Type a wrong password first and check that the page says so and lets the person retry. */
  wrongPasswordFirst?: boolean;
  /** Reuse a running Chromium (faster); by default each call launches and closes its own. */
  browser?: Browser;
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
}

export interface SignInResult {
  /** Non-loopback URLs the pages tried to load (and were refused). Expect []. */
  blocked: string[];
  /** Where the browser ended up. */
  finalUrl: string;
  /** The visible text of the last page (the provider's "signed in" page, or the app's callback page). */
  pageText: string;
}

export interface BrowserSignInResult extends SignInResult {
  /** capture: the full redirect URL (http://127.0.0.1:PORT/callback?code=…&state=…&iss=…), never delivered. */
  redirectUrl?: string;
}

export interface DeviceSignInInput extends SignInCredentials {
  /** verification_uri: the person types userCode. */
  verificationUri?: string;
  /** verification_uri_complete: the code comes filled in. */
  verificationUriComplete?: string;
  /** Required with verificationUri; with verificationUriComplete it is checked against the page. */
  userCode?: string;
}

async function withPage<T>(
  browser: Browser | undefined,
  fn: (page: Page, ctx: BrowserContext, blocked: string[]) => Promise<T>,
  /** Capturing: true for a loopback URL that must not be delivered (answered with a stub page). */
  onLoopback?: (url: string) => boolean,
): Promise<T> {
  const own = browser ? undefined : await launchChromium();
  const b = browser ?? own;
  if (!b) throw new Error('no browser');
  const ctx = await b.newContext();
  const blocked: string[] = [];
  await ctx.route('**/*', async (route) => {
    const url = route.request().url();
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {}
    if (!LOOPBACK.has(host)) {
      blocked.push(url);
      return route.abort('blockedbyclient');
    }
    if (!onLoopback) return route.continue();
    if (onLoopback(url)) return route.fulfill({ status: 200, contentType: 'text/html', body: '<p id="captured">Redirect captured.</p>' });
    // Playwright routes only the first URL of a redirect chain (and follows a fulfilled 3xx
    // unrouted), so a capturing page fetches each loopback request itself, redirects unfollowed,
    // and turns a redirect into a page that navigates to its Location: a new request through
    // this route, where the one to the callback is caught before it is sent.
    const response = await route.fetch({ maxRedirects: 0 });
    const location = response.headers().location;
    if (response.status() < 300 || response.status() >= 400 || !location) return route.fulfill({ response });
    const next = new URL(location, url).href;
    if (onLoopback(next)) return route.fulfill({ status: 200, contentType: 'text/html', body: '<p id="captured">Redirect captured.</p>' });
    const hop = `<meta http-equiv="refresh" content="0;url=${next.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}">`;
    // Keep the provider's cookies (interaction and resume cookies ride on its redirects).
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([k]) => k === 'set-cookie' || k === 'cache-control'));
    return route.fulfill({ status: 200, headers, contentType: 'text/html', body: hop });
  });
  try {
    return await fn(await ctx.newPage(), ctx, blocked);
  } finally {
    await ctx.close().catch(() => {});
    await own?.close().catch(() => {});
  }
}

const visible = (page: Page, sel: string) =>
  page
    .locator(sel)
    .first()
    .isVisible()
    .catch(() => false);

/** The text in `sel` (the first match), trimmed; '' when there is none. */
async function text(page: Page, sel: string): Promise<string> {
  return ((await page.locator(sel).first().textContent({ timeout: 2000 }).catch(() => '')) ?? '').replace(/\s+/g, ' ').trim();
}

/** The provider's error page, if that is where we are. */
async function providerError(page: Page): Promise<string | undefined> {
  if (!(await visible(page, '#oauth-error'))) return undefined;
  return await text(page, '#oauth-error');
}

/** Fills the login form (after a wrong password first, if asked) and submits it. */
async function logIn(page: Page, c: SignInCredentials): Promise<void> {
  if (c.wrongPasswordFirst) {
    await page.fill('#email', c.email);
    await page.fill('#password', `${c.password}-wrong`);
    await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
    await page.locator('#error').waitFor({ timeout: 5000 });
  }
  await page.fill('#email', c.email);
  await page.fill('#password', c.password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }).catch(() => {}), page.click('#sign-in')]);
  if (await visible(page, '#error')) {
    throw new Error(`sign-in refused: ${await text(page, '#error')}`);
  }
}

/**
 * Completes a device-flow sign-in as a person would: opens the verification page, types the code
 * (unless it came in the URL), confirms, logs in, and waits for the "signed in" page. The app's
 * polling then gets its tokens. Throws with the page's message on a wrong code or password.
 */
export async function completeDeviceSignIn(input: DeviceSignInInput): Promise<SignInResult> {
  const start = input.verificationUriComplete ?? input.verificationUri;
  if (!start) throw new Error('completeDeviceSignIn: give verificationUri or verificationUriComplete');
  if (!input.verificationUriComplete && !input.userCode) throw new Error('completeDeviceSignIn: verificationUri needs userCode');
  const deadline = Date.now() + (input.timeoutMs ?? 20_000);
  return withPage(input.browser, async (page, _ctx, blocked) => {
    await page.goto(start);
    let loggedIn = false;
    let typed = false;
    while (Date.now() < deadline) {
      const err = await providerError(page);
      if (err) throw new Error(`device sign-in failed at ${page.url()}: ${err}`);
      if (await visible(page, '#success')) {
        return { blocked, finalUrl: page.url(), pageText: await text(page, 'body') };
      }
      if (await visible(page, '#email')) {
        if (loggedIn) throw new Error('device sign-in: the login page came back after logging in');
        await logIn(page, input);
        loggedIn = true;
        continue;
      }
      if (await visible(page, '#confirm')) {
        const shown = await text(page, '#user-code');
        if (input.userCode && shown.replace(/[^A-Z0-9]/gi, '') !== input.userCode.replace(/[^A-Z0-9]/gi, '')) {
          throw new Error(`device sign-in: the page shows code ${shown}, expected ${input.userCode}`);
        }
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }).catch(() => {}), page.click('#confirm')]);
        continue;
      }
      if (await visible(page, 'input[name="user_code"]')) {
        if (typed && (await visible(page, '#error'))) {
          throw new Error(`device sign-in: code refused: ${await text(page, '#error')}`);
        }
        const field = page.locator('input[name="user_code"]');
        if (input.userCode && !input.verificationUriComplete) await field.fill(input.userCode);
        typed = true;
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }).catch(() => {}), page.click('#continue')]);
        continue;
      }
      await page.waitForTimeout(50);
    }
    throw new Error(`device sign-in did not finish; last page ${page.url()}:\n${await text(page, 'body')}`);
  });
}

/**
 * Logs in at an authorization URL (code flow). By default the browser then follows the redirect
 * to the app's loopback listener (http://127.0.0.1:PORT/callback?code=…), which must be up; the
 * result has that page's text. With capture: true the redirect to any loopback /callback is
 * intercepted instead and never reaches a listener; `redirectUrl` is the full URL, for the "paste
 * the redirected URL" flow.
 */
export async function completeBrowserSignIn(
  authorizeUrl: string,
  opts: SignInCredentials & { capture?: boolean },
): Promise<BrowserSignInResult> {
  let redirectUrl: string | undefined;
  const capture = (url: string) => {
    if (!opts.capture || !CALLBACK.test(url)) return false;
    redirectUrl = url;
    return true;
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  return withPage(
    opts.browser,
    async (page, _ctx, blocked) => {
      await page.goto(authorizeUrl);
      const err = await providerError(page);
      if (err) throw new Error(`authorization request refused: ${err}`);
      // Checked in the loop, not once after goto: on a loaded machine the login form may not be
      // rendered yet when goto returns, and a single look then missed it (a run in three).
      let loggedIn = false;
      while (Date.now() < deadline) {
        const e = await providerError(page);
        if (e) throw new Error(`sign-in failed at ${page.url()}: ${e}`);
        if (CALLBACK.test(page.url()) || redirectUrl) {
          await page.waitForLoadState('load').catch(() => {});
          return { blocked, finalUrl: page.url(), pageText: await text(page, 'body'), redirectUrl };
        }
        if (!loggedIn && (await visible(page, '#email'))) {
          await logIn(page, opts);
          loggedIn = true;
          continue;
        }
        await page.waitForTimeout(50);
      }
      throw new Error(`sign-in did not reach the loopback callback; last page ${page.url()}`);
    },
    capture,
  );
}
