import { readFile } from 'node:fs/promises';
import { UsageError } from '../exit-codes.js';

export interface BodyOptions {
  body?: string;
  bodyFile?: string;
  stdin?: boolean;
}

/** Exactly one of --body, --body-file, --stdin. An empty body is a usage error, never an empty email. */
export async function readBody(o: BodyOptions): Promise<string> {
  const given = [o.body !== undefined, o.bodyFile !== undefined, Boolean(o.stdin)].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give the text with exactly one of --body TEXT, --body-file PATH or --stdin');
  let text: string;
  if (o.body !== undefined) text = o.body;
  else if (o.bodyFile !== undefined) {
    try {
      text = await readFile(o.bodyFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${o.bodyFile}: ${(err as Error).message}`);
    }
  } else {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  if (text.trim() === '') throw new UsageError('the text is empty');
  return text;
}
