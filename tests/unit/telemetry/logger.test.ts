import { Writable } from 'node:stream';

import { createLogger } from '../../../src/telemetry/logger';
import { redactFields } from '../../../src/telemetry/redact';

const FIXED = { nowMs: () => Date.UTC(2026, 0, 2, 3, 4, 5) };

/** A stream that keeps what is written, optionally pretending to be a terminal. */
function capture(isTTY = false): { stream: Writable & { isTTY?: boolean }; lines: () => string[] } {
  const chunks: string[] = [];
  const stream: Writable & { isTTY?: boolean } = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  if (isTTY) stream.isTTY = true;
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/** Winston hands lines to the transport through stream pipes; let those settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createLogger', () => {
  it('writes JSON lines with meta fields when the stream is not a terminal', async () => {
    const out = capture();
    const log = createLogger({ level: 'info', stream: out.stream, clock: FIXED });
    log.info('cycle done', { series: 12, durationMs: 85, source: 'prometheus' });
    await settle();
    expect(out.lines().map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        level: 'info',
        message: 'cycle done',
        timestamp: '2026-01-02T03:04:05.000Z',
        series: 12,
        durationMs: 85,
        source: 'prometheus',
      },
    ]);
  });

  it('writes readable coloured key=value lines on a terminal', async () => {
    const out = capture(true);
    const log = createLogger({ level: 'info', stream: out.stream, clock: FIXED });
    log.warn('prometheus unreachable', {
      url: 'http://prom:9090',
      attempt: 3,
      reason: 'connect ECONNREFUSED',
    });
    await settle();
    const [line] = out.lines();
    expect(line).toContain('\u001b['); // coloured
    expect(stripAnsi(line ?? '')).toBe(
      '2026-01-02T03:04:05.000Z warn prometheus unreachable url=http://prom:9090 attempt=3 reason="connect ECONNREFUSED"',
    );
  });

  it('honours an explicit json choice over the terminal check', async () => {
    const out = capture(true);
    createLogger({ level: 'info', stream: out.stream, json: true }).info('hello');
    await settle();
    expect(JSON.parse(out.lines()[0] ?? '')).toMatchObject({ level: 'info', message: 'hello' });
  });

  it('drops messages below the configured level', async () => {
    const out = capture();
    const log = createLogger({ level: 'warn', stream: out.stream });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    await settle();
    expect(out.lines().map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['w', 'e']);
  });

  it('masks secret-looking fields at any depth and never writes the secret', async () => {
    const out = capture();
    const log = createLogger({ level: 'debug', stream: out.stream });
    log.info('writing', {
      token: 'tok-123',
      influx: { url: 'http://influx:8086', apiKey: 'key-456' },
      headers: { Authorization: 'Token tok-789' },
      password: 'hunter2',
      target: 'https://bob:pw-000@prom.example.com/api',
    });
    await settle();
    const text = out.lines().join('\n');
    for (const secret of ['tok-123', 'key-456', 'tok-789', 'hunter2', 'pw-000'])
      expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({
      token: '***',
      influx: { url: 'http://influx:8086', apiKey: '***' },
      headers: { Authorization: '***' },
      password: '***',
      target: 'https://bob:***@prom.example.com/api',
    });
  });

  it('keeps meta fields that collide with winston fields instead of mangling the message', async () => {
    const out = capture();
    createLogger({ level: 'info', stream: out.stream }).info('real', { message: 'other', level: 'x' });
    await settle();
    expect(JSON.parse(out.lines()[0] ?? '')).toMatchObject({
      level: 'info',
      message: 'real',
      meta_message: 'other',
      meta_level: 'x',
    });
  });

  it('serialises errors with their message', async () => {
    const out = capture();
    createLogger({ level: 'info', stream: out.stream }).error('write failed', { err: new Error('boom') });
    await settle();
    expect(JSON.parse(out.lines()[0] ?? '')).toMatchObject({ err: { name: 'Error', message: 'boom' } });
  });
});

describe('redactFields', () => {
  it('leaves ordinary fields and empty secrets alone and cuts cycles', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redactFields({ count: 3, token: '', nested: cyclic, when: new Date(0) })).toEqual({
      count: 3,
      token: '',
      nested: { a: 1, self: '[circular]' },
      when: '1970-01-01T00:00:00.000Z',
    });
  });
});
