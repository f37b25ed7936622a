/**
 * End to end on real servers: a real Prometheus scraping the seasonal exporter, with three days of history
 * backfilled by promtool; the built daemon (`node dist/src/cli/main.js monitor`) reading it and writing to a
 * real VictoriaMetrics through its InfluxDB write API. An anomaly is injected into host `a` while the
 * daemon runs; the test reads back, through VictoriaMetrics' export API, every point the daemon counts as
 * written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithBinaries } from '../../helpers/integration';
import { freePort } from '../../helpers/ports';
import { startPrometheus, type PrometheusServer } from '../../helpers/prometheusServer';
import {
  seasonalOpenMetrics,
  seasonalValue,
  startSeasonalExporter,
  type SeasonalExporter,
} from '../../helpers/seasonalExporter';
import {
  startVictoriaMetrics,
  type ExportedSeries,
  type VictoriaMetrics,
} from '../../helpers/victoriaMetrics';
import {
  cliIsBuilt,
  finalSummary,
  isCycle,
  startDaemon,
  type DaemonProcess,
  type LogLine,
} from './daemonProcess';

jest.setTimeout(120_000);

const STEP_MS = 15_000;
const DAY_MS = 86_400_000;
const BACKFILL_DAYS = 3;
const OFFSET = 100;
const HOSTS = ['a', 'b'] as const;
/**
 * How far from a sample's grid time the scrape that produced it may have been served: Prometheus scrapes every
 * second, but a loaded machine (the daemon bench beside the tests) delays scrapes and responses by seconds.
 */
const SCRAPE_SKEW_MS = 10_000;

describeWithBinaries(['prometheus', 'promtool', 'victoria-metrics'])(
  'daemon: Prometheus → anomalyd → VictoriaMetrics (InfluxDB write API)',
  () => {
    let dir: string;
    let exporter: SeasonalExporter | undefined;
    let prom: PrometheusServer | undefined;
    let vm: VictoriaMetrics | undefined;
    let daemon: DaemonProcess | undefined;
    let backfillEndMs = 0;
    /** From here on Prometheus has committed live scrapes; a grid time before it may still see the backfill. */
    let liveFromMs = 0;

    beforeAll(async () => {
      if (!cliIsBuilt()) throw new Error('dist/src/cli/main.js is missing: run `npm run build` first');
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-e2e-daemon-'));
      [exporter, vm] = await Promise.all([startSeasonalExporter({ hosts: HOSTS }), startVictoriaMetrics()]);
      backfillEndMs = Math.floor(Date.now() / STEP_MS) * STEP_MS - 2 * 60_000;
      prom = await startPrometheus({
        scrapeTargets: [exporter.address],
        backfill: {
          openMetricsText: seasonalOpenMetrics({
            hosts: HOSTS,
            startMs: backfillEndMs - BACKFILL_DAYS * DAY_MS,
            endMs: backfillEndMs,
            stepMs: STEP_MS,
            extraLabels: { job: 'seasonal', instance: exporter.address },
          }),
        },
      });
      // Prometheus commits a scrape only after reading it: two scrapes served means the first is queryable.
      await exporter.waitForScrapes(2);
      liveFromMs = Date.now();
    });

    afterAll(async () => {
      if (daemon?.running) {
        daemon.signal('SIGKILL');
        await daemon.exited(10_000).catch(() => undefined);
      }
      await prom?.stop();
      await vm?.stop();
      await exporter?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('discovers both series, backfills, fits, reports the injected anomaly, and VictoriaMetrics holds every written point', async () => {
      if (prom === undefined || vm === undefined || exporter === undefined)
        throw new Error('servers did not start');
      const address = exporter.address;
      const config = path.join(dir, 'config.yaml');
      fs.writeFileSync(
        config,
        `source: prometheus
interval_seconds: 2
prometheus:
  url: ${prom.url}
  timeout: 20s
  retries: 1
  training_window: ${BACKFILL_DAYS}d
  queries:
    - name: demo
      promql: demo_cpu
      step: 15s
model:
  training_window: ${BACKFILL_DAYS}d
  # The exporter's hourly wave is the 24th daily harmonic; a band floor keeps the noise-free series calm.
  daily_order: 24
  min_band_abs: 1
influxdb:
  batch_size: 500
  flush_interval: 200ms
  spool_dir: spool
  dead_letter_file: dead-letter.lp
  shutdown_timeout: 10s
`,
      );
      const metricsPort = await freePort();
      daemon = startDaemon({
        args: ['monitor', '--config', config],
        cwd: dir,
        env: {
          INFLUXDB_URL: vm.url,
          INFLUXDB_TOKEN: 'dummy-token',
          INFLUXDB_ORG: 'acme',
          INFLUXDB_BUCKET: 'anomalyd',
          METRICS_PORT: String(metricsPort),
        },
      });
      const d = daemon;

      // First cycle: both series discovered, backfilled from query_range (chunked) and fitted at once.
      const first = await d.waitForLog(isCycle, 60_000);
      expect(first).toMatchObject({ source: 'prometheus', series: 2, new_series: 2, fits: 2, points: 2 });
      expect(d.logs.filter((l) => l.message.includes('history fetch failed'))).toEqual([]);

      const injectedAtMs = Date.now();
      exporter.injectAnomaly({ host: 'a', offset: OFFSET, fromMs: injectedAtMs });
      const isHostA = (l: LogLine): boolean => String(l.series).includes('host="a"');
      const opened = await d.waitForLog((l) => l.message === 'anomaly episode opened' && isHostA(l), 60_000);
      expect(opened).toMatchObject({ level: 'warn', direction: 1, source: 'prometheus' });

      d.signal('SIGTERM');
      expect(await d.exited(30_000)).toEqual({ code: 0, signal: null });
      const summary = finalSummary(d);
      expect(summary.sink_points).toMatchObject({ retried: 0, spooled: 0, dead_letter: 0, dropped: 0 });
      // Every processed point was scored (the models were fitted before the first live sample).
      expect(summary.sink_points.written).toBe(summary.points * 3);

      await vm.flush();
      const exported = await vm.exportSeries('{__name__=~"(actual|forecast|anomaly)_.*"}');
      /** `name|host|timestamp` → value. */
      const got = new Map<string, number>();
      const seriesOf = (host: string): string => `demo{host="${host}",instance="${address}",job="seasonal"}`;
      for (const s of exported) {
        const m = s.metric;
        expect(HOSTS).toContain(m.host);
        expect(m).toMatchObject({
          query: 'demo',
          source: 'prometheus',
          job: 'seasonal',
          instance: address,
          series: seriesOf(m.host),
        });
        if (m.__name__.startsWith('actual_')) expect(m.model_version).toBeUndefined();
        else expect(m.model_version).toEqual(expect.any(String));
        s.timestamps.forEach((ts, i) => {
          const key = `${m.__name__}|${m.host}|${ts}`;
          expect(got.has(key)).toBe(false);
          got.set(key, s.values[i]);
        });
      }
      const timestampsOf = (name: string, host: string): number[] =>
        [...got.keys()]
          .filter((k) => k.startsWith(`${name}|${host}|`))
          .map((k) => Number(k.split('|')[2]))
          .sort((x, y) => x - y);

      // Count every line: actual (1 field), forecast (3 fields), anomaly (7 fields) per point and series.
      let lines = 0;
      for (const host of HOSTS) {
        const actual = timestampsOf('actual_value', host);
        expect(actual.length).toBeGreaterThan(1);
        lines += actual.length;
        for (const f of ['forecast_yhat', 'forecast_yhat_lower', 'forecast_yhat_upper']) {
          expect(timestampsOf(f, host)).toEqual(actual);
        }
        lines += actual.length;
        for (const f of [
          'is_anomaly',
          'score',
          'confidence',
          'threshold',
          'direction',
          'severity',
          'episode_id',
        ]) {
          expect(timestampsOf(`anomaly_${f}`, host)).toEqual(actual);
        }
        lines += actual.length;
        // Live samples on the query's 15 s grid, after the backfill, each once.
        for (let i = 0; i < actual.length; i++) {
          expect(actual[i] % STEP_MS).toBe(0);
          if (i > 0) expect(actual[i] - actual[i - 1]).toBe(STEP_MS);
        }
      }
      expect(lines).toBe(summary.sink_points.written);
      expect(got.size).toBe((summary.sink_points.written / 3) * (1 + 3 + 7));

      // Values: what the exporter served. Prometheus answers a grid time with the last scrape it stamped at or
      // before it, and the exporter reads its clock a little after the stamp — seconds after on a loaded
      // machine, where one scrape can also arrive late. So a sample must be exactly one of the values served
      // within SCRAPE_SKEW_MS of its grid time (a sample one grid step off, or stale, is not).
      const value = (name: string, host: string, ts: number): number =>
        got.get(`${name}|${host}|${ts}`) ?? NaN;
      const sameValue = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
      const backfilled = (host: string): number => seasonalValue(host, backfillEndMs);
      const mismatches: unknown[] = [];
      /** Host a's samples that carry the injected offset, as the daemon saw them. */
      const shiftedA: number[] = [];
      for (const host of HOSTS) {
        for (const ts of timestampsOf('actual_value', host)) {
          const v = value('actual_value', host, ts);
          const near = exporter.served.filter((s) => Math.abs(s.atMs - ts) <= SCRAPE_SKEW_MS);
          const expectedValues = near.map((s) => s.values[host]);
          // Before the first live scrape, Prometheus' 5 min look-back answers with the last backfilled sample.
          if (ts < liveFromMs) expectedValues.push(backfilled(host));
          if (!expectedValues.some((e) => sameValue(v, e)))
            mismatches.push({ host, ts, got: v, expected: expectedValues, injectedAtMs });
          if (host === 'a' && v - seasonalValue(host, ts) > OFFSET / 2) shiftedA.push(ts);
          expect(value('forecast_yhat_lower', host, ts)).toBeLessThanOrEqual(
            value('forecast_yhat', host, ts),
          );
          expect(value('forecast_yhat', host, ts)).toBeLessThanOrEqual(
            value('forecast_yhat_upper', host, ts),
          );
          expect(value('anomaly_threshold', host, ts)).toBe(1);
          const isAnomaly = value('anomaly_is_anomaly', host, ts);
          expect([0, 1]).toContain(isAnomaly);
          expect(isAnomaly === 1).toBe(value('anomaly_score', host, ts) > 1);
        }
      }
      expect(mismatches).toEqual([]);
      // The anomaly is reported for host a, upwards, on exactly the samples that carry the offset (none of them
      // before the injection); before it, host a was normal.
      expect(shiftedA.length).toBeGreaterThan(0);
      expect(shiftedA[0]).toBeGreaterThanOrEqual(injectedAtMs - SCRAPE_SKEW_MS);
      const anomalousA = timestampsOf('anomaly_is_anomaly', 'a').filter(
        (ts) => value('anomaly_is_anomaly', 'a', ts) === 1,
      );
      expect(anomalousA).toEqual(shiftedA);
      for (const ts of anomalousA) expect(value('anomaly_direction', 'a', ts)).toBe(1);
      // Host b, untouched, stays inside its band.
      const anomalousB = timestampsOf('anomaly_is_anomaly', 'b').filter(
        (ts) => value('anomaly_is_anomaly', 'b', ts) === 1,
      );
      expect(anomalousB).toEqual([]);
    });
  },
);

export type { ExportedSeries };
