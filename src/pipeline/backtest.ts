import type { Episode } from '../domain/anomaly';
import type { LabelledSeries } from '../domain/timeSeries';
import type { EvaluatedPoints } from '../evaluate/types';
import type { FittedModel, Forecaster } from '../model/types';
import type { RefitAdmission } from './refitAdmission';
import { SeriesRunner, type PointDetector } from './seriesRunner';

export interface BacktestOptions {
  /** Fraction of the points used for the initial fit, in (0, 1). */
  readonly trainRatio: number;
  readonly retrainIntervalMs: number;
  readonly trainingWindowMs: number;
  /** Which episode points refits learn from after all (default DEFAULT_REFIT_ADMISSION). */
  readonly admission?: RefitAdmission;
  /** Use this model for the initial fit instead of fitting (a `train` model file). */
  readonly initialModel?: FittedModel;
  /** A fresh detector to screen the training part with before the initial fit (see `SeriesRunner.fit`). */
  readonly screenDetector?: () => PointDetector;
  /** Called after each streamed chunk with (points done, points total), for progress bars. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BacktestResult {
  /** The model fitted on the training part (the one `train` saves). */
  readonly initialModel: FittedModel;
  /** Index of the first evaluated point. */
  readonly testStart: number;
  /** The evaluated (test) part, point by point. */
  readonly points: EvaluatedPoints;
  /**
   * 1 at the point where an episode opened (the moment an alert would fire), 0 elsewhere. This, not the
   * episode's back-dated start, is when a user learns of the anomaly.
   */
  readonly alerts: Uint8Array;
  /** Final state of every episode seen in the test part, in start order. */
  readonly episodes: readonly Episode[];
  /** Number of fits, the initial one included. */
  readonly fits: number;
}

/** Index where the test part starts for a given ratio; always leaves >= 1 point on each side. */
export function splitIndex(n: number, trainRatio: number): number {
  return Math.min(n - 1, Math.max(1, Math.floor(n * trainRatio)));
}

/**
 * Out-of-sample evaluation exactly as the daemon would run: fit on the first part, then stream the rest
 * point by point through the same SeriesRunner, refitting on the same schedule. Labels never reach the
 * model: only timestamps and values do.
 */
export function runBacktest(
  series: LabelledSeries,
  forecaster: Forecaster,
  detector: PointDetector,
  options: BacktestOptions,
): BacktestResult {
  const n = series.timestampsMs.length;
  if (n < 2) throw new RangeError(`a backtest needs at least 2 points, got ${n}`);
  const testStart = splitIndex(n, options.trainRatio);
  const runner = new SeriesRunner('backtest', forecaster, detector, {
    stepMs: series.stepMs,
    retrainIntervalMs: options.retrainIntervalMs,
    trainingWindowMs: options.trainingWindowMs,
    ...(options.admission ? { admission: options.admission } : {}),
    ...(options.screenDetector ? { screenDetector: options.screenDetector } : {}),
  });
  const ts = series.timestampsMs;
  runner.load({ timestampsMs: ts.subarray(0, testStart), values: series.values.subarray(0, testStart) });
  const lastTrainMs = ts[testStart - 1];
  const initialModel = options.initialModel ?? runner.fit(lastTrainMs);
  if (options.initialModel) runner.useModel(options.initialModel, lastTrainMs);

  const m = n - testStart;
  const actual = new Float64Array(m);
  const forecast = new Float64Array(m).fill(NaN);
  const lower = new Float64Array(m).fill(NaN);
  const upper = new Float64Array(m).fill(NaN);
  const modelLower = new Float64Array(m).fill(NaN);
  const modelUpper = new Float64Array(m).fill(NaN);
  const score = new Float64Array(m);
  const isAnomaly = new Uint8Array(m);
  const episodeId: string[] = new Array<string>(m).fill('');
  const alerts = new Uint8Array(m);
  const episodes = new Map<string, Episode>();

  let i = testStart;
  while (i < n) {
    // Refit before the first point at or past the schedule, on everything seen so far.
    if (i > testStart && runner.refitDue(ts[i])) runner.fit(ts[i]);
    let j = i + 1;
    while (j < n && !runner.refitDue(ts[j])) j++;
    const obs = runner.observeBatch(ts.subarray(i, j), series.values.subarray(i, j));
    for (let k = 0; k < obs.length; k++) {
      const o = obs[k];
      const at = i + k - testStart;
      actual[at] = o.actual;
      if (o.forecast) {
        forecast[at] = o.forecast.yhat;
        lower[at] = o.forecast.lower;
        upper[at] = o.forecast.upper;
      }
      if (o.model) {
        modelLower[at] = o.model.lower;
        modelUpper[at] = o.model.upper;
      }
      if (o.scored) score[at] = o.scored.score;
      // A point is flagged when it belongs to an episode: episodes are what users are alerted on, so
      // isolated exceedances that never form one are not counted as detections.
      isAnomaly[at] = o.episodeId !== '' ? 1 : 0;
      episodeId[at] = o.episodeId;
      // The look-back points that opened this episode were observed before it existed: assign them now.
      for (const joined of o.joinedMs) {
        for (let b = at - 1; b >= 0 && ts[testStart + b] >= joined; b--) {
          if (ts[testStart + b] === joined) {
            episodeId[b] = o.episodeId;
            isAnomaly[b] = 1;
          }
        }
      }
      for (const e of o.events) {
        episodes.set(e.episode.id, e.episode);
        if (e.kind === 'opened') alerts[at] = 1;
      }
    }
    i = j;
    options.onProgress?.(i - testStart, m);
  }

  return {
    initialModel,
    testStart,
    alerts,
    points: {
      timestampsMs: ts.slice(testStart),
      actual,
      forecast,
      lower,
      upper,
      modelLower,
      modelUpper,
      score,
      isAnomaly,
      ...(series.labels ? { label: series.labels.slice(testStart) } : {}),
      episodeId,
    },
    episodes: [...episodes.values()].sort((a, b) => a.startMs - b.startMs),
    fits: runner.fitCount,
  };
}
