import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { SecretSource } from './settings.js';

export class SecretError extends Error {}

/**
 * Resolves a secret from an environment variable or by running a command
 * (like `pass show mail/work`). The first line of the command's output is the secret.
 */
export async function resolveSecret(source: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('file' in source) {
    try {
      const v = (await readFile(source.file, 'utf8')).split(/\r?\n/)[0] ?? '';
      if (v === '') throw new Error('empty');
      return v;
    } catch {
      throw new SecretError(`cannot read the token file ${source.file}`);
    }
  }
  if ('env' in source) {
    const v = env[source.env];
    if (v === undefined || v === '') throw new SecretError(`environment variable ${source.env} is not set`);
    return v;
  }
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', source.command], { timeout: 30_000, maxBuffer: 1 << 20, env }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.toString().trim().split('\n')[0] || err.message;
        reject(new SecretError(`password command failed: ${why}`));
        return;
      }
      const line = stdout.toString().split(/\r?\n/)[0] ?? '';
      if (line === '') reject(new SecretError('password command printed nothing'));
      else resolve(line);
    });
  });
}
