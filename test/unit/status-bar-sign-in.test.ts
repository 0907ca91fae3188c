// The console's status bar says an account's sign-in expired (issue 15) instead of "online":
// IMAP may still be up on an old login while nothing can be sent.
import { describe, expect, it } from 'vitest';
import type { ChannelStatus } from '../../src/app/runtime.js';
import { statusText } from '../../src/ui/components/StatusBar.js';

const channel = (over: Partial<ChannelStatus>): ChannelStatus => ({ account: 'support', channel: 'email', state: 'online', detail: null, since: 0, ...over });

describe('status bar', () => {
  it('shows "sign-in expired" for an account whose sign-in expired, its state otherwise', () => {
    const outbox = { queued: 2, failed: 0 } as Parameters<typeof statusText>[0]['outbox'];
    const expired = statusText({ channels: [channel({ signInExpired: 'account support: sign-in expired — run `attend account login support`' })], outbox, waiting: null, now: 0 });
    expect(expired).toContain('support sign-in expired');
    expect(expired).not.toContain('support online');
    const fine = statusText({ channels: [channel({ signInExpired: null })], outbox, waiting: null, now: 0 });
    expect(fine).toContain('● support online');
  });
});
