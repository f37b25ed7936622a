import { AbortError, HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { classifyWriteError, nextDelayMs, parseRetryAfterMs } from '../../../src/sinks/influx/retry';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('parseRetryAfterMs', () => {
  it('reads delta-seconds as seconds (not milliseconds)', () => {
    expect(parseRetryAfterMs('2', NOW)).toBe(2000);
    expect(parseRetryAfterMs(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfterMs(['30'], NOW)).toBe(30_000);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfterMs(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(parseRetryAfterMs(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });

  it('ignores absent or garbage values', () => {
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs('', NOW)).toBeUndefined();
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
  });
});

describe('classifyWriteError', () => {
  const http = (status: number, body = '', headers: Record<string, string> = {}): HttpError =>
    new HttpError(status, 'x', body, headers['retry-after'], 'application/json', undefined, headers);

  it('retries 429 and 5xx, carrying Retry-After in ms', () => {
    expect(classifyWriteError(http(429, '{"message":"slow down"}', { 'retry-after': '3' }), NOW)).toEqual({
      kind: 'retryable',
      status: 429,
      retryAfterMs: 3000,
      message: 'HTTP 429: slow down',
    });
    expect(classifyWriteError(http(503), NOW)).toMatchObject({
      kind: 'retryable',
      status: 503,
      retryAfterMs: undefined,
    });
  });

  it('does not retry other 4xx and keeps the server message', () => {
    expect(
      classifyWriteError(http(400, '{"code":"invalid","message":"unable to parse line 3"}'), NOW),
    ).toEqual({
      kind: 'rejected',
      status: 400,
      message: 'HTTP 400: unable to parse line 3',
    });
    expect(classifyWriteError(http(404, 'bucket not found'), NOW)).toMatchObject({
      kind: 'rejected',
      status: 404,
    });
  });

  it('retries timeouts and network errors; reports aborts', () => {
    expect(classifyWriteError(new RequestTimedOutError(), NOW)).toMatchObject({ kind: 'retryable' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(classifyWriteError(refused, NOW)).toEqual({
      kind: 'retryable',
      retryAfterMs: undefined,
      message: 'ECONNREFUSED: connect ECONNREFUSED',
    });
    expect(classifyWriteError(new AbortError(), NOW).kind).toBe('aborted');
  });
});

describe('nextDelayMs', () => {
  const opts = { initialMs: 1000, maxMs: 30_000 };
  it('doubles per attempt with equal jitter and a cap', () => {
    expect(nextDelayMs(1, undefined, opts, () => 0)).toBe(500);
    expect(nextDelayMs(1, undefined, opts, () => 0.999999)).toBe(1000);
    expect(nextDelayMs(3, undefined, opts, () => 0.5)).toBe(3000);
    expect(nextDelayMs(20, undefined, opts, () => 1)).toBe(30_000);
  });
  it('honours Retry-After exactly, even past the cap', () => {
    expect(nextDelayMs(1, 60_000, opts, () => 0)).toBe(60_000);
  });
});
