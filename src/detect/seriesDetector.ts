import type { Direction, ScoredPoint } from '../domain/anomaly';
import { DEFAULT_DETECTION_OPTIONS } from './defaults';
import { DriftDetector, type DriftTuning } from './drift';
import { EpisodeTracker, type EpisodeEvent } from './episodes';
import { shrinkToNormal } from './normalScore';
import { OneStepCorrection } from './oneStep';
import { isRare, NO_SPIKE_LEVELS, type SpikeLevels } from './rarity';
import { RunRarity } from './runRarity';
import { DRIFT_LEVEL_K } from '../model/driftLevel';
import {
  deviationScore,
  scorePoint,
  standardisedResidual,
  type ForecastPoint,
  type TailProbability,
} from './score';
import type { DetectionOptions } from './types';

export type { EpisodeEvent } from './episodes';

/** Per-series settings that come from the data and the model rather than from the user. */
export interface SeriesDetectorSettings extends DriftTuning {
  /** Sampling step in ms, to recognise missing samples (see `EpisodeTrackerSettings.stepMs`). */
  readonly stepMs?: number;
}

/** Consecutive exact repeats of a value that flag it as stuck (a frozen exporter, a flatlined sensor). */
export const STUCK_RUN = 6;
/**
 * The repeat rate above which the stuck rule stays off, and the pseudo-count of non-repeating pairs it
 * starts from (so it works from the first samples of a fresh detector, yet a series that repeats itself
 * in its first hundred samples turns it off).
 */
const STUCK_MAX_REPEAT_RATE = 0.005;
const STUCK_PRIOR_PAIRS = 100;

/**
 * A value repeated exactly, sample after sample, in a series that otherwise (almost) never repeats itself
 * is stuck, however plausible the value: noise alone never reproduces a float. Fires from the
 * {@link STUCK_RUN}th equal value in a row, only while at most 0.5% of the consecutive pairs seen outside
 * episodes (plus 100 pseudo-pairs) were exact repeats: a quantised or often-constant series is left to
 * the band.
 */
class StuckValueRule {
  private previous = Number.NaN;
  private run = 0;
  private pairs = 0;
  private repeats = 0;
  /** Repeats of the current run already counted (they are taken back if the run turns out stuck). */
  private pending = 0;
  /** Off while the model's training history shows exact repeats are normal for this series. */
  private repeatsAreNormal = false;

  /**
   * Learns from the training history (the model's `repeatRate`): a series that repeated itself there,
   * such as a staircase or a quantised gauge, does not get stuck-value alarms.
   */
  learn(trainingRepeatRate: number | undefined): void {
    if (trainingRepeatRate === undefined || !Number.isFinite(trainingRepeatRate)) return;
    this.repeatsAreNormal = trainingRepeatRate > STUCK_MAX_REPEAT_RATE;
  }

  /** Feeds the next finite value; true when it is stuck. */
  update(actual: number): boolean {
    const same = actual === this.previous;
    this.previous = actual;
    this.run = same ? this.run + 1 : 0;
    if (!same) this.pending = 0;
    if (this.repeatsAreNormal) return false;
    const before = this.repeats - this.pending;
    const stuck =
      this.run + 1 >= STUCK_RUN &&
      before <= STUCK_MAX_REPEAT_RATE * (this.pairs - this.pending + STUCK_PRIOR_PAIRS);
    if (stuck && this.pending > 0) {
      this.repeats -= this.pending;
      this.pairs -= this.pending;
      this.pending = 0;
    }
    return stuck;
  }

  /**
   * Counts the last value towards the repeat rate, if it belongs to no episode: a stuck run must not
   * teach the rule that this series repeats itself.
   */
  record(trusted: boolean): void {
    if (!trusted) return;
    this.pairs++;
    if (this.run > 0) {
      this.repeats++;
      this.pending++;
    }
  }
}

/** What the detector learns from a newly fitted model (a `FittedModel` fits). */
export interface RefitInfo {
  readonly metrics: { readonly [key: string]: number | undefined };
}

/** The verdict on one observation. */
export interface SeriesObservation {
  readonly scored: ScoredPoint;
  /** Episode this point belongs to, '' if none. */
  readonly episodeId: string;
  /**
   * Earlier points (by timestamp) that joined `episodeId` with this point: the anomalous look-back
   * points of the N-of-M rule. They were reported with '' when observed; a sink that keeps per-point
   * episode ids should rewrite them.
   */
  readonly joinedMs: readonly number[];
  readonly events: readonly EpisodeEvent[];
}

/** Column-wise forecast input for `observeMany` (a `Forecast` fits). */
export interface ForecastColumns {
  readonly yhat: ArrayLike<number>;
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
  readonly scale: ArrayLike<number>;
}

/** The verdicts on a run of observations, with look-back joins already applied to `episodeIds`. */
export interface SeriesBatchResult {
  readonly scored: ScoredPoint[];
  /** Episode id per observation, '' if none; includes look-back points that joined later in the batch. */
  readonly episodeIds: string[];
  /** Joins of points observed in earlier calls (not in this batch), to rewrite downstream. */
  readonly earlierJoins: { readonly timestampMs: number; readonly episodeId: string }[];
  readonly events: EpisodeEvent[];
}

/**
 * Detection for one series: scores each point against its forecast, runs the residual drift detector
 * and tracks episodes. Pure and stateful; state carries across calls, so feeding points one at a time or
 * in batches of any size gives identical results.
 *
 * Points are judged against the one-step-corrected forecast (`OneStepCorrection`, once the residual
 * autocorrelation φ is known from the settings or the model) so persistent residuals do not read as
 * incidents; the drift CUSUM runs on the residual against the model itself, widened for φ; and a value
 * repeated exactly for `STUCK_RUN` samples in a series that never repeats itself counts as drifting
 * (a stuck exporter or sensor, however plausible its value).
 *
 * A missing observation (`actual` or `yhat` not finite) is scored 0 with confidence 0, never anomalous;
 * it feeds neither the drift detector nor the N-of-M window, but its timestamp still lets a closing
 * episode close on time.
 */
export class SeriesDetector {
  readonly seriesId: string;
  private readonly options: DetectionOptions;
  private readonly settings: SeriesDetectorSettings;
  private drift: DriftDetector;
  private readonly oneStep: OneStepCorrection;
  private readonly tracker: EpisodeTracker;
  private lastTimestampMs = Number.NEGATIVE_INFINITY;
  private readonly stuck = new StuckValueRule();
  private spikeLevels: SpikeLevels = NO_SPIKE_LEVELS;
  private readonly runRarity: RunRarity;

  /**
   * @param seriesId canonical series id; episode ids are `${seriesId}:${startMs}`
   * @param options detection options (validated by config); default DEFAULT_DETECTION_OPTIONS
   */
  constructor(
    seriesId: string,
    options: DetectionOptions = DEFAULT_DETECTION_OPTIONS,
    settings: SeriesDetectorSettings = {},
  ) {
    this.seriesId = seriesId;
    this.options = options;
    this.settings = settings;
    this.drift = new DriftDetector(options.drift, settings);
    this.oneStep = new OneStepCorrection(settings.stepMs);
    this.oneStep.reset(settings.residualAutocorrelation ?? 0);
    this.runRarity = new RunRarity(options.episode.window, options.episode.minPoints, settings.stepMs);
    this.tracker = new EpisodeTracker(seriesId, options.episode, {
      severity: options.severity,
      ...(settings.stepMs !== undefined ? { stepMs: settings.stepMs } : {}),
    });
  }

  /** The episode in progress (open or closing), if any. */
  get currentEpisode(): EpisodeEvent['episode'] | undefined {
    return this.tracker.currentEpisode;
  }

  /**
   * Scores one observation and advances drift and episode state.
   *
   * @param timestampMs epoch ms; must increase. A point not after the previous one (a duplicate or a late
   *   arrival) is scored but changes no drift or episode state and belongs to no episode.
   * @param actual observed value; NaN = missing
   * @param point the forecast at `timestampMs`
   * @param tailProbability the fitted model's `tailProbability`
   */
  observe(
    timestampMs: number,
    actual: number,
    point: ForecastPoint,
    tailProbability: TailProbability,
  ): SeriesObservation {
    const corrected = this.judgedAgainst(timestampMs, actual, point);
    const base = scorePoint(timestampMs, actual, corrected, tailProbability, this.options);
    if (!(timestampMs > this.lastTimestampMs))
      return { scored: base, episodeId: '', joinedMs: [], events: [] };
    this.lastTimestampMs = timestampMs;
    // Drift and the AR state work on the residual against the model itself.
    const z = standardisedResidual(actual, point);
    if (Number.isNaN(z)) {
      this.oneStep.update(timestampMs, z, false);
      return { scored: base, episodeId: '', joinedMs: [], events: this.tracker.tick(timestampMs) };
    }
    const stuck = this.stuck.update(actual);
    const drift = this.drift.update(shrinkToNormal(z, tailProbability)).drift || stuck;
    const scored: ScoredPoint = drift ? { ...base, drift } : base;
    const runRare = this.runRarity.observe(timestampMs, Math.abs(standardisedResidual(actual, corrected)));
    const deviation = actual - corrected.yhat;
    const sign: Direction = deviation > 0 ? 1 : deviation < 0 ? -1 : 0;
    const step = this.tracker.observe({
      timestampMs,
      score: scored.score,
      threshold: scored.threshold,
      isAnomaly: scored.isAnomaly,
      drift,
      sign,
      // Only asked where the spike rule could fire: a tail probability per point is not free.
      rare:
        scored.score >= this.options.episode.immediateScore &&
        isRare(actual, corrected, point, tailProbability, this.spikeLevels),
      runRare,
    });
    this.oneStep.update(timestampMs, z, step.episodeId === '');
    this.stuck.record(step.episodeId === '');
    return { scored, episodeId: step.episodeId, joinedMs: step.joinedMs, events: step.events };
  }

  /**
   * The forecast point a value is judged against: the one-step-corrected point (see `OneStepCorrection`),
   * except that a value that moved from the corrected forecast back towards the model's own forecast,
   * ending up closer to it than the corrected forecast was and inside the model's band, is judged against
   * the model: a return to the seasonal normal (a heap dropping back after GC, the end of a noisy
   * excursion) is no incident, while a jump past the model's forecast to the other side (a spike from a
   * low) is still judged against the corrected point.
   */
  private judgedAgainst(timestampMs: number, actual: number, point: ForecastPoint): ForecastPoint {
    const corrected = this.oneStep.correct(timestampMs, point);
    if (corrected === point) return point;
    const towardModel =
      (actual - corrected.yhat) * (point.yhat - corrected.yhat) > 0 &&
      Math.abs(actual - point.yhat) < Math.abs(corrected.yhat - point.yhat);
    return towardModel && deviationScore(actual, point) <= this.options.thresholdMultiplier
      ? point
      : corrected;
  }

  /**
   * Observes a run of points (e.g. a whole test period) exactly as repeated `observe` calls would, and
   * applies look-back joins to the returned ids.
   */
  observeMany(
    timestampsMs: ArrayLike<number>,
    actual: ArrayLike<number>,
    forecast: ForecastColumns,
    tailProbability: TailProbability,
  ): SeriesBatchResult {
    const n = timestampsMs.length;
    const scored: ScoredPoint[] = new Array<ScoredPoint>(n);
    const episodeIds: string[] = new Array<string>(n);
    const earlierJoins: { timestampMs: number; episodeId: string }[] = [];
    const events: EpisodeEvent[] = [];
    // Look-back joins name points by timestamp; they are (almost always) a few points back, so a backward
    // scan finds them at once. No Map: hashing thousands of epoch-ms doubles cost more than scoring.
    let increasing = true;
    for (let i = 0; i < n; i++) {
      const t = timestampsMs[i];
      if (i > 0 && !(t > timestampsMs[i - 1])) increasing = false;
      const result = this.observe(
        t,
        actual[i],
        {
          yhat: forecast.yhat[i],
          lower: forecast.lower[i],
          upper: forecast.upper[i],
          scale: forecast.scale[i],
        },
        tailProbability,
      );
      scored[i] = result.scored;
      episodeIds[i] = result.episodeId;
      for (const joined of result.joinedMs) {
        const j = lastIndexOf(timestampsMs, i, joined, increasing);
        if (j < 0) earlierJoins.push({ timestampMs: joined, episodeId: result.episodeId });
        else episodeIds[j] = result.episodeId;
      }
      for (const e of result.events) events.push(e);
    }
    return { scored, episodeIds, earlierJoins, events };
  }

  /** Applies the passage of time with no observation (see `EpisodeTracker.tick`). */
  tick(nowMs: number): EpisodeEvent[] {
    return this.tracker.tick(nowMs);
  }

  /** Closes the episode in progress, if any (end of a batch evaluation). */
  finish(): EpisodeEvent[] {
    return this.tracker.finish();
  }

  /**
   * Call after the series' model is (re)fitted: clears the drift detector's sums and alarm, which were
   * built on the old model's residuals. Episodes are left alone; one in progress closes by its rules.
   * When the model reports the lag-1 autocorrelation of its out-of-sample residuals
   * (`metrics.residualLag1`), the drift detector and the one-step correction adopt it (with
   * `metrics.residualOneStepRatio`), overriding the constructor's setting; otherwise they keep theirs.
   */
  onRefit(model?: RefitInfo): void {
    this.stuck.learn(model?.metrics.repeatRate);
    this.spikeLevels = learnSpikeLevels(model?.metrics);
    this.runRarity.learn(model?.metrics.runLevel);
    const phi = model?.metrics.residualLag1;
    if (phi !== undefined && Number.isFinite(phi)) {
      this.drift = new DriftDetector(this.options.drift, {
        ...this.settings,
        residualAutocorrelation: phi,
        minThreshold: learnDriftLevel(model?.metrics.driftLevel, this.options.drift.k),
      });
      this.oneStep.reset(phi, model?.metrics.residualOneStepRatio);
    } else {
      this.drift.reset();
      this.oneStep.forget();
    }
  }
}

/**
 * The model's drift level (model/driftLevel.ts), learnt for the default allowance: with another k the
 * sums climb differently and the level would answer a different question, so it is not used.
 */
function learnDriftLevel(level: number | undefined, k: number): number {
  return k === DRIFT_LEVEL_K && level !== undefined && Number.isFinite(level) && level > 0 ? level : 0;
}

/** The model's spike levels (model/spikeLevel.ts); none for models without them (older files, augurs). */
function learnSpikeLevels(metrics: RefitInfo['metrics'] | undefined): SpikeLevels {
  const upper = metrics?.spikeUpper;
  const lower = metrics?.spikeLower;
  return {
    upper: upper !== undefined && Number.isFinite(upper) ? Math.max(0, upper) : 0,
    lower: lower !== undefined && Number.isFinite(lower) ? Math.min(0, lower) : 0,
  };
}

/**
 * The largest index j <= last with timestamps[j] === t, or -1. While the timestamps so far are strictly
 * increasing the scan stops at the first earlier timestamp.
 */
function lastIndexOf(timestamps: ArrayLike<number>, last: number, t: number, increasing: boolean): number {
  for (let j = last; j >= 0; j--) {
    const tj = timestamps[j];
    if (tj === t) return j;
    if (increasing && tj < t) return -1;
  }
  return -1;
}
