import { DEFAULT_CONFIG } from '../src/config/defaults';
import { evaluateSeries } from '../src/pipeline/evaluation';
import { generateSeries, type MetricKind } from '../src/sources/simulator';
import { type BenchContext, round, timeOnce } from './common';
import { ensureAugurs, forecasterFor, MODEL_NAMES, type ModelName, TrackingForecaster } from './models';
import { BENCH_START_MS } from './speed';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** One synthetic series of the suite. */
export interface SyntheticSpec {
  readonly name: string;
  readonly kind: MetricKind;
  readonly seed: number;
  readonly stepMs: number;
  readonly days: number;
  /** Days used for the initial fit (the rest is streamed). */
  readonly trainDays: number;
  /** Anomalies over the whole series, training part included (about one a day). */
  readonly anomalies: number;
}

/**
 * The suite: 5-minute series over 3 weeks (2 weeks of training) and, in the full run, 1-minute series over
 * 4 weeks (2 weeks of training: the default training window). Anomalies start 6 hours in, so the training
 * history holds them too. Fixed seeds.
 */
export function syntheticSpecs(quick: boolean): SyntheticSpec[] {
  const kinds: MetricKind[] = ['cpu', 'memory', 'latency'];
  const specs: SyntheticSpec[] = [];
  const seeds5 = quick ? [101, 102] : [101, 102, 103, 104];
  for (const seed of seeds5)
    for (const kind of kinds)
      specs.push({
        name: `${kind}-5m-21d-s${seed}`,
        kind,
        seed,
        stepMs: 5 * MINUTE_MS,
        days: 21,
        trainDays: 14,
        anomalies: 21,
      });
  if (!quick)
    for (const kind of kinds)
      specs.push({
        name: `${kind}-1m-28d-s201`,
        kind,
        seed: 201,
        stepMs: MINUTE_MS,
        days: 28,
        trainDays: 14,
        anomalies: 28,
      });
  return specs;
}

/** Per-series outcome of one model. */
export interface SyntheticSeriesResult {
  readonly series: string;
  readonly model: ModelName;
  readonly events_detected: number;
  readonly events_total: number;
  readonly false_alarm_episodes: number;
  readonly test_days: number;
  readonly point_tp: number;
  readonly point_fp: number;
  readonly point_fn: number;
  readonly coverage_points: number;
  readonly interval_coverage: number;
  readonly mae: number;
  readonly noise_sigma: number;
  readonly mean_time_to_detect_s: number | null;
  readonly fits: number;
  readonly wall_s: number;
  readonly error?: string;
}

/** Suite-level figures of one model (sums over series, then ratios). */
export interface SyntheticSummary {
  readonly event_recall: number;
  readonly false_alarms_per_series_day: number;
  readonly point_f1: number;
  readonly point_precision: number;
  readonly point_recall: number;
  /** Share of clean (unlabelled) test points inside the 95% interval. */
  readonly interval_coverage: number;
  /** Mean over series of MAE (clean points) / the series' noise floor (noiseSigma). */
  readonly mae_over_noise: number;
  readonly events_total: number;
  /** Series summarised (those on which every model ran). */
  readonly series: number;
  /** Series on which this model failed (an exception from fit or predict). */
  readonly failed_series: number;
  readonly wall_s: number;
}

/** Sums per-series results into the suite figures. Series that failed are left out and counted. */
export function summariseSynthetic(rows: readonly SyntheticSeriesResult[]): SyntheticSummary {
  const ok = rows.filter((r) => r.error === undefined);
  const sum = (f: (r: SyntheticSeriesResult) => number): number => ok.reduce((a, r) => a + f(r), 0);
  const tp = sum((r) => r.point_tp);
  const fp = sum((r) => r.point_fp);
  const fn = sum((r) => r.point_fn);
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const covPts = sum((r) => r.coverage_points);
  const events = sum((r) => r.events_total);
  const days = sum((r) => r.test_days);
  return {
    event_recall: round(events > 0 ? sum((r) => r.events_detected) / events : 0),
    false_alarms_per_series_day: round(days > 0 ? sum((r) => r.false_alarm_episodes) / days : 0),
    point_f1: round(precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0),
    point_precision: round(precision),
    point_recall: round(recall),
    interval_coverage: round(covPts > 0 ? sum((r) => r.interval_coverage * r.coverage_points) / covPts : 0),
    mae_over_noise: round(ok.length > 0 ? sum((r) => r.mae / r.noise_sigma) / ok.length : Number.NaN),
    events_total: events,
    series: ok.length,
    failed_series: rows.length - ok.length,
    wall_s: round(
      rows.reduce((a, r) => a + r.wall_s, 0),
      1,
    ),
  };
}

export interface SyntheticResult {
  readonly summary: Record<ModelName, SyntheticSummary>;
  /** Series left out of every summary because some model failed on them. */
  readonly excluded_series: readonly string[];
  readonly series: readonly SyntheticSeriesResult[];
}

/** Runs every model on every series with the same protocol: split, retrain schedule, interval, episode rule. */
export async function runSynthetic(ctx: BenchContext): Promise<SyntheticResult> {
  await ensureAugurs();
  const rows: SyntheticSeriesResult[] = [];
  const cfg = DEFAULT_CONFIG;
  for (const spec of syntheticSpecs(ctx.quick)) {
    const points = Math.round((spec.days * DAY_MS) / spec.stepMs);
    const g = generateSeries({
      kind: spec.kind,
      seed: spec.seed,
      startMs: BENCH_START_MS,
      stepMs: spec.stepMs,
      points,
      anomalies: spec.anomalies,
      quietStartMs: 6 * 3_600_000,
    });
    const trainPoints = Math.round((spec.trainDays * DAY_MS) / spec.stepMs);
    for (const model of MODEL_NAMES) {
      const forecaster = new TrackingForecaster(forecasterFor(model));
      const base = { series: spec.name, model, noise_sigma: g.noiseSigma };
      try {
        const { value: out, timing } = timeOnce(() =>
          evaluateSeries({
            datasetName: spec.name,
            series: g.series,
            groundTruth: 'labels',
            forecaster,
            detection: cfg.detection,
            // +0.5 so splitIndex's floor lands exactly on trainPoints.
            trainRatio: (trainPoints + 0.5) / points,
            retrainIntervalMs: cfg.model.retrainIntervalMs,
            trainingWindowMs: cfg.model.trainingWindowMs,
            admission: {
              acceptAfterMs: cfg.model.acceptAfterMs,
              maxExcludedFraction: cfg.model.maxExcludedFraction,
            },
          }),
        );
        const r = out.result;
        rows.push({
          ...base,
          events_detected: r.event.detected,
          events_total: r.event.total,
          false_alarm_episodes: r.event.false_alarm_episodes,
          test_days: r.test.days,
          point_tp: r.point.tp,
          point_fp: r.point.fp,
          point_fn: r.point.fn,
          coverage_points: r.forecast.points,
          interval_coverage: r.forecast.interval_coverage,
          mae: r.forecast.mae,
          mean_time_to_detect_s: r.event.mean_time_to_detect_s,
          fits: out.backtest.fits,
          wall_s: round(timing.wallMs / 1000, 2),
        });
        ctx.log(
          `  synthetic ${spec.name} ${model}: events ${r.event.detected}/${r.event.total}, ` +
            `false alarms ${r.event.false_alarm_episodes}, ${(timing.wallMs / 1000).toFixed(1)} s`,
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        ctx.log(`  synthetic ${spec.name} ${model}: FAILED ${message}`);
        rows.push({
          ...base,
          events_detected: 0,
          events_total: 0,
          false_alarm_episodes: 0,
          test_days: 0,
          point_tp: 0,
          point_fp: 0,
          point_fn: 0,
          coverage_points: 0,
          interval_coverage: 0,
          mae: Number.NaN,
          mean_time_to_detect_s: null,
          fits: 0,
          wall_s: 0,
          error: message,
        });
      } finally {
        forecaster.disposeAll();
      }
    }
  }
  // Compare on the same data: a series on which any model failed is left out of every model's summary.
  const excluded = new Set(rows.filter((r) => r.error !== undefined).map((r) => r.series));
  const summary = {} as Record<ModelName, SyntheticSummary>;
  for (const m of MODEL_NAMES) {
    const mine = rows.filter((r) => r.model === m);
    const common = summariseSynthetic(mine.filter((r) => !excluded.has(r.series)));
    summary[m] = { ...common, failed_series: mine.filter((r) => r.error !== undefined).length };
  }
  return { summary, excluded_series: [...excluded], series: rows };
}
