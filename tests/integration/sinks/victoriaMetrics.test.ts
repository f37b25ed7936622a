import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/domain/clock';
import { silentLogger } from '../../../src/domain/logger';
import { checkInflux } from '../../../src/sinks/influx/check';
import { InfluxSink } from '../../../src/sinks/influx/influxSink';
import { FIELD, MEASUREMENT, TAG } from '../../../src/sinks/schema';
import type { PointRecord } from '../../../src/sinks/types';
import { describeWithBinaries } from '../../helpers/integration';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../helpers/victoriaMetrics';

jest.setTimeout(60_000);

// A fixed past instant with a millisecond part, so a seconds-precision bug would show.
const START = Date.UTC(2025, 5, 1, 0, 0, 0, 123);
const HOSTS = ['web-1', 'web-2', 'db 1'];
const PER_SERIES = 40;

function buildRecords(): PointRecord[] {
  const out: PointRecord[] = [];
  for (const host of HOSTS) {
    for (let i = 0; i < PER_SERIES; i += 1) {
      const ts = START + i * 15_000;
      const base: PointRecord = {
        seriesId: `cpu{host="${host}"}`,
        query: 'cpu',
        source: 'simulator',
        labels: { host, series: 'collides' },
        timestampMs: ts,
        actual: 10 + i * 0.25,
      };
      // The first 5 points of each series come before the model exists: actual only.
      out.push(
        i < 5
          ? base
          : {
              ...base,
              forecast: { modelVersion: 'm7', yhat: 10 + i * 0.2, lower: 9 + i * 0.2, upper: 11 + i * 0.2 },
              anomaly: {
                isAnomaly: i % 7 === 0,
                score: i / 10,
                confidence: 0.5,
                threshold: 1,
                direction: i % 7 === 0 ? -1 : 0,
                severity: i % 7 === 0 ? 'HIGH' : 'NONE',
                episodeId: i % 7 === 0 ? `ep-${i}` : '',
              },
            },
      );
    }
  }
  return out;
}

/** metric name → series tag → timestamp → value, as VictoriaMetrics should hold it. */
function expected(recs: readonly PointRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  const put = (measurement: string, field: string, r: PointRecord, v: number): void => {
    m.set(`${measurement}_${field}|${r.seriesId}|${r.timestampMs}`, v);
  };
  for (const r of recs) {
    put(MEASUREMENT.actual, FIELD.actual.value, r, r.actual);
    if (r.forecast) {
      put(MEASUREMENT.forecast, FIELD.forecast.yhat, r, r.forecast.yhat);
      put(MEASUREMENT.forecast, FIELD.forecast.yhatLower, r, r.forecast.lower);
      put(MEASUREMENT.forecast, FIELD.forecast.yhatUpper, r, r.forecast.upper);
    }
    if (r.anomaly) {
      put(MEASUREMENT.anomaly, FIELD.anomaly.isAnomaly, r, r.anomaly.isAnomaly ? 1 : 0);
      put(MEASUREMENT.anomaly, FIELD.anomaly.score, r, r.anomaly.score);
      put(MEASUREMENT.anomaly, FIELD.anomaly.confidence, r, r.anomaly.confidence);
      put(MEASUREMENT.anomaly, FIELD.anomaly.threshold, r, r.anomaly.threshold);
      put(MEASUREMENT.anomaly, FIELD.anomaly.direction, r, r.anomaly.direction);
      // VictoriaMetrics keeps a string field as a series of zeros (observed with the Debian build).
      put(MEASUREMENT.anomaly, FIELD.anomaly.severity, r, 0);
      put(MEASUREMENT.anomaly, FIELD.anomaly.episodeId, r, 0);
    }
  }
  return m;
}

describeWithBinaries(['victoria-metrics'])('InfluxSink → VictoriaMetrics (real /api/v2/write)', () => {
  let vm: VictoriaMetrics;
  let dir: string;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-vm-sink-'));
  });

  afterAll(async () => {
    await vm?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores every point counted as written with its tags, values and millisecond timestamps', async () => {
    const sink = new InfluxSink(
      {
        url: vm.url,
        token: 'unused-by-victoria-metrics',
        org: 'acme',
        bucket: 'anomalyd',
        batchSize: 50,
        flushIntervalMs: 200,
        maxRetries: 3,
        retryInitialMs: 100,
        retryMaxMs: 1000,
        retryBudgetMs: 5000,
        requestTimeoutMs: 5000,
        maxBufferPoints: 10_000,
        spoolDir: path.join(dir, 'spool'),
        spoolMaxBytes: 10_000_000,
        deadLetterFile: path.join(dir, 'dead.lp'),
        tagAllowlist: [],
      },
      { clock: systemClock, logger: silentLogger },
    );
    const recs = buildRecords();
    sink.write(recs);
    await sink.close(10_000);
    const lines = HOSTS.length * (5 + (PER_SERIES - 5) * 3);
    expect(sink.stats().points).toEqual({
      written: lines,
      retried: 0,
      spooled: 0,
      dead_letter: 0,
      dropped: 0,
    });

    await vm.flush();
    const exported = await vm.exportSeries('{__name__=~"(actual|forecast|anomaly)_.*"}');
    const got = new Map<string, number>();
    for (const s of exported) {
      const name = s.metric.__name__;
      expect(s.metric[TAG.query]).toBe('cpu');
      expect(s.metric[TAG.source]).toBe('simulator');
      expect(HOSTS).toContain(s.metric.host);
      expect(s.metric[TAG.series]).toBe(`cpu{host="${s.metric.host}"}`);
      expect(s.metric.label_series).toBe('collides');
      if (!name.startsWith('actual_')) expect(s.metric[TAG.modelVersion]).toBe('m7');
      else expect(s.metric[TAG.modelVersion]).toBeUndefined();
      s.timestamps.forEach((ts, i) => got.set(`${name}|${s.metric[TAG.series]}|${ts}`, s.values[i]));
    }
    const want = expected(recs);
    // Every field of every line, no more, no less.
    expect(got.size).toBe(want.size);
    expect(want.size).toBe(HOSTS.length * (5 + (PER_SERIES - 5) * (1 + 3 + 7)));
    // VictoriaMetrics stores floats as scaled decimals (~12 significant digits): 14.600000000000001 → 14.6.
    const mismatches = [...want].filter(([key, v]) => {
      const g = got.get(key);
      return g === undefined || Math.abs(g - v) > 1e-9 * Math.max(1, Math.abs(v));
    });
    expect(mismatches).toEqual([]);
  });

  it('passes `anomalyd check`: /health and a probe write', async () => {
    const result = await checkInflux({
      url: vm.url,
      token: 't',
      org: 'acme',
      bucket: 'anomalyd',
      requestTimeoutMs: 5000,
    });
    expect(result.health).toMatchObject({ ok: true });
    expect(result.write).toMatchObject({ ok: true });
  });
});
