import { UsageError } from '../exit-codes.js';

export function conversationId(arg: string): number {
  const id = Number(arg.replace(/^#/, ''));
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`not a conversation id: ${arg}`);
  return id;
}
