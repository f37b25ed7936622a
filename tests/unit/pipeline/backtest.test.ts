import { DEFAULT_DETECTION_OPTIONS } from '../../../src/detect/defaults';
import { SeriesDetector } from '../../../src/detect/seriesDetector';
import type { LabelledSeries } from '../../../src/domain/timeSeries';
import { runBacktest, splitIndex } from '../../../src/pipeline/backtest';
import { DEFAULT_REFIT_ADMISSION } from '../../../src/pipeline/refitAdmission';
import { SeriesRunner } from '../../../src/pipeline/seriesRunner';
import { evaluateSeries, injectIntoTestPart } from '../../../src/pipeline/evaluation';
import { generateSeries } from '../../../src/sources/simulator';
import { MeanForecaster } from './fakes';
import { Random } from '../../../src/domain/random';
import { createForecaster } from '../../../src/model/forecaster';

const STEP = 300_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);

function flatSeries(points: number, spikeAt: number[] = []): LabelledSeries {
  const timestampsMs = new Float64Array(points);
  const values = new Float64Array(points);
  const labels = new Uint8Array(points);
  for (let i = 0; i < points; i++) {
    timestampsMs[i] = START + i * STEP;
    values[i] = 10 + 0.1 * Math.sin(i);
  }
  for (const i of spikeAt) {
    values[i] = 50;
    labels[i] = 1;
  }
  return { timestampsMs, values, stepMs: STEP, labels };
}

const detector = () => new SeriesDetector('t', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });

describe('splitIndex', () => {
  it('leaves at least one point on each side', () => {
    expect(splitIndex(10, 0.8)).toBe(8);
    expect(splitIndex(2, 0.01)).toBe(1);
    expect(splitIndex(2, 0.99)).toBe(1);
  });
});

describe('runBacktest', () => {
  it('fits on the training part only and evaluates every later point', () => {
    const forecaster = new MeanForecaster();
    const r = runBacktest(flatSeries(100), forecaster, detector(), {
      trainRatio: 0.8,
      retrainIntervalMs: 1000 * DAY,
      trainingWindowMs: 1000 * DAY,
    });
    expect(r.testStart).toBe(80);
    expect(forecaster.fits).toEqual([80]);
    expect(r.points.timestampsMs.length).toBe(20);
    expect(r.points.timestampsMs[0]).toBe(START + 80 * STEP);
    expect(r.fits).toBe(1);
  });

  it('refits on the daemon schedule, on everything seen so far', () => {
    const forecaster = new MeanForecaster();
    // 2 days of 5-minute points; retrain every 6 hours over the last day.
    const r = runBacktest(flatSeries(576), forecaster, detector(), {
      trainRatio: 0.5,
      retrainIntervalMs: DAY / 4,
      trainingWindowMs: DAY,
    });
    // The initial fit is at the last training point; the 288 test points reach exactly 24 h past it, so
    // refits fall at +6 h, +12 h, +18 h and +24 h (the last point).
    expect(r.fits).toBe(5);
    expect(forecaster.fits).toEqual([288, 288, 288, 288, 288]);
  });

  it('never lets labels reach the model: results are identical with labels stripped', () => {
    const s = flatSeries(200, [170, 185]);
    const withLabels = runBacktest(s, new MeanForecaster(), detector(), {
      trainRatio: 0.5,
      retrainIntervalMs: DAY,
      trainingWindowMs: 10 * DAY,
    });
    const { labels: _l, ...unlabelled } = s;
    const without = runBacktest(unlabelled, new MeanForecaster(), detector(), {
      trainRatio: 0.5,
      retrainIntervalMs: DAY,
      trainingWindowMs: 10 * DAY,
    });
    expect(Array.from(without.points.score)).toEqual(Array.from(withLabels.points.score));
    expect(Array.from(without.points.isAnomaly)).toEqual(Array.from(withLabels.points.isAnomaly));
  });

  it('flags a spike as an episode, marks the alert moment, and reports progress to the end', () => {
    const progress: number[] = [];
    const r = runBacktest(flatSeries(200, [150]), new MeanForecaster(), detector(), {
      trainRatio: 0.5,
      retrainIntervalMs: 1000 * DAY,
      trainingWindowMs: 1000 * DAY,
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(r.points.isAnomaly[50]).toBe(1);
    expect(r.alerts[50]).toBe(1);
    expect(r.episodes).toHaveLength(1);
    expect(r.episodes[0].startMs).toBe(START + 150 * STEP);
    expect(progress[progress.length - 1]).toBe(1);
  });
});

describe('injectIntoTestPart', () => {
  const gen = generateSeries({
    kind: 'cpu',
    seed: 4,
    startMs: START,
    stepMs: STEP,
    points: 14 * 288,
    anomalies: 0,
  });

  it('plants anomalies only after the split and labels every modified point', () => {
    const out = injectIntoTestPart(gen.series, { count: 5 }, 1, 0.7);
    const split = splitIndex(gen.series.timestampsMs.length, 0.7);
    for (let i = 0; i < split; i++) expect(out.series.values[i]).toBe(gen.series.values[i]);
    expect(out.events.length).toBe(5);
    for (let i = 0; i < out.series.values.length; i++) {
      if (out.series.values[i] !== gen.series.values[i]) expect(out.series.labels?.[i]).toBe(1);
    }
  });

  it('hits roughly the requested share of points with a percentage', () => {
    const out = injectIntoTestPart(gen.series, { fraction: 0.05 }, 2, 0.7);
    const split = splitIndex(gen.series.timestampsMs.length, 0.7);
    const labelled = out.series.labels?.reduce((a, b) => a + b, 0) ?? 0;
    const share = labelled / (gen.series.timestampsMs.length - split);
    expect(share).toBeGreaterThan(0.025);
    expect(share).toBeLessThan(0.1);
  });

  it('is deterministic for a seed', () => {
    const a = injectIntoTestPart(gen.series, { count: 4 }, 9, 0.7);
    const b = injectIntoTestPart(gen.series, { count: 4 }, 9, 0.7);
    expect(Buffer.from(a.series.values.buffer).equals(Buffer.from(b.series.values.buffer))).toBe(true);
  });
});

describe('evaluateSeries', () => {
  it('scores windows as ground truth, merged with labels, and adds the NAB score only with windows', () => {
    const s = flatSeries(300, [250]);
    const base = {
      datasetName: 'flat.csv',
      forecaster: new MeanForecaster(),
      detection: DEFAULT_DETECTION_OPTIONS,
      trainRatio: 0.5,
      retrainIntervalMs: 1000 * DAY,
      trainingWindowMs: 1000 * DAY,
    };
    const plain = evaluateSeries({ ...base, series: s, groundTruth: 'labels' });
    expect(plain.result.nab).toBeUndefined();
    expect(plain.result.event.total).toBe(1);
    expect(plain.result.event.detected).toBe(1);

    const w: Array<readonly [number, number]> = [[START + 200 * STEP, START + 205 * STEP]];
    const withWindows = evaluateSeries({ ...base, series: s, groundTruth: 'windows', windows: w });
    expect(withWindows.result.nab).toBeDefined();
    expect(withWindows.points.label?.[200 - 150]).toBe(1); // inside the window
    expect(withWindows.points.label?.[250 - 150]).toBe(1); // the labelled spike is kept
    expect(withWindows.points.label?.[220 - 150]).toBe(0);
    expect(withWindows.result.train).toMatchObject({ points: 150, start: new Date(START).toISOString() });
    expect(withWindows.result.test.points).toBe(150);
  });
});

describe('a daily schedule the first model cannot follow', () => {
  // Business hours: 60 from 09:00 to 17:00 UTC, else 20, noise sd 1, 14 days; the first model sees 2 days
  // (too few for a daily profile), refits daily on everything since. It flags the 09:00 and 17:00 corners at
  // first; the refits must learn them (the corners recur every day, so they are re-admitted, and the daily
  // profile follows the step) and stop alerting, where excluding them for ever alerts twice a day to the end.
  function alertsPerDay(learn: boolean): number[] {
    const random = new Random(5);
    const n = 14 * 288;
    const timestampsMs = Float64Array.from({ length: n }, (_, i) => START + i * STEP);
    const values = Float64Array.from(timestampsMs, (t) => {
      const hour = (t % DAY) / 3_600_000;
      return (hour >= 9 && hour < 17 ? 60 : 20) + random.normal();
    });
    const series: LabelledSeries = { timestampsMs, values, stepMs: STEP, labels: new Uint8Array(n) };
    const r = runBacktest(series, createForecaster({ dailyProfile: learn }), detector(), {
      trainRatio: 2 / 14,
      retrainIntervalMs: DAY,
      trainingWindowMs: 14 * DAY,
      admission: { acceptAfterMs: DAY, maxExcludedFraction: 0.2, learnRecurring: learn },
    });
    const perDay = new Array<number>(12).fill(0);
    for (let i = 0; i < r.alerts.length; i++) if (r.alerts[i] === 1) perDay[Math.floor(i / 288)]++;
    return perDay;
  }

  it('stops alerting on it within days when recurring episodes are learnt', () => {
    const learnt = alertsPerDay(true);
    expect(learnt.slice(0, 2).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(learnt.slice(6).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('keeps alerting on it without the daily profile and recurrence', () => {
    const never = alertsPerDay(false);
    expect(never.slice(6).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(12);
  });
});

describe('a series whose noise grows with its level', () => {
  // Simulated request latency: log-normal noise around a daily cycle, no anomalies; one 4x spike planted.
  const points = (12 * DAY) / STEP;
  const g = generateSeries({ kind: 'latency', seed: 5, startMs: START, stepMs: STEP, points });
  const values = Float64Array.from(g.series.values);
  const spikeAt = points - 100;
  values[spikeAt] *= 4;
  const series = { ...g.series, values };
  const r = runBacktest(series, createForecaster(), detector(), {
    trainRatio: 9 / 12,
    retrainIntervalMs: DAY,
    trainingWindowMs: 14 * DAY,
  });

  it('is judged on the log scale and reported in its own units', () => {
    expect(r.initialModel.valueTransform?.kind).toBe('log');
    const p = r.points;
    let inside = 0;
    for (let i = 0; i < p.actual.length; i++) {
      expect(p.actual[i]).toBe(values[r.testStart + i]);
      // Forecasts in milliseconds, not logs: positive, ordered, near the value.
      expect(p.lower[i]).toBeGreaterThan(0);
      expect(p.lower[i]).toBeLessThanOrEqual(p.forecast[i]);
      expect(p.forecast[i]).toBeLessThanOrEqual(p.upper[i]);
      if (i !== spikeAt - r.testStart) {
        expect(p.forecast[i] / p.actual[i]).toBeGreaterThan(0.5);
        expect(p.forecast[i] / p.actual[i]).toBeLessThan(2);
      }
      if (p.actual[i] >= (p.modelLower?.[i] ?? NaN) && p.actual[i] <= (p.modelUpper?.[i] ?? NaN)) inside++;
    }
    // The model's own 95% band, mapped back, still covers about 95% of the points.
    expect(inside / p.actual.length).toBeGreaterThan(0.9);
  });

  it('flags the spike and raises few episodes besides', () => {
    const at = spikeAt - r.testStart;
    expect(r.points.isAnomaly[at]).toBe(1);
    expect(r.episodes.filter((e) => e.startMs !== START + spikeAt * STEP).length).toBeLessThanOrEqual(2);
  });
});

describe('screening the training part before the first fit', () => {
  // A simulated cpu metric, 14 days of training and 7 of test, with about an incident a day in both.
  const g = generateSeries({
    kind: 'cpu',
    seed: 2,
    startMs: START,
    stepMs: STEP,
    points: 21 * 288,
    anomalies: 21,
  });
  /** A simulated heap: its GC drops are routine resets. */
  const heap = generateSeries({ kind: 'memory', seed: 2, startMs: START, stepMs: STEP, points: 21 * 288 });
  /** The backtest with `model.screen_history` on or off, and how many fits it made. */
  const run = (screenHistory: boolean, series: LabelledSeries = g.series) => {
    const forecaster = createForecaster();
    let fits = 0;
    const counting: typeof forecaster = {
      ...forecaster,
      fit: (input) => {
        fits++;
        return forecaster.fit(input);
      },
    };
    const r = runBacktest(series, counting, detector(), {
      trainRatio: 14 / 21,
      retrainIntervalMs: DAY,
      trainingWindowMs: 14 * DAY,
      admission: { ...DEFAULT_REFIT_ADMISSION, screenHistory },
      screenDetector: detector,
    });
    return { ...r, fits };
  };
  const screened = run(true);
  const plain = run(false);
  const metric = (r: typeof plain, key: string): number => Number(r.initialModel.metrics[key]);
  /** Events of the test part with at least one point in an episode, and all of them. */
  const found = (r: typeof plain): [number, number] => {
    const ts = r.points.timestampsMs;
    const events = g.events.filter((e) => e.endMs >= ts[0]);
    const hit = events.filter((e) =>
      ts.some((t, i) => t >= e.startMs && t <= e.endMs && r.points.isAnomaly[i] === 1),
    );
    return [hit.length, events.length];
  };

  it('leaves the incidents it finds in the history out of the first fit', () => {
    expect(metric(plain, 'trainPoints')).toBe(plain.testStart);
    const left = screened.testStart - metric(screened, 'trainPoints');
    // The 14 training incidents (spikes of a point, shifts and drifts of hours) and no more than that.
    expect(left).toBeGreaterThan(14);
    expect(left).toBeLessThan(0.1 * screened.testStart);
    // `model.screen_history: false` (plain) turns it off; screening cost one more fit.
    expect(screened.fits).toBe(plain.fits + 1);
  });

  it('fits once when the series resets routinely (a heap), using the screening model', () => {
    const a = run(true, heap.series);
    const b = run(false, heap.series);
    expect(a.fits).toBe(b.fits);
    expect(a.initialModel.toJSON()).toEqual(b.initialModel.toJSON());
  });

  describe('deferred to the next pass, as the daemon does at start-up', () => {
    const train = 14 * 288;
    const now = g.series.timestampsMs[train - 1];
    const runner = (series: LabelledSeries) => {
      const r = new SeriesRunner('t', createForecaster(), detector(), {
        stepMs: STEP,
        retrainIntervalMs: DAY,
        trainingWindowMs: 14 * DAY,
        admission: DEFAULT_REFIT_ADMISSION,
        screenDetector: detector,
      });
      r.load({
        timestampsMs: series.timestampsMs.subarray(0, train),
        values: series.values.subarray(0, train),
      });
      return r;
    };

    it('installs the plain model first, then the same model the backtest screens its way to', () => {
      const r = runner(g.series);
      const first = r.fit(now, { deferScreening: true });
      expect(first.toJSON()).toEqual(plain.initialModel.toJSON());
      expect([r.fitCount, r.screenPending, r.refitDue(now)]).toEqual([1, true, true]);
      const second = r.fit(now, { deferScreening: true });
      expect(second.toJSON()).toEqual(screened.initialModel.toJSON());
      expect([r.fitCount, r.screenPending, r.refitDue(now)]).toEqual([2, false, false]);
    });

    it('keeps the first model when the screening finds nothing to leave out (a heap)', () => {
      const r = runner(heap.series);
      const first = r.fit(now, { deferScreening: true });
      expect(r.fit(now, { deferScreening: true })).toBe(first);
      expect([r.fitCount, r.screenPending, r.refitDue(now)]).toEqual([1, false, false]);
    });
  });

  it('so the levels the detector learns are set by the noise, not by the incidents', () => {
    // The N-of-M run level and the single-point spike level, in the model's z units.
    expect(metric(screened, 'runLevel')).toBeLessThan(0.5 * metric(plain, 'runLevel'));
    expect(metric(screened, 'oneStepSpikeUpper')).toBeLessThan(0.9 * metric(plain, 'oneStepSpikeUpper'));
  });

  it('and finds every test event, one of which the unscreened model missed', () => {
    expect(found(screened)).toEqual([8, 8]);
    expect(found(plain)).toEqual([7, 8]);
  });
});
