import { Text } from 'ink';
import type { ChannelStatus, Runtime } from '../../app/runtime.js';
import type { Theme } from '../theme.js';
import { clock, clip, safeLine } from '../text.js';

/** What the outbox holds, as the runtime counts it. */
type OutboxCounts = ReturnType<Runtime['outbox']>;

export interface StatusBarProps {
  channels: ChannelStatus[];
  outbox: OutboxCounts;
  /** Focus mode: the quiet count of deferred activity. */
  waiting: number | null;
  now: number;
  width: number;
  theme: Theme;
}

const DOT: Record<ChannelStatus['state'], string> = { online: '●', connecting: '◌', offline: '○' };

export function statusText(p: Omit<StatusBarProps, 'theme' | 'width'>): string {
  const ch = p.channels.length
    ? p.channels.map((c) => `${DOT[c.state]} ${safeLine(c.account)} ${c.signInExpired ? 'sign-in expired' : c.state}`).join('  ')
    : 'no accounts (attend account add --help)';
  const out = `outbox ${p.outbox.queued} queued${p.outbox.failed ? ` · ${p.outbox.failed} FAILED` : ''}`;
  const waiting = p.waiting === null ? '' : ` · ${p.waiting} waiting`;
  return `${ch} · ${out}${waiting} · ${clock(p.now)}  ? help`;
}

export function StatusBar(p: StatusBarProps) {
  const offline = p.channels.some((c) => c.state === 'offline' || c.signInExpired);
  return (
    <Text inverse color={p.outbox.failed || offline ? p.theme.warn : undefined} wrap="truncate-end">
      {clip(statusText(p), p.width).padEnd(p.width)}
    </Text>
  );
}
