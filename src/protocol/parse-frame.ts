// The one check every received text frame passes first, on both ends: a JSON object with a string
// `t` and well-typed optional `id`, `seq` and `d`. What `d` must hold is the receiver's business.
import type { Frame } from './frames.js';

/** Parses one text frame; returns null for anything that is not a JSON object with a string `t`. */
export function parseFrame(text: string): Frame | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const f = v as Record<string, unknown>;
  if (typeof f.t !== 'string') return null;
  if (f.id !== undefined && (typeof f.id !== 'string' || f.id.length === 0 || f.id.length > 128)) return null;
  if (f.seq !== undefined && !Number.isSafeInteger(f.seq)) return null;
  if (f.d !== undefined && (typeof f.d !== 'object' || f.d === null || Array.isArray(f.d))) return null;
  return f as unknown as Frame;
}
