// Ink's view of the terminal, with a gate in front: while another program ($EDITOR) has the
// terminal, the console keeps running (its relay connection must answer pings, chat must be
// stored) and keeps re-rendering on every change, but none of its frames may land on the
// editor's screen. Ink has no pause, so it gets streams that drop writes while the gate is held;
// when the editor is done, the console repaints its latest frame (editor.ts: terminalHandover).

export interface OutputGate {
  /** What Ink writes to (render options `stdout`, `stderr`): the real streams behind the gate. */
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** True while another program has the terminal. */
  readonly held: boolean;
  /** True once the console has ended: nothing takes the terminal back after that. */
  readonly ended: boolean;
  hold(): void;
  open(): void;
  end(): void;
}

type Write = NodeJS.WriteStream['write'];

/** `stream` as Ink sees it: every property is the real stream's, but `write` is dropped while `isHeld()`. */
function gated(stream: NodeJS.WriteStream, isHeld: () => boolean): NodeJS.WriteStream {
  const write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (!isHeld()) return (stream.write as (...a: unknown[]) => boolean)(chunk, ...rest);
    // Dropped, but a caller that waits for its write to be done must not wait forever.
    const done = rest.find((a) => typeof a === 'function') as ((err?: Error | null) => void) | undefined;
    if (done) process.nextTick(done);
    return true;
  }) as Write;
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      const value = Reflect.get(target, prop, target);
      // Methods run on the real stream (its private fields, its listeners: 'resize' still reaches Ink).
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function outputGate(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): OutputGate {
  let held = false;
  let ended = false;
  const isHeld = () => held;
  return {
    stdout: gated(stdout, isHeld),
    stderr: gated(stderr, isHeld),
    get held() {
      return held;
    },
    get ended() {
      return ended;
    },
    hold: () => {
      held = true;
    },
    open: () => {
      held = false;
    },
    end: () => {
      ended = true;
    },
  };
}
