import { UserError } from '../domain/errors';

/**
 * Maps any error to what the user sees and the exit code. User errors (bad file, config, flag) are one
 * line with no stack trace and exit 2; anything else is a bug in anomalyd: one line, exit 1, and the stack
 * only when ANOMALYD_DEBUG=1.
 */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UserError) return { message: `error: ${err.message}`, exitCode: err.exitCode };
  const e = err instanceof Error ? err : new Error(String(err));
  const stack = process.env.ANOMALYD_DEBUG === '1' && e.stack ? `\n${e.stack}` : '';
  return {
    message: `internal error: ${e.message} (this is a bug in anomalyd; rerun with ANOMALYD_DEBUG=1 for details)${stack}`,
    exitCode: 1,
  };
}
