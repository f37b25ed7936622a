import { DEFAULT_CONFIG } from '../src/config/defaults';
import { scoreColumns, SeriesDetector } from '../src/detect/seriesDetector';
import { scorePoint } from '../src/detect/score';
import type { FittedModel, Forecast, Forecaster } from '../src/model/types';
import { toModelScale } from '../src/model/valueTransform';
import { SeriesRunner } from '../src/pipeline/seriesRunner';
import { generateSeries, type GeneratedSeries, type MetricKind } from '../src/sources/simulator';
import { type BenchContext, median, peakRssMb, round, timeOnce, type Timing } from './common';
import { ensureAugurs, forecasterFor, MODEL_NAMES, type ModelName } from './models';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A Monday, so weekly shapes line up with the generator's calendar. */
export const BENCH_START_MS = Date.UTC(2024, 0, 1);

/** The two fit-time workloads of the issue. */
export const FIT_CASES = [
  { key: '5min_2w', stepMs: 5 * MINUTE_MS, points: 4_032, horizon: 288 },
  { key: '1min_4w', stepMs: MINUTE_MS, points: 40_320, horizon: 1_440 },
] as const;
export type FitCaseKey = (typeof FIT_CASES)[number]['key'];

export interface ModelTiming {
  /** Median wall-clock fit time, ms. */
  readonly fit_ms: number;
  /** Median process CPU time of a fit, ms. */
  readonly fit_cpu_ms: number;
  /** Median wall-clock time to predict one day ahead (horizon points, intervals included), ms. */
  readonly predict_ms: number;
  readonly reps: number;
}

export interface FitCaseResult {
  readonly points: number;
  readonly models: Record<ModelName, ModelTiming>;
  /** anomalyd's first fit of this case in the process, before the JIT warm-up (wall ms). */
  readonly anomalyd_cold_ms: number;
  /** Median over repetitions of (other model's fit time / anomalyd's fit time in the same repetition). */
  readonly speedup_vs_prophet: number;
  readonly speedup_vs_mstl: number;
  /**
   * The same ratio of process CPU times: on a shared machine a fit of a few ms is often preempted, which
   * inflates its wall time far more (relatively) than a fit of hundreds of ms.
   */
  readonly speedup_vs_prophet_cpu: number;
}

function series(
  kind: MetricKind,
  seed: number,
  stepMs: number,
  points: number,
  anomalies = 0,
): GeneratedSeries {
  return generateSeries({ kind, seed, startMs: BENCH_START_MS, stepMs, points, anomalies, quietStartMs: 0 });
}

function futureTimestamps(last: number, stepMs: number, horizon: number): Float64Array {
  const ts = new Float64Array(horizon);
  for (let i = 0; i < horizon; i++) ts[i] = last + (i + 1) * stepMs;
  return ts;
}

/**
 * V8 compiles a hot function with its optimising compiler on a background thread, and only after the
 * function has run for a while; until then fits run in the interpreter at several times their steady cost.
 * The daemon fits thousands of series per process, so its steady state is what users get: warm-up fits on
 * other series (never the measured ones) run until this much wall time has passed and at least
 * {@link WARMUP_MIN_FITS} fits were made. The cold first fit is reported separately.
 */
const WARMUP_MS = 1_500;
const WARMUP_MIN_FITS = 20;

/** Fits `fit(i)` for i = 0, 1, … until the warm-up budget is spent; returns the first fit's wall ms. */
function warmUp(fit: (i: number) => void): number {
  const t0 = performance.now();
  let first = Number.NaN;
  for (let i = 0; i < WARMUP_MIN_FITS || performance.now() - t0 < WARMUP_MS; i++) {
    const s = performance.now();
    fit(i);
    if (i === 0) first = performance.now() - s;
  }
  return first;
}

/**
 * Fit and predict times of the three models on the same series, interleaved repetition by repetition (so a
 * change of machine load hits all three alike); ratios are taken within each repetition. Every repetition
 * fits a different series (a new seed), so no model can reuse anything from fitting the same data before.
 */
export async function measureFitTimes(ctx: BenchContext): Promise<Record<FitCaseKey, FitCaseResult>> {
  await ensureAugurs();
  const forecasters: Record<ModelName, Forecaster> = {
    anomalyd: forecasterFor('anomalyd'),
    prophet: forecasterFor('prophet'),
    mstl: forecasterFor('mstl'),
  };
  const out: Partial<Record<FitCaseKey, FitCaseResult>> = {};
  // One discarded warm-up fit per model (WASM instantiation; augurs is compiled ahead of time) on the
  // small case. anomalyd gets its JIT warm-up per case below.
  const warm = series('cpu', 99, FIT_CASES[0].stepMs, FIT_CASES[0].points, 4).series;
  for (const name of MODEL_NAMES) forecasters[name].fit(warm).dispose?.();

  for (const c of FIT_CASES) {
    const big = c.stepMs === MINUTE_MS;
    const anomalies = big ? 12 : 6;
    const kinds: MetricKind[] = ['cpu', 'memory', 'latency'];
    const coldMs = warmUp((i) => {
      forecasters.anomalyd.fit(series(kinds[i % 3], 500 + i, c.stepMs, c.points, anomalies).series);
    });
    ctx.log(`  fit ${c.key} anomalyd: first (cold) fit ${coldMs.toFixed(1)} ms, then JIT warm-up`);
    // MSTL's per-case warm-up is one fit (its WASM needs no JIT); Prophet's would cost seconds at 1 minute.
    if (!big) forecasters.mstl.fit(series('cpu', 98, c.stepMs, c.points, anomalies).series).dispose?.();
    // Prophet at 1-min/4-week takes tens of seconds per fit: fewer repetitions.
    const reps: Record<ModelName, number> = ctx.quick
      ? { anomalyd: 5, prophet: big ? 1 : 3, mstl: big ? 2 : 3 }
      : { anomalyd: 11, prophet: big ? 3 : 5, mstl: big ? 3 : 5 };
    const fits: Record<ModelName, Timing[]> = { anomalyd: [], prophet: [], mstl: [] };
    const predicts: Record<ModelName, number[]> = { anomalyd: [], prophet: [], mstl: [] };
    const maxReps = Math.max(...Object.values(reps));
    const ratioProphet: number[] = [];
    const ratioMstl: number[] = [];
    const ratioProphetCpu: number[] = [];
    for (let r = 0; r < maxReps; r++) {
      const g = series('cpu', 7 + r, c.stepMs, c.points, anomalies).series;
      const input = { timestampsMs: g.timestampsMs, values: g.values, stepMs: g.stepMs };
      const future = futureTimestamps(g.timestampsMs[g.timestampsMs.length - 1], c.stepMs, c.horizon);
      const thisRep: Partial<Record<ModelName, number>> = {};
      const thisRepCpu: Partial<Record<ModelName, number>> = {};
      for (const name of MODEL_NAMES) {
        if (r >= reps[name]) continue;
        const { value: model, timing } = timeOnce(() => forecasters[name].fit(input));
        const p = timeOnce(() => model.predict(future));
        model.dispose?.();
        fits[name].push(timing);
        predicts[name].push(p.timing.wallMs);
        thisRep[name] = timing.wallMs;
        thisRepCpu[name] = timing.cpuMs;
        ctx.log(`  fit ${c.key} ${name} rep ${r + 1}: ${timing.wallMs.toFixed(1)} ms`);
      }
      const a = thisRep.anomalyd;
      if (a !== undefined && thisRep.prophet !== undefined) ratioProphet.push(thisRep.prophet / a);
      if (a !== undefined && thisRep.mstl !== undefined) ratioMstl.push(thisRep.mstl / a);
      const ac = thisRepCpu.anomalyd;
      if (ac !== undefined && ac > 0 && thisRepCpu.prophet !== undefined)
        ratioProphetCpu.push(thisRepCpu.prophet / ac);
    }
    const timingOf = (name: ModelName): ModelTiming => ({
      fit_ms: round(median(fits[name].map((t) => t.wallMs)), 2),
      fit_cpu_ms: round(median(fits[name].map((t) => t.cpuMs)), 2),
      predict_ms: round(median(predicts[name]), 3),
      reps: fits[name].length,
    });
    out[c.key] = {
      points: c.points,
      models: { anomalyd: timingOf('anomalyd'), prophet: timingOf('prophet'), mstl: timingOf('mstl') },
      anomalyd_cold_ms: round(coldMs, 2),
      speedup_vs_prophet: round(median(ratioProphet), 2),
      speedup_vs_mstl: round(median(ratioMstl), 2),
      speedup_vs_prophet_cpu: round(median(ratioProphetCpu), 2),
    };
  }
  return out as Record<FitCaseKey, FitCaseResult>;
}

export interface FleetResult {
  /** Series fitted in this run. */
  readonly series: number;
  /** Total wall-clock seconds spent in fit() over those series (generation not included). */
  readonly fit_s: number;
  readonly fit_cpu_s: number;
  /** fit_s scaled to 10,000 series (equal to fit_s when 10,000 were fitted). */
  readonly fit_s_per_10k: number;
  readonly median_fit_ms: number;
  readonly points_per_series: number;
  readonly peak_rss_mb: number;
}

/**
 * Fits many 5-min/2-week series that share one timestamp array (a fleet scraped together), one model each,
 * after a JIT warm-up on other series. Series are generated one at a time outside the timer, so memory
 * holds one series, not the fleet.
 *
 * What the fits share: the Fourier feature tables and bin layout (memoised per layout and orders in
 * model/bins.ts) and the fit workspace (FitWorkspace.shared), exactly as a single fit after the first does;
 * nothing is cached per timestamp grid. The rest of the timestamp-only work (grid check, time-of-week bins,
 * days since origin) costs about 54 µs of a ~8 ms fit at 4,032 points (measured 2026-11-21), so a
 * per-grid cache would save under 1%: the fleet time is the single-series fit time times the series count.
 */
export function measureFleetFit(ctx: BenchContext): FleetResult {
  const n = ctx.quick ? 300 : 10_000;
  const { stepMs, points } = FIT_CASES[0];
  const forecaster = forecasterFor('anomalyd');
  const kinds: MetricKind[] = ['cpu', 'memory', 'latency'];
  // JIT warm-up on series outside the fleet (see WARMUP_MS): a 10,000-series run amortises it anyway, the
  // quick run's 300 would otherwise mostly measure the interpreter.
  warmUp((i) => {
    forecaster.fit(series(kinds[i % 3], 900_000 + i, stepMs, points, 4).series);
  });
  let shared: Float64Array | undefined;
  let wallMs = 0;
  let cpuMs = 0;
  const each: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = series(kinds[i % 3], 10_000 + Math.floor(i / 3), stepMs, points, 4).series;
    shared ??= g.timestampsMs;
    const input = { timestampsMs: shared, values: g.values, stepMs };
    const { timing } = timeOnce(() => forecaster.fit(input));
    wallMs += timing.wallMs;
    cpuMs += timing.cpuMs;
    each.push(timing.wallMs);
    if ((i + 1) % 1000 === 0) ctx.log(`  fleet: ${i + 1}/${n} fitted, ${(wallMs / 1000).toFixed(1)} s`);
  }
  return {
    series: n,
    fit_s: round(wallMs / 1000, 2),
    fit_cpu_s: round(cpuMs / 1000, 2),
    fit_s_per_10k: round((wallMs / 1000) * (10_000 / n), 1),
    median_fit_ms: round(median(each), 2),
    points_per_series: points,
    peak_rss_mb: round(peakRssMb(), 1),
  };
}

export interface ScoringResult {
  /**
   * SeriesDetector.observeColumns over precomputed forecasts, verdicts into reused columns, by a detector
   * that has learnt from the model (onRefit): points per CPU-second (one thread = one core).
   */
  readonly points_per_s_per_core: number;
  /** The same through observeMany, which also builds a ScoredPoint object per point. */
  readonly observe_many_per_s_per_core: number;
  /** scorePoint alone (no drift, no episodes). */
  readonly score_point_per_s_per_core: number;
  /** SeriesRunner.observeBatch with one point per call (the daemon's per-cycle path, predict included). */
  readonly observe_batch_1_per_s_per_core: number;
  /** SeriesRunner.observeBatch with a day (288 points) per call. */
  readonly observe_batch_288_per_s_per_core: number;
  readonly points_scored: number;
}

/** Points per CPU-second, median over repetitions; `run` returns the number of points it processed. */
function throughput(reps: number, run: () => number): number {
  run(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const { value: pts, timing } = timeOnce(run);
    rates.push(pts / (Math.max(timing.cpuMs, 1e-3) / 1000));
  }
  return Math.round(median(rates));
}

/** Scoring throughput on a 5-min series: fit on 2 weeks, forecasts for the next 4 weeks precomputed. */
export function measureScoring(ctx: BenchContext): ScoringResult {
  const trainPts = 4_032;
  const testPts = 8_064;
  const g = series('cpu', 21, 5 * MINUTE_MS, trainPts + testPts, 12).series;
  const forecaster = forecasterFor('anomalyd');
  const train = {
    timestampsMs: g.timestampsMs.subarray(0, trainPts),
    values: g.values.subarray(0, trainPts),
    stepMs: g.stepMs,
  };
  const model: FittedModel = forecaster.fit(train);
  const ts = g.timestampsMs.subarray(trainPts);
  const actual = g.values.subarray(trainPts);
  // The detector reads values on the model's scale (model/valueTransform.ts; a cpu metric stays in its units);
  // the runner below maps them itself.
  const transform = model.valueTransform;
  const seen = transform === undefined ? actual : actual.map((v) => toModelScale(transform, v));
  const fc: Forecast = model.predict(ts);
  const tail = (z: number): number => model.tailProbability(z);
  const passes = ctx.quick ? 60 : 200;
  const reps = ctx.quick ? 3 : 7;
  const detection = DEFAULT_CONFIG.detection;

  // Every pass is a fresh detector over the same 4 weeks (the same rules, episodes and state changes); the
  // columns are reused, as a caller scoring run after run would. Each detector has learnt from the model
  // (onRefit), as the daemon's and the evaluation's detectors have: its one-step correction, run, shift and
  // burst levels are what make the per-point path cost what it costs in production (a detector that has learnt
  // nothing skips most rules and scored 1.3-1.4x faster).
  const columns = scoreColumns(ts.length);
  const trained = (): SeriesDetector => {
    const d = new SeriesDetector('bench', detection, { stepMs: g.stepMs });
    d.onRefit(model);
    return d;
  };
  const detector = throughput(reps, () => {
    for (let p = 0; p < passes; p++) trained().observeColumns(ts, seen, fc, tail, columns);
    return passes * ts.length;
  });
  const objects = throughput(reps, () => {
    for (let p = 0; p < passes; p++) trained().observeMany(ts, seen, fc, tail);
    return passes * ts.length;
  });
  const single = throughput(reps, () => {
    let sink = 0;
    for (let p = 0; p < passes; p++) {
      for (let i = 0; i < ts.length; i++) {
        const s = scorePoint(
          ts[i],
          seen[i],
          { yhat: fc.yhat[i], lower: fc.lower[i], upper: fc.upper[i], scale: fc.scale[i] },
          tail,
          detection,
        );
        sink += s.score;
      }
    }
    if (Number.isNaN(sink)) ctx.log('  (scores contained NaN)');
    return passes * ts.length;
  });
  const endToEnd = (batch: number): number =>
    throughput(reps, () => {
      const runner = new SeriesRunner(
        'bench',
        forecaster,
        new SeriesDetector('bench', detection, { stepMs: g.stepMs }),
        {
          stepMs: g.stepMs,
          retrainIntervalMs: DAY_MS * 365,
          trainingWindowMs: DEFAULT_CONFIG.model.trainingWindowMs,
        },
      );
      runner.load(train);
      runner.useModel(model, train.timestampsMs[trainPts - 1]);
      const laps = batch === 1 ? Math.max(1, Math.floor(passes / 10)) : passes;
      let done = 0;
      for (let lap = 0; lap < laps; lap++) {
        // Each lap replays the 4 weeks shifted forward in time, so timestamps keep increasing.
        const shift = lap * testPts * g.stepMs;
        const lapTs = new Float64Array(ts.length);
        for (let i = 0; i < ts.length; i++) lapTs[i] = ts[i] + shift;
        for (let i = 0; i < ts.length; i += batch) {
          const j = Math.min(ts.length, i + batch);
          runner.observeBatch(lapTs.subarray(i, j), actual.subarray(i, j));
        }
        done += ts.length;
      }
      return done;
    });
  const result: ScoringResult = {
    points_per_s_per_core: detector,
    observe_many_per_s_per_core: objects,
    score_point_per_s_per_core: single,
    observe_batch_1_per_s_per_core: endToEnd(1),
    observe_batch_288_per_s_per_core: endToEnd(288),
    points_scored: passes * ts.length,
  };
  model.dispose?.();
  return result;
}
