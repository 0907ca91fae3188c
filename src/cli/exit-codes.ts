/** Exit codes are part of the CLI's contract (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  noSuchConversation: 3,
  /** Someone else holds it: `assign ID me` when a teammate has the conversation (without --take). */
  claimed: 4,
  /** EX_TEMPFAIL: the reply is safely queued and goes out when the server is reachable. */
  queued: 75,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}
