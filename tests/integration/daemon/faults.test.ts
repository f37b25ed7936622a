/**
 * The daemon process (`node dist/src/cli/main.js monitor`) against faults: a fault-injecting InfluxDB write
 * target (startFaultServer) and a misbehaving Prometheus (a node:http stub). Every wait is on an observable
 * event (a log line on the daemon's stderr, a request reaching a server) with a bounded deadline.
 *
 * The simulator is the data source of the sink tests: it needs no server and each cycle produces one point
 * per series (3 series for 1 host), each scored at once (the first cycle fits from the backfill), so every
 * processed point is 3 lines: actual, forecast, anomaly.
 */
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { reply, startFaultServer, type FaultServer } from '../../helpers/faultHttpServer';
import { freePort } from '../../helpers/ports';
import {
  cliIsBuilt,
  finalSummary,
  isCycle,
  parseLine,
  readLines,
  startDaemon,
  type DaemonProcess,
  type LogLine,
} from './daemonProcess';

jest.setTimeout(60_000);

const LINES_PER_POINT = 3;
const SPOOL_SEGMENT = /^seg-\d{16}\.lp$/;

/** Rejects after `ms` with `what`, so a missing event fails the test instead of hanging it. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** YAML for a 1-host simulator daemon writing to `influxUrl` (1 s cycles, small batches, short retries). */
function simulatorToInflux(influxUrl: string, extra = ''): string {
  return `source: simulator
interval_seconds: 1
simulator:
  hosts: 1
  seed: 1
  backfill: 2h
  anomalies_per_day: 0
model:
  training_window: 2h
influxdb:
  url: ${influxUrl}
  token: dummy-token
  org: acme
  bucket: anomalyd
  batch_size: 6
  flush_interval: 100ms
  max_retries: 2
  retry_initial: 100ms
  retry_max: 200ms
  retry_budget: 1s
  request_timeout: 30s
  spool_dir: spool
  dead_letter_file: dead-letter.lp
  shutdown_timeout: 1s
telemetry:
  metrics_port: 0
${extra}`;
}

/** `metric{labels} value` lines of a Prometheus text exposition, as `metric{labels}` → value. */
async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const isLog =
  (message: string) =>
  (l: LogLine): boolean =>
    l.message === message;

describe('daemon process under faults', () => {
  let dir: string;
  const daemons: DaemonProcess[] = [];
  const servers: FaultServer[] = [];

  beforeAll(() => {
    if (!cliIsBuilt()) throw new Error('dist/src/cli/main.js is missing: run `npm run build` first');
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-faults-'));
  });

  afterEach(async () => {
    for (const d of daemons.splice(0)) {
      if (d.running) {
        d.signal('SIGKILL');
        await d.exited(10_000).catch(() => undefined);
      }
    }
    for (const s of servers.splice(0)) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function daemon(args: readonly string[], env: Record<string, string> = {}): DaemonProcess {
    const d = startDaemon({ args, cwd: dir, env });
    daemons.push(d);
    return d;
  }

  async function faultServer(): Promise<FaultServer> {
    const s = await startFaultServer({ pathPrefix: '/api/v2/write' });
    servers.push(s);
    return s;
  }

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  const spoolLines = (): string[] => readLines(path.join(dir, 'spool'), SPOOL_SEGMENT);

  describe('InfluxDB write target', () => {
    it('SIGTERM mid-batch exits 0 and loses nothing: every line is received or spooled', async () => {
      const influx = await faultServer();
      // Two batches go through, then InfluxDB stops answering: the third request is in flight at SIGTERM.
      influx.script(reply.ok(), reply.ok());
      influx.setDefault(reply.hang());
      const config = write('config.yaml', simulatorToInflux(influx.url));
      const d = daemon(['monitor', '--config', config]);
      await within(influx.waitForRequests(3), 20_000, 'the third write request');
      // At least one cycle's points are queued behind the hanging request.
      await d.waitForLog(isCycle, 20_000, 3);
      d.signal('SIGTERM');
      expect(await d.exited(20_000)).toEqual({ code: 0, signal: null });

      const summary = finalSummary(d);
      expect(summary.points).toBeGreaterThanOrEqual(3 * 3);
      const received = influx.accepted;
      const spooled = spoolLines();
      expect(summary.sink_points).toMatchObject({
        written: received.length,
        spooled: spooled.length,
        dead_letter: 0,
        dropped: 0,
      });
      // Zero lost: points processed × lines per point = received + spooled, each line exactly once.
      const all = [...received, ...spooled];
      expect(all).toHaveLength(summary.points * LINES_PER_POINT);
      expect(new Set(all).size).toBe(all.length);
      expect(all.map(parseLine).filter((l) => l.measurement === 'actual')).toHaveLength(summary.points);
      // The batch cut off in flight is among the spooled lines (at-least-once, never dropped).
      const inFlight = influx.requests[2].lines;
      expect(inFlight.length).toBeGreaterThan(0);
      for (const l of inFlight) expect(spooled).toContain(l);
      expect(d.logs.some((l) => l.message === 'influx sink closed' && l.result === 'timeout')).toBe(true);
    });

    it('spools everything while InfluxDB refuses connections, and a second run replays it all in order', async () => {
      const influx = await faultServer();
      await influx.stopListening(); // connection refused on its port for the whole first run
      const config = write('config.yaml', simulatorToInflux(influx.url));

      const first = daemon(['monitor', '--config', config]);
      await first.waitForLog(
        isLog('influx sink: InfluxDB unavailable past the retry budget; spooling to disk'),
        20_000,
      );
      await first.waitForLog(isCycle, 20_000, 4);
      first.signal('SIGTERM');
      expect(await first.exited(20_000)).toEqual({ code: 0, signal: null });
      const s1 = finalSummary(first);
      const spooled = spoolLines();
      expect(s1.sink_points).toMatchObject({
        written: 0,
        spooled: spooled.length,
        dead_letter: 0,
        dropped: 0,
      });
      expect(spooled).toHaveLength(s1.points * LINES_PER_POINT);
      expect(new Set(spooled).size).toBe(spooled.length);
      expect(influx.requests).toHaveLength(0);

      await influx.startListening();
      const second = daemon(['monitor', '--once', '--config', config]);
      expect(await second.exited(30_000)).toEqual({ code: 0, signal: null });
      expect(second.logs.some(isLog('influx sink: replaying spool left by an earlier run'))).toBe(true);
      const s2 = finalSummary(second);
      // The spool first, in its order, then the second run's own points.
      expect(influx.accepted.slice(0, spooled.length)).toEqual(spooled);
      expect(influx.accepted).toHaveLength(spooled.length + s2.points * LINES_PER_POINT);
      expect(s2.sink_points).toMatchObject({ written: influx.accepted.length, dead_letter: 0, dropped: 0 });
      expect(spoolLines()).toEqual([]);
      // Replayed timestamps never go backwards within a series and measurement.
      const last = new Map<string, number>();
      for (const l of influx.accepted.map(parseLine)) {
        const key = `${l.measurement}|${l.tags.series}`;
        expect(l.timestampMs).toBeGreaterThan(last.get(key) ?? -Infinity);
        last.set(key, l.timestampMs);
      }
    });

    it('dead-letters batches rejected with 400/401, logs the server message and keeps running', async () => {
      const influx = await faultServer();
      const conflict =
        'partial write: field type conflict: input field "value" on measurement "actual" is type integer';
      influx.script(reply.influxError(400, conflict), reply.influxError(401, 'unauthorized access'));
      const config = write('config.yaml', simulatorToInflux(influx.url));
      const d = daemon(['monitor', '--config', config]);
      const rejected = isLog('influx sink: InfluxDB rejected a batch; appended to the dead-letter file');
      const firstRejection = await d.waitForLog(rejected, 20_000, 1);
      const secondRejection = await d.waitForLog(rejected, 20_000, 2);
      expect(firstRejection).toMatchObject({ level: 'error', status: 400 });
      expect(String(firstRejection.serverMessage)).toContain(conflict);
      expect(secondRejection).toMatchObject({ level: 'error', status: 401 });
      expect(String(secondRejection.serverMessage)).toContain('unauthorized access');
      // The daemon carries on: two more cycles after the rejections, and later batches are delivered.
      const cyclesSoFar = d.logs.filter(isCycle).length;
      await d.waitForLog(isCycle, 20_000, cyclesSoFar + 2);
      await within(influx.waitForRequests(3), 20_000, 'a write after the rejections');
      d.signal('SIGTERM');
      expect(await d.exited(20_000)).toEqual({ code: 0, signal: null });

      const deadLetters = fs
        .readFileSync(path.join(dir, 'dead-letter.lp'), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      expect(deadLetters).toEqual([...influx.requests[0].lines, ...influx.requests[1].lines]);
      const summary = finalSummary(d);
      expect(summary.sink_points).toMatchObject({
        dead_letter: deadLetters.length,
        written: influx.accepted.length,
        dropped: 0,
      });
      expect(influx.accepted.length).toBeGreaterThan(0);
      expect(influx.accepted.length + deadLetters.length + spoolLines().length).toBe(
        summary.points * LINES_PER_POINT,
      );
    });
  });

  describe('Prometheus down at start', () => {
    const promConfig = (source: string, url: string): string => `source: ${source}
interval_seconds: 1
prometheus:
  url: ${url}
  timeout: 1s
  retries: 0
  training_window: 2h
  queries:
    - name: demo
      promql: demo_cpu
simulator:
  hosts: 1
  seed: 1
  backfill: 2h
  anomalies_per_day: 0
model:
  training_window: 2h
telemetry:
  metrics_port: 0
`;

    it('source auto serves the simulator within the first cycle, tagged source=simulator, with a WARN', async () => {
      const refused = `http://127.0.0.1:${await freePort()}`;
      const config = write('config.yaml', promConfig('auto', refused));
      const d = daemon(['monitor', '--once', '--config', config]);
      expect(await d.exited(30_000)).toEqual({ code: 0, signal: null });
      const warn = d.logs.find(isLog('Prometheus unreachable; serving simulated data this cycle'));
      expect(warn).toMatchObject({ level: 'warn' });
      expect(String(warn?.error)).toContain('[unreachable]');
      const cycles = d.logs.filter(isCycle);
      expect(cycles).toHaveLength(1);
      expect(cycles[0]).toMatchObject({ source: 'simulator', series: 3, points: 3 });

      const lines = readLines(path.join(dir, 'data'), /\.lp$/).map(parseLine);
      expect(lines).toHaveLength(3 * LINES_PER_POINT);
      for (const l of lines) expect(l.tags.source).toBe('simulator');
      expect(finalSummary(d).sink_points).toMatchObject({ written: 9, dropped: 0 });
    });

    it('source prometheus never simulates: errors are logged and the daemon keeps running', async () => {
      const refused = `http://127.0.0.1:${await freePort()}`;
      const config = write('config.yaml', promConfig('prometheus', refused));
      const d = daemon(['monitor', '--config', config]);
      const failed = isLog('poll failed; no samples this cycle');
      await d.waitForLog(failed, 20_000, 3);
      expect(d.running).toBe(true);
      d.signal('SIGTERM');
      expect(await d.exited(20_000)).toEqual({ code: 0, signal: null });

      const failures = d.logs.filter(failed);
      for (const f of failures) {
        expect(f).toMatchObject({ level: 'error', source: 'prometheus' });
        expect(String(f.error)).toContain('[unreachable]');
      }
      expect(d.logs.filter((l) => String(l.message).includes('simulat'))).toEqual([]);
      expect(readLines(path.join(dir, 'data'), /\.lp$/)).toEqual([]);
      expect(finalSummary(d)).toMatchObject({ points: 0, sink_points: { written: 0 } });
    });
  });

  describe('Prometheus answering badly', () => {
    type Mode = 'garbage' | 'partial' | 'hang';
    let stub: Server | undefined;
    const hanging: ServerResponse[] = [];

    afterEach(async () => {
      for (const res of hanging.splice(0)) res.destroy();
      if (stub !== undefined) {
        stub.closeAllConnections();
        await new Promise<void>((resolve) => stub?.close(() => resolve()));
        stub = undefined;
      }
    });

    it('logs each failure with its kind, counts it in anomalyd_prometheus_errors_total{kind} and keeps running', async () => {
      let mode: Mode = 'garbage';
      /** Requests received per mode. */
      const seen: Record<Mode, number> = { garbage: 0, partial: 0, hang: 0 };
      stub = createServer((_req: IncomingMessage, res: ServerResponse) => {
        seen[mode]++;
        switch (mode) {
          case 'garbage':
            res
              .writeHead(200, { 'content-type': 'text/html' })
              .end('<html><body>502 proxy error</body></html>');
            return;
          case 'partial':
            res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(
                '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"host":"a"},"values":[[17',
              );
            return;
          case 'hang':
            hanging.push(res);
        }
      });
      await new Promise<void>((resolve) => stub?.listen(0, '127.0.0.1', resolve));
      const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const metricsPort = await freePort();
      const config = write(
        'config.yaml',
        `source: prometheus
interval_seconds: 1
prometheus:
  url: ${stubUrl}
  timeout: 500ms
  retries: 0
  queries:
    - name: demo
      promql: demo_cpu
telemetry:
  metrics_port: ${metricsPort}
  metrics_host: 127.0.0.1
`,
      );
      const d = daemon(['monitor', '--config', config]);
      await d.waitForLog(isLog('telemetry listening'), 20_000);

      const errorsOf = async (kind: string): Promise<number> =>
        (await scrapeMetrics(metricsPort)).get(`anomalyd_prometheus_errors_total{kind="${kind}"}`) ?? 0;
      const mentions = (kind: string) => (l: LogLine) =>
        (l.level === 'warn' || l.level === 'error') &&
        (typeof l.error === 'string' ? l.error : '').includes(`[${kind}]`);

      // Garbage (HTML where JSON is expected): the query fails on its own, kind bad_response.
      const garbageLog = await d.waitForLog(mentions('bad_response'), 20_000, 1);
      expect(garbageLog).toMatchObject({ kind: 'bad_response', query: 'demo' });
      expect(seen.garbage).toBeGreaterThan(0);
      const afterGarbage = await errorsOf('bad_response');
      expect(afterGarbage).toBeGreaterThanOrEqual(1);

      // Truncated JSON: bad_response again, and the counter moves on.
      mode = 'partial';
      const before = d.logs.filter(mentions('bad_response')).length;
      // A request answered in partial mode is logged after it; wait for two more to be past the switch.
      await d.waitForLog(mentions('bad_response'), 20_000, before + 2);
      expect(seen.partial).toBeGreaterThan(0);
      expect(await errorsOf('bad_response')).toBeGreaterThan(afterGarbage);

      // Hanging past the 500 ms timeout: kind timeout, the whole poll fails, the cycle is counted failed.
      mode = 'hang';
      const timeoutLog = await d.waitForLog(mentions('timeout'), 20_000, 1);
      expect(timeoutLog).toMatchObject({ level: 'error', message: 'poll failed; no samples this cycle' });
      expect(await errorsOf('timeout')).toBeGreaterThanOrEqual(1);
      const cycles = d.logs.length;
      await d.waitForLog(mentions('timeout'), 20_000, 2);
      expect(d.logs.length).toBeGreaterThan(cycles);

      expect(d.running).toBe(true);
      d.signal('SIGTERM');
      expect(await d.exited(20_000)).toEqual({ code: 0, signal: null });
      expect(d.stderr()).not.toMatch(/^\s+at /m);
    });

    it('SIGTERM while Prometheus hangs shuts down at once (the request and its retries are cancelled), losing no point', async () => {
      // Answers normally (one series, with an hour of history) until `hang`; then never answers.
      let hang = false;
      let hangingRequests = 0;
      let reachedHang: () => void = () => undefined;
      const hangReached = new Promise<void>((resolve) => {
        reachedHang = resolve;
      });
      stub = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          body += c;
        });
        req.on('end', () => {
          if (hang) {
            hanging.push(res);
            hangingRequests++;
            reachedHang();
            return;
          }
          const params = new URLSearchParams(body);
          const start = Number(params.get('start'));
          const end = Number(params.get('end'));
          const step = Number(params.get('step'));
          const values: Array<[number, string]> = [];
          for (let t = start; t <= end; t += step) values.push([t, String(40 + (t % 7))]);
          const result = [{ metric: { host: 'a' }, values }];
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
        });
      });
      await new Promise<void>((resolve) => stub?.listen(0, '127.0.0.1', resolve));
      const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      // Without cancellation a hanging poll would hold the shutdown for timeout x (retries + 1) = 4 minutes.
      const config = write(
        'config.yaml',
        `source: prometheus
interval_seconds: 1
prometheus:
  url: ${stubUrl}
  timeout: 60s
  retries: 3
  training_window: 1h
  queries:
    - name: demo
      promql: demo_cpu
model:
  training_window: 1h
telemetry:
  metrics_port: 0
`,
      );
      const d = daemon(['monitor', '--config', config]);
      await d.waitForLog(isCycle, 20_000, 3);
      hang = true;
      await within(hangReached, 20_000, 'a poll reaching the hanging Prometheus');
      const signalledAt = Date.now();
      d.signal('SIGTERM');
      expect(await d.exited(20_000)).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      expect(hangingRequests).toBe(1);
      expect(d.logs.some(isLog('poll cancelled: shutting down'))).toBe(true);

      // Zero lost: every processed point reached the file sink, each line once.
      const summary = finalSummary(d);
      expect(summary.points).toBeGreaterThanOrEqual(3);
      const lines = readLines(path.join(dir, 'data'), /\.lp$/);
      expect(summary.sink_points).toMatchObject({ written: lines.length, dropped: 0, dead_letter: 0 });
      expect(lines.map(parseLine).filter((l) => l.measurement === 'actual')).toHaveLength(summary.points);
      expect(new Set(lines).size).toBe(lines.length);
    });

    it('counts a failed history fetch under its error kind (timeout), like every other Prometheus error', async () => {
      // Polls (one step: start = end) get one series; the history fetch (a longer range) hangs past the timeout.
      stub = createServer((req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          body += c;
        });
        req.on('end', () => {
          const params = new URLSearchParams(body);
          const start = params.get('start') ?? '';
          const end = params.get('end') ?? '';
          if (start !== end) {
            hanging.push(res);
            return;
          }
          const result = [{ metric: { host: 'a' }, values: [[Number(end), '42']] }];
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
        });
      });
      await new Promise<void>((resolve) => stub?.listen(0, '127.0.0.1', resolve));
      const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const metricsPort = await freePort();
      const config = write(
        'config.yaml',
        `source: prometheus
interval_seconds: 1
prometheus:
  url: ${stubUrl}
  timeout: 500ms
  retries: 0
  training_window: 1h
  queries:
    - name: demo
      promql: demo_cpu
telemetry:
  metrics_port: ${metricsPort}
  metrics_host: 127.0.0.1
`,
      );
      const d = daemon(['monitor', '--config', config]);
      const failed = await d.waitForLog(
        isLog('history fetch failed; these series will learn from live samples'),
        20_000,
      );
      expect(failed).toMatchObject({ level: 'warn', query: 'demo' });
      expect(typeof failed.error === 'string' ? failed.error : '').toContain('[timeout]');
      const metrics = await scrapeMetrics(metricsPort);
      const kinds = [...metrics.keys()].filter((k) => k.startsWith('anomalyd_prometheus_errors_total{'));
      // The documented kinds are unreachable, timeout, http, bad_query and bad_response.
      expect(kinds).toEqual(['anomalyd_prometheus_errors_total{kind="timeout"}']);
      d.signal('SIGTERM');
      expect(await d.exited(20_000)).toEqual({ code: 0, signal: null });
    });
  });
});
