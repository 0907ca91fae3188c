// Key input for the console. Two things Ink alone gets wrong for a fast typist or a slow link:
// keys typed faster than a frame arrive as one chunk ("jj", "xf") and are handled one per render,
// so each sees the state the previous one left; and the listener is stable and calls the latest
// handler, so a key that arrives right after a render (before React re-subscribes) is not lost.
import { type Key, useInput } from 'ink';
import { useCallback, useEffect, useRef, useState } from 'react';

export const PLAIN_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** @param typing while a text input has the keys, chunks are text, not commands */
export function useKeys(handleKey: (input: string, key: Key) => void, typing: boolean): void {
  const pending = useRef<string[]>([]);
  const [tick, setTick] = useState(0);
  const latest = useRef({ handleKey, typing });
  latest.current = { handleKey, typing };

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the trigger; the handler is read from the ref
  useEffect(() => {
    const next = pending.current.shift();
    if (next === undefined) return;
    latest.current.handleKey(next, PLAIN_KEY);
    if (pending.current.length) setTick((t) => t + 1);
  }, [tick]);

  const listener = useCallback((input: string, key: Key) => {
    const chars = [...input];
    if (!latest.current.typing && chars.length > 1 && !key.ctrl && !key.meta && chars.every((c) => c >= ' ')) {
      pending.current.push(...chars.slice(1));
      latest.current.handleKey(chars[0] as string, PLAIN_KEY);
      setTick((t) => t + 1);
      return;
    }
    latest.current.handleKey(input, key);
  }, []);
  useInput(listener);
}
