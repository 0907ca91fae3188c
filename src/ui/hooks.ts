import { useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { Runtime } from '../app/runtime.js';

/** The store version (bumped on every change) and a clock that ticks each second. */
export function useRuntime(runtime: Runtime): { version: number; now: number } {
  const [version, setVersion] = useState(runtime.version);
  const [, setPing] = useState(0);
  const [now, setNow] = useState(runtime.now());
  useEffect(() => {
    const onChange = (v: number) => setVersion(v);
    const onPing = () => setPing((n) => n + 1);
    runtime.on('change', onChange);
    runtime.on('channels', onPing);
    runtime.on('typing', onPing);
    const tick = setInterval(() => setNow(runtime.now()), 1000);
    return () => {
      runtime.off('change', onChange);
      runtime.off('channels', onPing);
      runtime.off('typing', onPing);
      clearInterval(tick);
    };
  }, [runtime]);
  return { version, now };
}

/** Follows the terminal's size (SIGWINCH → 'resize'). */
export function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
