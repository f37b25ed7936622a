import type { DetectionOptions } from '../detect/types';
import { SeriesDetector } from '../detect/seriesDetector';
import type { LabelledSeries } from '../domain/timeSeries';
import { injectAnomalies, type InjectedEvent } from '../evaluate/inject';
import { labelsFromWindows, unionLabels, type TimeRange } from '../evaluate/events';
import { nabScores } from '../evaluate/nab';
import { summariseEvaluation } from '../evaluate/summary';
import type { EpisodeSummary, EvaluatedPoints, EvaluationResult } from '../evaluate/types';
import type { Forecaster } from '../model/types';
import type { PointDetector } from './seriesRunner';
import { runBacktest, splitIndex, type BacktestOptions, type BacktestResult } from './backtest';

export type GroundTruth = EvaluationResult['ground_truth'];

/** A series to evaluate, its ground truth, and the backtest's options (split, refits, admission). */
export interface EvaluationInput extends BacktestOptions {
  readonly datasetName: string;
  /** The series as evaluated (after any injection), with labels when there is ground truth. */
  readonly series: LabelledSeries;
  readonly groundTruth: GroundTruth;
  /** NAB-style windows (enables the NAB score); takes precedence over labels. */
  readonly windows?: readonly TimeRange[];
  readonly forecaster: Forecaster;
  readonly detection: DetectionOptions;
  /** The detector to stream through (default a SeriesDetector with `detection`): diagnostics wrap it. */
  readonly detector?: PointDetector;
}

export interface EvaluationOutput {
  readonly result: EvaluationResult;
  readonly points: EvaluatedPoints;
  readonly backtest: BacktestResult;
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

/**
 * Runs the out-of-sample backtest and measures it. Pure: the caller reads files and writes reports.
 */
export function evaluateSeries(input: EvaluationInput): EvaluationOutput {
  const { series } = input;
  const backtest = runBacktest(
    series,
    input.forecaster,
    input.detector ?? new SeriesDetector('eval', input.detection, { stepMs: series.stepMs }),
    {
      trainRatio: input.trainRatio,
      retrainIntervalMs: input.retrainIntervalMs,
      trainingWindowMs: input.trainingWindowMs,
      ...(input.admission ? { admission: input.admission } : {}),
      ...(input.initialModel ? { initialModel: input.initialModel } : {}),
      // The training part is screened by a plain detector of the same options (a diagnosis wrapper around
      // `input.detector` must not see the replay).
      screenDetector: () => new SeriesDetector('screen', input.detection, { stepMs: series.stepMs }),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    },
  );
  const ts = backtest.points.timestampsMs;
  const windows = input.windows?.filter(([s, e]) => e >= ts[0] && s <= ts[ts.length - 1]);
  // Windows become per-point labels too (merged with any label column), so charts and point metrics see them.
  const points: EvaluatedPoints = windows
    ? { ...backtest.points, label: unionLabels(backtest.points.label, labelsFromWindows(ts, windows)) }
    : backtest.points;
  const truthLabels = input.groundTruth === 'none' ? undefined : points.label;
  const scoredPoints: EvaluatedPoints = truthLabels ? points : withoutLabel(points);

  const episodeRanges: Array<readonly [number, number]> = backtest.episodes.map((e) => [e.startMs, e.endMs]);
  const summary = summariseEvaluation({
    points: scoredPoints,
    episodes: episodeRanges,
    ...(windows ? { windows } : {}),
  });

  const n = series.timestampsMs.length;
  const testStart = backtest.testStart;
  const testDays = ts.length > 0 ? (ts[ts.length - 1] - ts[0] + series.stepMs) / 86_400_000 : 0;
  const episodes: EpisodeSummary[] = backtest.episodes.map((e) => ({
    id: e.id,
    start_ms: e.startMs,
    end_ms: e.endMs,
    peak_score: e.peakScore,
    severity: e.severity,
    direction: e.direction,
    cause: e.cause,
    matched: truthLabels ? overlapsTruth(e.startMs, e.endMs, ts, truthLabels) : null,
  }));

  const model = backtest.initialModel;
  const result: EvaluationResult = {
    dataset: input.datasetName,
    model: {
      kind: model.kind,
      components: [...model.components],
      step_s: series.stepMs / 1000,
      scale: model.valueTransform !== undefined ? 'log' : 'linear',
    },
    train: {
      points: testStart,
      start: iso(series.timestampsMs[0]),
      end: iso(series.timestampsMs[testStart - 1]),
    },
    test: { points: n - testStart, start: iso(ts[0]), end: iso(ts[ts.length - 1]), days: testDays },
    ground_truth: input.groundTruth,
    interval_width: model.intervalWidth,
    threshold_multiplier: input.detection.thresholdMultiplier,
    ...summary,
    // NAB over the evaluated part: the training part plays NAB's probationary role, and a detection is
    // the moment an episode opens (when the alert fires), as NAB counts each flagged row.
    ...(windows
      ? { nab: nabScores([{ timestampsMs: ts, windows, scores: Float64Array.from(backtest.alerts) }], 0) }
      : {}),
    episodes,
  };
  return { result, points, backtest };
}

function withoutLabel(points: EvaluatedPoints): EvaluatedPoints {
  const { label: _label, ...rest } = points;
  return rest;
}

function overlapsTruth(startMs: number, endMs: number, ts: Float64Array, labels: Uint8Array): boolean {
  for (let i = 0; i < ts.length; i++) {
    if (ts[i] > endMs) break;
    if (ts[i] >= startMs && labels[i] === 1) return true;
  }
  return false;
}

/** `--inject N` anomalies, or enough anomalies that about `fraction` of the evaluated points are anomalous. */
export type InjectionSpec = { readonly count: number } | { readonly fraction: number };

export interface InjectionOutcome {
  readonly series: LabelledSeries;
  readonly events: readonly InjectedEvent[];
}

/**
 * Plants seeded anomalies in the evaluated (test) part only, on top of any existing labels, so the
 * training part stays as recorded and every injected point is scored out of sample.
 */
export function injectIntoTestPart(
  series: LabelledSeries,
  spec: InjectionSpec,
  seed: number,
  trainRatio: number,
): InjectionOutcome {
  const n = series.timestampsMs.length;
  const testStart = splitIndex(n, trainRatio);
  const avoid = new Uint8Array(n);
  avoid.fill(1, 0, testStart);
  if (series.labels) for (let i = 0; i < n; i++) if (series.labels[i]) avoid[i] = 1;
  const run = (count: number) => injectAnomalies(series, { count, seed, avoid });
  let injected;
  if ('count' in spec) {
    injected = run(spec.count);
  } else {
    // Calibrate the count once: anomaly lengths vary by type, so measure points per anomaly on a trial.
    const target = spec.fraction * (n - testStart);
    const trial = run(Math.max(1, Math.round(target / 6)));
    const labelled = trial.labels.reduce((a, b) => a + b, 0);
    const perEvent = trial.events.length > 0 ? labelled / trial.events.length : 6;
    injected = run(Math.max(1, Math.round(target / perEvent)));
  }
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = (series.labels?.[i] ?? 0) | injected.labels[i];
  return {
    series: { timestampsMs: series.timestampsMs, values: injected.values, stepMs: series.stepMs, labels },
    events: injected.events,
  };
}
