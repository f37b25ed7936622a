import { AbortError, HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';

/**
 * What a failed write means. The error decides *whether* to retry (this file); {@link nextDelayMs} decides
 * *when*. Kept apart from the sink so both are unit-testable without HTTP.
 */
export type WriteFailure =
  | {
      readonly kind: 'retryable';
      /** Delay the server asked for (Retry-After), ms; undefined when it did not ask. */
      readonly retryAfterMs: number | undefined;
      readonly message: string;
      readonly status?: number;
    }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  | { readonly kind: 'aborted'; readonly message: string };

/**
 * Parses an HTTP `Retry-After` value: delta-seconds (RFC 9110) or an HTTP-date. Returns milliseconds from
 * `nowMs`, or undefined when absent or unparseable. The influxdb-client reads it as milliseconds; the API
 * means seconds, hence our own parser.
 */
export function parseRetryAfterMs(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const raw = Array.isArray(value) ? (value as readonly string[])[0] : (value as string | undefined);
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** The server's own message from an error body (InfluxDB answers `{"code":..,"message":..}`). */
function serverMessage(err: HttpError): string {
  const json: unknown = err.json;
  if (typeof json === 'object' && json !== null && 'message' in json) {
    const m = json.message;
    if (typeof m === 'string' && m !== '') return m;
  }
  const body = err.body ?? '';
  return body !== '' ? body.slice(0, 500) : (err.statusMessage ?? err.message);
}

/**
 * Classifies a write error: 429, 5xx, timeouts and network errors are retryable; any other HTTP status is
 * a rejection of the data (or of our credentials) that retrying cannot fix.
 */
export function classifyWriteError(err: unknown, nowMs: number): WriteFailure {
  if (err instanceof HttpError) {
    const status = err.statusCode;
    const message = `HTTP ${status}: ${serverMessage(err)}`;
    if (status === 429 || status >= 500) {
      return {
        kind: 'retryable',
        status,
        message,
        retryAfterMs: parseRetryAfterMs(err.headers?.['retry-after'], nowMs),
      };
    }
    return { kind: 'rejected', status, message };
  }
  if (err instanceof AbortError) return { kind: 'aborted', message: 'request aborted' };
  if (err instanceof RequestTimedOutError) {
    return { kind: 'retryable', retryAfterMs: undefined, message: 'request timed out' };
  }
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  const text = err instanceof Error ? err.message : String(err);
  return { kind: 'retryable', retryAfterMs: undefined, message: code ? `${code}: ${text}` : text };
}

/** Back-off settings of {@link nextDelayMs}. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential `initialMs * 2^(attempt-1)` capped at
 * `maxMs`, with "equal jitter" (uniformly in [d/2, d]) so many daemons do not retry in lock-step. A
 * Retry-After from the server wins when present and is honoured exactly (never shortened, not capped).
 */
export function nextDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  opts: BackoffOptions,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exp = opts.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const capped = Math.min(opts.maxMs, exp);
  return Math.round(capped / 2 + (random() * capped) / 2);
}
