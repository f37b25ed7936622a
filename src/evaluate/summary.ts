import type { EvaluatedPoints, EvaluationResult } from './types';
import type { TimeRange } from './events';
import { eventMetrics, labelsFromWindows } from './events';
import { forecastMetrics } from './forecastMetrics';
import { pointMetrics } from './pointMetrics';
import {
  DEFAULT_MAX_CURVE_POINTS,
  DEFAULT_SWEEP_THRESHOLDS,
  prAuc,
  prCurve,
  rocAuc,
  rocCurve,
  thresholdSweep,
} from './ranking';

/** The parts of an EvaluationResult that summariseEvaluation computes. */
export type EvaluationSummary = Pick<
  EvaluationResult,
  'point' | 'event' | 'forecast' | 'roc_auc' | 'pr_auc' | 'roc' | 'pr' | 'threshold_sweep'
>;

/** Inputs of {@link summariseEvaluation}. */
export interface SummariseInput {
  /** The evaluated (test) points. Ground truth is `points.label`, or `windows` when given. */
  readonly points: EvaluatedPoints;
  /** Predicted episodes [startMs, endMs]; derived as maximal runs of flagged points when absent. */
  readonly episodes?: readonly TimeRange[];
  /** Ground-truth windows [startMs, endMs]; when given they define both events and point labels. */
  readonly windows?: readonly TimeRange[];
  /** Evaluated days for false alarms per day; defaults to the span of the points plus one step. */
  readonly days?: number;
  /** Score thresholds of the sweep; default 0.5..5 step 0.25. */
  readonly thresholds?: readonly number[];
  /** Maximum points per plotted curve; default 200. */
  readonly maxCurvePoints?: number;
}

/**
 * Builds the metric parts of an EvaluationResult from the evaluated points.
 *
 * Without ground truth (no label, no windows) every point counts as normal: point and event metrics then
 * only measure false alarms, roc_auc / pr_auc are null, curves are empty and the sweep is empty.
 * Forecast metrics always use the points not labelled anomalous.
 */
export function summariseEvaluation(input: SummariseInput): EvaluationSummary {
  const { points } = input;
  const label = input.windows ? labelsFromWindows(points.timestampsMs, input.windows) : points.label;
  const hasTruth = label !== undefined;
  const truth = label ?? new Uint8Array(points.timestampsMs.length);
  const maxPoints = input.maxCurvePoints ?? DEFAULT_MAX_CURVE_POINTS;

  return {
    point: pointMetrics(points.isAnomaly, truth),
    event: eventMetrics({
      timestampsMs: points.timestampsMs,
      flagged: points.isAnomaly,
      label: truth,
      ...(input.windows ? { windows: input.windows } : {}),
      ...(input.episodes ? { episodes: input.episodes } : {}),
      ...(input.days !== undefined ? { days: input.days } : {}),
    }),
    forecast: forecastMetrics({
      actual: points.actual,
      forecast: points.forecast,
      lower: points.lower,
      upper: points.upper,
      ...(points.modelLower && points.modelUpper
        ? { modelLower: points.modelLower, modelUpper: points.modelUpper }
        : {}),
      label: truth,
    }),
    roc_auc: rocAuc(points.score, truth),
    pr_auc: prAuc(points.score, truth),
    roc: rocCurve(points.score, truth, maxPoints),
    pr: prCurve(points.score, truth, maxPoints),
    threshold_sweep: hasTruth
      ? thresholdSweep(points.score, truth, input.thresholds ?? DEFAULT_SWEEP_THRESHOLDS)
      : [],
  };
}
