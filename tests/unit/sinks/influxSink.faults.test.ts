import * as fs from 'node:fs';
import { InfluxSink } from '../../../src/sinks/influx/influxSink';
import type { InfluxSinkConfig } from '../../../src/sinks/influx/influxSink';
import { toLines } from '../../../src/sinks/lineProtocol';
import type { PointRecord } from '../../../src/sinks/types';
import { reply, startFaultServer, type FaultServer } from '../../helpers/faultHttpServer';
import { advance, FakeTime, runUntil } from './fakeTime';
import { recordingLogger, records, spooledLines, tempDir, testConfig, TOKEN } from './sinkTestKit';

const START = Date.UTC(2026, 0, 1);

let server: FaultServer;
let dir: string;
let time: FakeTime;
let logger: ReturnType<typeof recordingLogger>;
const sinks: InfluxSink[] = [];

function linesOf(recs: readonly PointRecord[]): string[] {
  return recs.flatMap((r) => toLines(r, { tagAllowlist: [] }));
}

function newSink(over: Partial<InfluxSinkConfig> = {}): InfluxSink {
  // random = 0.5: back-off is exactly 3/4 of the exponential step, so delays are reproducible.
  const sink = new InfluxSink(testConfig(dir, server.url, over), {
    clock: time.clock,
    logger,
    scheduler: time,
    random: () => 0.5,
  });
  sinks.push(sink);
  return sink;
}

beforeEach(async () => {
  server = await startFaultServer();
  dir = tempDir();
  time = new FakeTime(START);
  logger = recordingLogger();
});

afterEach(async () => {
  for (const s of sinks.splice(0)) await runUntil(time, s, s.close(1000));
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  // Tokens never reach the logs, whatever happened in the test.
  expect(JSON.stringify(logger.entries)).not.toContain(TOKEN);
});

describe('InfluxSink delivery', () => {
  it('writes batches of batch_size, then the rest after flush_interval, to /api/v2/write with precision=ms', async () => {
    const sink = newSink();
    const recs = records(25, START);
    sink.write(recs);
    await sink.whenIdle();
    expect(server.requests.map((r) => r.lines.length)).toEqual([10, 10]);
    await advance(time, sink, 999);
    expect(server.requests).toHaveLength(2);
    await advance(time, sink, 1);
    expect(server.requests.map((r) => r.lines.length)).toEqual([10, 10, 5]);
    expect(server.accepted).toEqual(linesOf(recs));
    const req = server.requests[0];
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/v2/write?org=acme&bucket=anomalyd&precision=ms');
    expect(req.headers.authorization).toBe(`Token ${TOKEN}`);
    expect(sink.stats()).toEqual({
      points: { written: 25, retried: 0, spooled: 0, dead_letter: 0, dropped: 0 },
      bufferPoints: 0,
      spoolBytes: 0,
      healthy: true,
    });
  });

  it('counts a line with only NaN/Infinity fields as dropped and logs it, writing the rest', async () => {
    const sink = newSink();
    const [good, bad] = records(2, START);
    sink.write([good, { ...bad, actual: Number.NaN }]);
    await runUntil(time, sink, sink.flush());
    expect(server.accepted).toEqual(linesOf([good]));
    expect(sink.stats().points).toMatchObject({ written: 1, dropped: 1 });
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.meta?.lines)).toEqual([1]);
  });

  it('retries 503 three times, then delivers every point exactly once', async () => {
    server.script(reply.status(503), reply.status(503), reply.status(503));
    const sink = newSink();
    const recs = records(10, START);
    sink.write(recs);
    expect(sink.stats().healthy).toBe(true);
    await runUntil(time, sink, sink.flush());
    expect(server.requests).toHaveLength(4);
    expect(server.accepted).toEqual(linesOf(recs));
    expect(sink.stats().points).toEqual({ written: 10, retried: 30, spooled: 0, dead_letter: 0, dropped: 0 });
    expect(sink.stats().healthy).toBe(true);
    // Exponential back-off: 75, 150, 300 ms with random = 0.5.
    expect(time.nowMs() - START).toBe(75 + 150 + 300);
  });

  it.each([
    ['seconds', '2', 2000],
    ['an HTTP-date', new Date(START + 3000).toUTCString(), 3000],
  ])('waits as long as 429 Retry-After says in %s', async (_what, value, waitMs) => {
    server.script(reply.retryAfter(value));
    const seenAt: number[] = [];
    server.onRequest(() => seenAt.push(time.nowMs()));
    const sink = newSink();
    sink.write(records(10, START));
    await runUntil(time, sink, sink.flush());
    expect(seenAt).toHaveLength(2);
    // The back-off alone would have been 75 ms; reading "2" as milliseconds would have been 2 ms.
    expect(seenAt[1] - seenAt[0]).toBeGreaterThanOrEqual(waitMs);
    expect(server.accepted).toHaveLength(10);
  });

  it.each([400, 401, 404])(
    'dead-letters a batch answered %i, logs the server message and still delivers later batches',
    async (status) => {
      server.script(reply.influxError(status, `server says no (${status})`));
      const sink = newSink();
      const first = records(10, START);
      const later = records(20, START, 3, 10);
      sink.write(first);
      await runUntil(time, sink, sink.flush());
      sink.write(later);
      await runUntil(time, sink, sink.flush());
      expect(fs.readFileSync(testConfig(dir, '').deadLetterFile, 'utf8')).toBe(
        linesOf(first).join('\n') + '\n',
      );
      expect(server.requests).toHaveLength(3);
      expect(server.accepted).toEqual(linesOf(later));
      expect(sink.stats().points).toEqual({
        written: 20,
        retried: 0,
        spooled: 0,
        dead_letter: 10,
        dropped: 0,
      });
      const err = logger.entries.find((e) => e.level === 'error');
      expect(err?.meta).toMatchObject({
        status,
        serverMessage: `HTTP ${status}: server says no (${status})`,
        points: 10,
      });
    },
  );

  it('retries a request that times out on a hanging server', async () => {
    server.script(reply.hang());
    const sink = newSink({ requestTimeoutMs: 200 });
    const recs = records(10, START);
    sink.write(recs);
    await runUntil(time, sink, sink.flush());
    expect(server.requests).toHaveLength(2);
    expect(server.accepted).toEqual(linesOf(recs));
    expect(sink.stats().points).toMatchObject({ written: 10, retried: 10 });
  });

  it('retries after a garbage (non-HTTP) answer', async () => {
    server.script(reply.garbage());
    const sink = newSink();
    const recs = records(10, START);
    sink.write(recs);
    await runUntil(time, sink, sink.flush());
    expect(server.requests).toHaveLength(2);
    expect(server.accepted).toEqual(linesOf(recs));
  });
});

describe('InfluxSink outages', () => {
  it('spools through 10 minutes of refused connections and replays everything in order', async () => {
    await server.stopListening();
    const sink = newSink({ retryBudgetMs: 30_000 });
    const all: PointRecord[] = [];
    for (let i = 0; i < 60; i += 1) {
      const recs = records(5, START, 3, i * 5);
      all.push(...recs);
      sink.write(recs);
      await advance(time, sink, 10_000);
    }
    expect(time.nowMs() - START).toBe(600_000);
    const during = sink.stats();
    expect(during.healthy).toBe(false);
    expect(during.points.written).toBe(0);
    expect(during.spoolBytes).toBeGreaterThan(0);
    // Everything accepted is either on disk or still in memory, nothing lost.
    expect(spooledLines(testConfig(dir, '').spoolDir).length + during.bufferPoints).toBe(300);

    await server.startListening();
    await advance(time, sink, 60_000);
    await runUntil(time, sink, sink.flush());
    expect(server.accepted).toEqual(linesOf(all));
    expect(new Set(server.accepted).size).toBe(300);
    const after = sink.stats();
    expect(after.points.written).toBe(300);
    expect(after.points.dropped).toBe(0);
    expect(after.spoolBytes).toBe(0);
    expect(after.healthy).toBe(true);
    expect(spooledLines(testConfig(dir, '').spoolDir)).toEqual([]);
  });

  it('spools when the memory buffer exceeds max_buffer_points and keeps the order on replay', async () => {
    server.setDefault(reply.status(503));
    const sink = newSink({ maxBufferPoints: 15 });
    const a = records(10, START);
    const b = records(10, START, 3, 10);
    sink.write(a);
    await sink.whenIdle();
    sink.write(b); // 20 points in memory > 15: the queued batch goes to disk
    expect(sink.stats().points.spooled).toBe(10);
    expect(sink.stats().bufferPoints).toBe(10);
    server.setDefault(reply.ok());
    await advance(time, sink, 10_000);
    expect(server.accepted).toEqual(linesOf([...a, ...b]));
    expect(sink.stats().points).toMatchObject({ written: 20, spooled: 10, dropped: 0 });
  });

  it('gives up retrying after max_retries and spools, so flush() resolves during an outage', async () => {
    server.setDefault(reply.status(503));
    const sink = newSink({ maxRetries: 2 });
    sink.write(records(10, START));
    await runUntil(time, sink, sink.flush());
    expect(server.requests).toHaveLength(3);
    expect(sink.stats().points).toMatchObject({ written: 0, retried: 20, spooled: 10 });
    expect(spooledLines(testConfig(dir, '').spoolDir)).toHaveLength(10);
  });

  it('spools everything on close() during an outage; a new sink over the same spool dir replays it', async () => {
    await server.stopListening();
    const first = newSink();
    const recs = records(25, START);
    first.write(recs);
    await runUntil(time, first, first.close(5000));
    expect(first.stats().points).toMatchObject({ written: 0, spooled: 25, dropped: 0 });
    expect(first.stats().bufferPoints).toBe(0);
    expect(spooledLines(testConfig(dir, '').spoolDir)).toEqual(linesOf(recs));
    first.write(records(1, START + 1e6));
    expect(first.stats().points.dropped).toBe(1);

    await server.startListening();
    const second = newSink();
    await advance(time, second, 0);
    expect(server.accepted).toEqual(linesOf(recs));
    expect(second.stats().points).toMatchObject({ written: 25, spooled: 0, dropped: 0 });
    expect(second.stats().spoolBytes).toBe(0);
    expect(spooledLines(testConfig(dir, '').spoolDir)).toEqual([]);
  });

  it("replays a previous run's spool before points written after the restart", async () => {
    await server.stopListening();
    const first = newSink();
    const old = records(15, START);
    first.write(old);
    await runUntil(time, first, first.close(1000));
    await server.startListening();
    const second = newSink();
    const fresh = records(10, START, 3, 15);
    second.write(fresh);
    await advance(time, second, 0);
    expect(server.accepted).toEqual(linesOf([...old, ...fresh]));
    expect(second.stats().points).toMatchObject({ written: 25, spooled: 10, dropped: 0 });
  });

  it('spools a batch once the retry budget would be exceeded, even below max_retries', async () => {
    server.setDefault(reply.status(503));
    const sink = newSink({ maxRetries: 100, retryBudgetMs: 1000 });
    sink.write(records(10, START));
    await runUntil(time, sink, sink.flush());
    // Attempts at 0, 75, 225 and 525 ms; the next back-off (600 ms) would end past the 1000 ms budget.
    expect(server.requests).toHaveLength(4);
    expect(time.nowMs() - START).toBe(525);
    expect(sink.stats().points).toMatchObject({ written: 0, retried: 30, spooled: 10 });
  });

  it('delivers everything buffered on close() when InfluxDB is up', async () => {
    const sink = newSink();
    const recs = records(25, START);
    sink.write(recs);
    await runUntil(time, sink, sink.close(5000));
    expect(server.accepted).toEqual(linesOf(recs));
    expect(sink.stats().points).toMatchObject({ written: 25, spooled: 0 });
  });

  it('spools the in-flight batch when close() times out on a hanging server', async () => {
    server.setDefault(reply.hang());
    const sink = newSink();
    const recs = records(10, START);
    sink.write(recs);
    await server.waitForRequests(1);
    const closing = sink.close(1000);
    time.runNext(); // the close deadline
    await closing;
    expect(sink.stats().points).toMatchObject({ written: 0, spooled: 10 });
    expect(spooledLines(testConfig(dir, '').spoolDir)).toEqual(linesOf(recs));
  });

  it('counts and logs points dropped when the spool would exceed spool_max_bytes', async () => {
    await server.stopListening();
    const recs = records(30, START);
    const batchBytes = Buffer.byteLength(linesOf(recs.slice(0, 10)).join('\n') + '\n');
    const sink = newSink({ maxRetries: 0, spoolMaxBytes: Math.floor(batchBytes * 1.5) });
    sink.write(recs);
    await runUntil(time, sink, sink.flush());
    expect(sink.stats().points).toMatchObject({ written: 0, spooled: 10, dropped: 20 });
    const drops = logger.entries.filter((e) => e.level === 'error' && /DROPPED/.test(e.message));
    expect(drops.map((e) => e.meta?.points)).toEqual([10, 10]);

    await server.startListening();
    await advance(time, sink, 60_000);
    expect(server.accepted).toEqual(linesOf(recs.slice(0, 10)));
    expect(sink.stats().points.written).toBe(10);
  });
});
