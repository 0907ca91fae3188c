/**
 * Runs the built `attend` binary as a user would: a separate process, its own ATTEND_HOME.
 * Tests use it so that argument parsing, exit codes and stdout/stderr are what ship.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DovecotInstance } from './dovecot.js';
import type { SmtpSink } from './smtp-sink.js';

export const BIN = path.resolve(import.meta.dirname, '../../dist/cli/main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  home: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult>;
  json<T = unknown>(args: string[]): Promise<T>;
  cleanup(): void;
}

export function makeCli(extraEnv: NodeJS.ProcessEnv = {}): Cli {
  const home = mkdtempSync(path.join(os.tmpdir(), 'attend-test-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ATTEND_HOME: home, NO_COLOR: '1', ...extraEnv };
  delete env.ATTEND_TEST_CRASH_AT;
  const run: Cli['run'] = (args, opts = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });
  return {
    home,
    env,
    run,
    async json<T>(args: string[]) {
      const r = await run([...args, '--json']);
      if (r.code !== 0) throw new Error(`attend ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** `attend account add email` for a Dovecot user, plain IMAP/SMTP on loopback. */
export async function addAccount(cli: Cli, dovecot: DovecotInstance, smtp: SmtpSink, name = 'support', user = 'agent', extra: string[] = []): Promise<void> {
  cli.env.ATTEND_TEST_PASSWORD = dovecot.password(user);
  const r = await cli.run([
    'account', 'add', 'email', name,
    '--email', dovecot.address(user),
    '--name', 'Acme Support',
    '--imap-host', dovecot.host, '--imap-port', String(dovecot.port), '--imap-security', 'none',
    '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'none',
    '--user', user,
    '--password-env', 'ATTEND_TEST_PASSWORD',
    ...extra,
  ]);
  if (r.code !== 0) throw new Error(`account add failed (${r.code}): ${r.stderr}`);
}
