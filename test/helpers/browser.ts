/**
 * Headless Chromium for browser tests, driven by playwright-core (which never downloads a browser:
 * it uses Debian's `chromium` package). Gated like Dovecot: skipped with a message when the browser
 * is missing, a failing test under ATTEND_E2E=1.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { type GatedDescribe, gate } from './e2e.js';

export const CHROMIUM_PATH = process.env.ATTEND_CHROMIUM ?? '/usr/bin/chromium';

/** Quiet, reproducible, offline: no updaters, no sync, no QUIC probes, no GPU in containers. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox', // root in CI containers, where the sandbox can't start
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** The gate for suites that drive a browser. */
export function requireChromium(): GatedDescribe {
  return gate('Chromium', chromiumAvailable(), 'Install it: apt-get install -y chromium');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
