/**
 * An error the user can fix (bad input file, bad config, bad flag). The CLI prints `message` on one line,
 * without a stack trace, and exits with `exitCode` (2 by convention for usage / input errors).
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
