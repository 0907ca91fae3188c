// The agent token: a secret for /ws/agent, created on first run in the config directory with mode
// 0600 (never in settings: settings get copied around and shown). `attend relay token` prints it
// for the console on another machine. It is the owner's; a team's other agents have their own
// (agent-registry.ts), and the header decides which agent a connection is.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureDir, resolvePaths } from '../config/paths.js';
import { OWNER } from './agent-registry.js';

export function agentTokenPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(resolvePaths(env).config, 'relay-token');
}

/** A file someone wrote by hand is accepted if it is not trivially short. */
const MIN_TOKEN_CHARS = 16;

function readToken(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_CHARS) throw new Error(`${file} holds no usable token (at least ${MIN_TOKEN_CHARS} characters); delete it to make a new one`);
  // Group- or world-readable (copied, restored from a backup): tighten it rather than refuse.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return token;
}

export function loadOrCreateAgentToken(env: NodeJS.ProcessEnv = process.env): string {
  const file = agentTokenPath(env);
  const existing = readToken(file);
  if (existing) return existing;
  ensureDir(path.dirname(file));
  const token = randomBytes(32).toString('base64url');
  try {
    // 'wx': if another process creates it at the same moment, both end up with its token.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readToken(file) as string;
    throw err;
  }
  return token;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const digest = (s: string) => createHash('sha256').update(s).digest();

export interface AgentIdentity {
  /** "owner" for the relay token, else the name it was added with. */
  agent: string;
  /** sha256 (hex) of the token presented. */
  tokenHash: string;
}

/**
 * Who an `Authorization: Bearer …` header is: the owner (the relay token, compared in constant
 * time) or an added agent (looked up by the token's hash: knowing a hash's row exists tells an
 * attacker nothing about any token), or nobody.
 */
export function identifyAgent(header: string | undefined, ownerToken: string, nameOf: (tokenHash: string) => string | undefined): AgentIdentity | undefined {
  const m = BEARER.exec(header ?? '');
  if (!m) return undefined;
  const given = digest(m[1] as string);
  const tokenHash = given.toString('hex');
  if (timingSafeEqual(given, digest(ownerToken))) return { agent: OWNER, tokenHash };
  const agent = nameOf(tokenHash);
  return agent === undefined ? undefined : { agent, tokenHash };
}
