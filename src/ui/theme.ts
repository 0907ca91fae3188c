// Colours are hints, never the only signal (selection is inverse, states are words), so with
// NO_COLOR (https://no-color.org) every colour prop is simply dropped.
export interface Theme {
  accent?: string;
  dim: boolean;
  danger?: string;
  warn?: string;
  ok?: string;
  chat?: string;
  email?: string;
}

export function makeTheme(env: NodeJS.ProcessEnv = process.env): Theme {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return { dim: false };
  return { accent: 'cyan', dim: true, danger: 'red', warn: 'yellow', ok: 'green', chat: 'magenta', email: 'blue' };
}
