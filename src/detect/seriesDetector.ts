import type { Direction, ScoredPoint } from '../domain/anomaly';
import { DEFAULT_DETECTION_OPTIONS } from './defaults';
import { DriftDetector, type DriftTuning } from './drift';
import { EpisodeTracker, type EpisodeEvent, type EpisodeStep, type TrackedPoint } from './episodes';
import { shrinkToNormal, shrinkToNormalOfTail } from './normalScore';
import { type MutableForecastPoint, OneStepCorrection } from './oneStep';
import { isRare, NO_SPIKE_LEVELS, type SpikeLevels } from './rarity';
import { VarianceBurstDetector } from './varianceBurst';
import { SustainedShiftDetector } from './sustainedShift';
import { RunRarity } from './runRarity';
import { TRUSTED_CLIP } from '../model/spikeLevel';
import { ResetPredictor } from './resetPredictor';
import { DRIFT_LEVEL_K } from '../model/driftLevel';
import { routineResetDirection } from '../model/resets';
import {
  deviationScore,
  emptyPointScore,
  scoreWithTail,
  scoredPointOf,
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
 * Long runs of equal values (as long as a stuck run) per day of training history above which they are
 * normal for the series: a staircase or an often-idle gauge has them every day, while an exporter that froze
 * once or twice in a two-week history (0.07-0.14 a day) is exactly what the rule is for.
 */
const STUCK_MAX_LONG_RUNS_PER_DAY = 0.5;
/**
 * Share of the training history inside long runs above which constancy is normal for the series (a
 * constant or mostly idle series), however few the runs: one stuck exporter for 6 hours of 14 days is 1.8%.
 */
const STUCK_MAX_LONG_RUN_SHARE = 0.25;

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
   * Learns from the training history: a series that repeated itself there, such as a staircase or a
   * quantised gauge, does not get stuck-value alarms. With the model's split of repeats
   * (`shortRepeatRate`, `longRunsPerDay`, `longRunShare`), short repeats, frequent long runs and a mostly
   * constant history count but a rare long run (a stuck exporter in the history) does not; otherwise the
   * overall `repeatRate` decides.
   */
  learn(metrics: RefitInfo['metrics'] | undefined): void {
    const short = metrics?.shortRepeatRate;
    const longRuns = metrics?.longRunsPerDay;
    const longShare = metrics?.longRunShare;
    const known = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
    if (known(short) && known(longRuns) && known(longShare)) {
      this.repeatsAreNormal =
        short > STUCK_MAX_REPEAT_RATE ||
        longRuns > STUCK_MAX_LONG_RUNS_PER_DAY ||
        longShare > STUCK_MAX_LONG_RUN_SHARE;
      return;
    }
    const rate = metrics?.repeatRate;
    if (rate === undefined || !Number.isFinite(rate)) return;
    this.repeatsAreNormal = rate > STUCK_MAX_REPEAT_RATE;
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

/**
 * A routine reset lands within this many of the model's half-bands: a seasonal model cannot know where in
 * its sawtooth a heap is, so its band covers the bottom of the sawtooth only roughly; a crash to zero is no
 * GC.
 */
const RESET_MAX_MODEL_SCORE = 2;
/**
 * A routine reset is at least this share of the median size of the training history's resets (the model's
 * `resetUpSize` / `resetDownSize`, when known): a GC drops the whole growth of its cycle, 0.6-1.4 times
 * the typical one on the simulated heap, while a 5-10σ dip of the noise is far smaller and is news.
 */
const RESET_MIN_SIZE_SHARE = 0.5;

/** Lag-1 autocorrelation of the model residual from which the reset predictor is used (see `onRefit`). */
const RESET_PREDICTOR_MIN_PHI = 0.9;

/** `oneStepTailRatio` of Gaussian errors: the 95% quantile of |N(0, 1)| over its median, 1.960 / 0.6745. */
const GAUSSIAN_TAIL_RATIO = 1.96 / 0.6745;

/**
 * The verdict `judge` leaves for its caller, shared by every detector: scoring is synchronous and each
 * caller copies the verdict out before the next point is judged, so one object serves 10,000 series.
 */
const VERDICT = emptyPointScore();

/** The step of a point that changes no state (a late one): nothing joined, no events. */
const NO_JOINS: readonly number[] = [];
const NO_STEP: EpisodeStep = { episodeId: '', joinedMs: NO_JOINS, events: [] };

/** What the detector learns from a newly fitted model (a `FittedModel` fits). */
export interface RefitInfo {
  readonly metrics: { readonly [key: string]: number | undefined };
  /** See `FittedModel.shiftTailProbability`; without it the shift rule reads the per-point one. */
  shiftTailProbability?(z: number): number;
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
 * Per-point verdicts of `observeColumns`, one entry per observation of the run (the first `n` entries when
 * the columns are longer). Pass them back to the next call to score run after run without new columns.
 */
export interface ScoreColumns {
  /** `ScoredPoint.score`. */
  readonly score: Float64Array;
  /** `ScoredPoint.confidence`. */
  readonly confidence: Float64Array;
  /** The forecast each point was judged against (one-step corrected): `ScoredPoint.yhat/lower/upper`. */
  readonly yhat: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** `SCORE_ANOMALY` when `ScoredPoint.isAnomaly`, plus `SCORE_DRIFT` when `ScoredPoint.drift`. */
  readonly flags: Uint8Array;
  /** `ScoredPoint.direction`. */
  readonly direction: Int8Array;
  /** Episode id per observation, '' if none; includes look-back points that joined later in the run. */
  readonly episodeIds: string[];
}

/** Bits of `ScoreColumns.flags`. */
export const SCORE_ANOMALY = 1;
export const SCORE_DRIFT = 2;

/** Columns for runs of up to `capacity` observations. */
export function scoreColumns(capacity: number): ScoreColumns {
  return {
    score: new Float64Array(capacity),
    confidence: new Float64Array(capacity),
    yhat: new Float64Array(capacity),
    lower: new Float64Array(capacity),
    upper: new Float64Array(capacity),
    flags: new Uint8Array(capacity),
    direction: new Int8Array(capacity),
    episodeIds: new Array<string>(capacity).fill(''),
  };
}

/** The verdicts of `observeColumns`: the columns, and what is not per point. */
export interface SeriesColumnsResult {
  readonly columns: ScoreColumns;
  /** Joins of points observed in earlier calls (not in this run), to rewrite downstream. */
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
  /**
   * The one-step prediction used instead of `oneStep` on a series with routine resets (see `onRefit`).
   * Created by the first model that asks for it: most series never reset, and at 10,000 series every
   * per-series object counts against the daemon's memory bar.
   */
  private resetPredictor: ResetPredictor | undefined;
  /** CUSUM of the reset predictor's one-step errors (see `leaking`); only while the predictor is in use. */
  private leak: DriftDetector | undefined;
  private readonly tracker: EpisodeTracker;
  private lastTimestampMs = Number.NEGATIVE_INFINITY;
  private readonly stuck = new StuckValueRule();
  private spikeLevels: SpikeLevels = NO_SPIKE_LEVELS;
  /**
   * The model's `shiftTailProbability`, which the sustained-shift rule reads residuals under, if it has one
   * (bound once per refit, so the per-point path allocates nothing).
   */
  private shiftTail: TailProbability | undefined;
  private singleLevels: SpikeLevels | undefined;
  private readonly burst: VarianceBurstDetector;
  private readonly shift: SustainedShiftDetector;
  /** Direction of the series' routine resets (see `onRefit`), 0 when it has none. */
  private resetDirection: Direction = 0;
  /** The model's forecast at the previous sample, to tell a step in the model from one in the series. */
  private previousModelYhat = Number.NaN;
  private previousModelMs = Number.NEGATIVE_INFINITY;
  /** Median size of the routine resets in the training history (model z units), 0 when unknown. */
  private resetSize = 0;
  private readonly runRarity: RunRarity;
  /**
   * Set by `judgedAgainst`: its point is the model's because of a routine reset (a field, not part of a
   * returned pair, so the per-point path allocates nothing for it).
   */
  private judgedReset = false;
  /** Scratch for the one-step-corrected point: it is read while judging one point and never kept. */
  private readonly correctedPoint: MutableForecastPoint = { yhat: 0, lower: 0, upper: 0, scale: 0 };
  /** Scratch for the episode tracker's input: the tracker copies what it keeps, so one object serves all. */
  private readonly tracked: { -readonly [K in keyof TrackedPoint]-?: TrackedPoint[K] } = {
    timestampMs: 0,
    score: 0,
    threshold: 0,
    isAnomaly: false,
    drift: false,
    sign: 0,
    rare: true,
    runRare: true,
  };

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
    // A trusted residual carries at most 2 one-step sds of innovation (the band edge), so a level shift is
    // not absorbed before its N-of-M window fills (clip 3 let a 3σ shift through in two or three samples).
    // (The model replays its history with the same limit to learn the one-step spike levels.)
    this.oneStep = new OneStepCorrection(settings.stepMs, TRUSTED_CLIP);
    this.oneStep.reset(settings.residualAutocorrelation ?? 0);
    this.burst = new VarianceBurstDetector(settings.stepMs);
    this.shift = new SustainedShiftDetector(settings.stepMs);
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
    const step = this.judge(timestampMs, actual, point, tailProbability);
    return {
      scored: scoredPointOf(timestampMs, actual, VERDICT, this.options),
      episodeId: step.episodeId,
      joinedMs: step.joinedMs,
      events: step.events,
    };
  }

  /**
   * `observe` without the objects: the verdict on the point is left in `VERDICT` (read it before the
   * next call) and the episode step is returned, so `observeColumns` scores a run without an object per
   * ordinary point.
   */
  private judge(
    timestampMs: number,
    actual: number,
    point: ForecastPoint,
    tailProbability: TailProbability,
  ): EpisodeStep {
    const corrected = this.judgedAgainst(timestampMs, actual, point);
    const reset = this.judgedReset;
    if (timestampMs > this.lastTimestampMs && Number.isFinite(point.yhat)) {
      this.previousModelYhat = point.yhat;
      this.previousModelMs = timestampMs;
    }
    const scored = VERDICT;
    // The residual against the point judged (one-step corrected): its tail probability is the confidence,
    // and the leak and run rules read it. Against the model's own point (no correction applies: a fresh
    // model, a gap, φ = 0) it is also the residual the drift rules read, and its tail is asked once.
    const judgedZ = standardisedResidual(actual, corrected);
    const judgedTail = Number.isFinite(judgedZ) ? tailProbability(judgedZ) : Number.NaN;
    scoreWithTail(scored, actual, corrected, judgedZ, judgedTail, this.options);
    if (!(timestampMs > this.lastTimestampMs)) return NO_STEP;
    this.lastTimestampMs = timestampMs;
    // Drift and the AR state work on the residual against the model itself.
    const z = corrected === point ? judgedZ : standardisedResidual(actual, point);
    if (Number.isNaN(z)) return this.missing(timestampMs, z);
    const stuck = this.stuck.update(actual);
    const burst = this.burst.update(timestampMs, z);
    const normalZ = z === judgedZ ? shrinkToNormalOfTail(z, judgedTail) : shrinkToNormal(z, tailProbability);
    const shiftZ = this.shiftTail !== undefined ? shrinkToNormal(z, this.shiftTail) : normalZ;
    // Not on a series with routine resets: its residual is a sawtooth whose windowed mean swings by its
    // whole height every cycle (on the synthetic heaps the rule doubled false episodes), so no level is news.
    const shifted = this.shift.update(timestampMs, shiftZ) && this.resetDirection === 0;
    const drift =
      this.drift.update(normalZ).drift ||
      stuck ||
      burst ||
      shifted ||
      (this.leak !== undefined && this.leaking(judgedZ, corrected, point));
    scored.drift = drift;
    const runRare = this.runRarity.observe(timestampMs, Math.abs(judgedZ));
    const deviation = actual - corrected.yhat;
    const sign: Direction = deviation > 0 ? 1 : deviation < 0 ? -1 : 0;
    const tracked = this.tracked;
    tracked.timestampMs = timestampMs;
    tracked.score = scored.score;
    tracked.threshold = scored.threshold;
    tracked.isAnomaly = scored.isAnomaly;
    tracked.drift = drift;
    tracked.sign = sign;
    // Only asked where the spike rule could fire: a tail probability per point is not free.
    tracked.rare =
      scored.score >= this.options.episode.immediateScore &&
      this.spikeRare(actual, judgedZ, corrected, point, tailProbability);
    tracked.runRare = runRare;
    const step = this.tracker.observe(tracked);
    this.oneStep.update(timestampMs, z, step.episodeId === '', reset);
    this.resetPredictor?.update(timestampMs, z, step.episodeId === '', reset);
    this.stuck.record(step.episodeId === '');
    return step;
  }

  /*
   * The missing-value branch and the spike rule's rarity gate live outside judge: both are rarely taken, and
   * V8 charges a function's whole bytecode (taken or not) against the inlining budget of the function it is
   * inlined into, so the per-point path stays smaller.
   */

  /** A missing value (z NaN) moves the predictors' clocks and ends the burst rule's differences, nothing else. */
  private missing(timestampMs: number, z: number): EpisodeStep {
    this.oneStep.update(timestampMs, z, false);
    this.resetPredictor?.update(timestampMs, z, false);
    this.burst.update(timestampMs, z);
    return { episodeId: '', joinedMs: NO_JOINS, events: this.tracker.tick(timestampMs) };
  }

  /** The spike rule's rarity gate (see detect/rarity.ts): the one-step levels when learnt, else isRare. */
  private spikeRare(
    actual: number,
    judgedZ: number,
    corrected: ForecastPoint,
    point: ForecastPoint,
    tailProbability: TailProbability,
  ): boolean {
    const levels = this.singleLevels;
    if (levels === undefined) return isRare(actual, corrected, point, tailProbability, this.spikeLevels);
    return judgedZ > 0 ? judgedZ > levels.upper : judgedZ < levels.lower;
  }

  /**
   * The forecast point a value is judged against: the one-step-corrected point (see `OneStepCorrection`),
   * except for a value inside the model's own band that either
   * - moved from the corrected forecast back towards the model's forecast, ending up closer to it than the
   *   corrected forecast was, on a series without routine resets: a return to the seasonal normal (the end of a noisy excursion) is no incident,
   *   while a jump past the model's forecast to the other side (a spike from a low) is still judged against
   *   the corrected point; or
   * - jumped out of the corrected band the way this series routinely jumps (`reset`: a heap dropping back
   *   at GC, learned from the training history's jump rates), even past the model's forecast: that is the
   *   series' normal reset, and the correction restarts from the new value instead of steering back
   *   towards the old level (`judgedReset` is then set).
   */
  private judgedAgainst(timestampMs: number, actual: number, point: ForecastPoint): ForecastPoint {
    this.judgedReset = false;
    const predictor = this.usesResetPredictor() ? this.resetPredictor : undefined;
    const corrected = (predictor ?? this.oneStep).correct(timestampMs, point, this.correctedPoint);
    // No trusted residual to correct from (a fresh model, a long gap): a value inside the model's band is
    // the series' normal, and the correction starts from it whole. Clipped to 2 one-step deviations, a heap
    // 2.5 model deviations up its sawtooth took an hour to catch up after each daily refit, flagging the
    // gap as it went.
    if (corrected === point) {
      this.judgedReset = deviationScore(actual, point) <= this.options.thresholdMultiplier;
      return point;
    }
    // A step in the model's own forecast from one sample to the next (a weekend daily shape starting at
    // midnight, a refit) is the model's news, not the series': the point is also judged against the
    // one-step forecast without that step, and the nearer of the two wins; the correction restarts from it.
    // (Rare, so the object it allocates does not matter.)
    const modelStep = this.modelStep(timestampMs, point.yhat);
    if (Math.abs(modelStep) > 0.5 * (corrected.upper - corrected.lower)) {
      const steady: ForecastPoint = {
        yhat: corrected.yhat - modelStep,
        lower: corrected.lower - modelStep,
        upper: corrected.upper - modelStep,
        scale: corrected.scale,
      };
      const score = deviationScore(actual, steady);
      if (score < deviationScore(actual, corrected)) {
        this.judgedReset = score <= this.options.thresholdMultiplier;
        return steady;
      }
    }
    const fromModel = deviationScore(actual, point);
    const move = actual - corrected.yhat;
    // A routine reset: a jump out of the corrected band in the series' reset direction, landing within
    // twice the model's band (a heap dropping to zero is no GC).
    if (
      this.resetDirection !== 0 &&
      Math.sign(move) === this.resetDirection &&
      deviationScore(actual, corrected) > this.options.thresholdMultiplier &&
      this.routineResetSize(Math.abs(move) / point.scale, fromModel)
    ) {
      this.judgedReset = true;
      return point;
    }
    if (fromModel > this.options.thresholdMultiplier) return corrected;
    // On a series with routine resets only a reset returns to the model: its residual is its sawtooth, so
    // a move towards the model's forecast is as likely a level shift up from the bottom of the sawtooth or
    // a dip from its top (landing, by chance, on the forecast) as the end of an excursion.
    if (this.resetDirection !== 0) return corrected;
    const towardModel =
      move * (point.yhat - corrected.yhat) > 0 &&
      Math.abs(actual - point.yhat) < Math.abs(corrected.yhat - point.yhat);
    return towardModel ? point : corrected;
  }

  /**
   * A leak on a series with routine resets: growth persistently faster than its usual rate between resets,
   * i.e. a CUSUM of the reset predictor's standardised one-step errors climbing against the reset direction.
   */
  private leaking(judgedZ: number, corrected: ForecastPoint, point: ForecastPoint): boolean {
    // `leak` exists exactly while the reset predictor is in use (see `onRefit`).
    if (this.leak === undefined || corrected === point) return false;
    const step = this.leak.update(Number.isFinite(judgedZ) ? judgedZ : Number.NaN);
    return step.drift && step.direction === -this.resetDirection;
  }

  /** A series with routine resets whose model learnt their growth is judged by the reset predictor. */
  private usesResetPredictor(): boolean {
    return this.resetDirection !== 0 && this.resetPredictor !== undefined && this.resetPredictor.active;
  }

  /** The change of the model's forecast since the previous sample (0 when that is not one step back). */
  private modelStep(timestampMs: number, yhat: number): number {
    const step = this.settings.stepMs;
    const gap = timestampMs - this.previousModelMs;
    if (!(gap > 0) || (step !== undefined && gap > 1.5 * step)) return 0;
    const change = yhat - this.previousModelYhat;
    return Number.isFinite(change) ? change : 0;
  }

  /**
   * Whether a jump of `size` (model z units) landing `fromModel` half-bands from the model's forecast looks
   * like one of this series' routine resets: it lands within RESET_MAX_MODEL_SCORE half-bands and is at
   * least RESET_MIN_SIZE_SHARE of their median size (when the model knows it).
   */
  private routineResetSize(size: number, fromModel: number): boolean {
    return (
      fromModel <= RESET_MAX_MODEL_SCORE * this.options.thresholdMultiplier &&
      !(size < RESET_MIN_SIZE_SHARE * this.resetSize)
    );
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
    const { columns, earlierJoins, events } = this.observeColumns(
      timestampsMs,
      actual,
      forecast,
      tailProbability,
    );
    const scored: ScoredPoint[] = new Array<ScoredPoint>(n);
    const v = emptyPointScore();
    const threshold = this.options.thresholdMultiplier;
    for (let i = 0; i < n; i++) {
      v.yhat = columns.yhat[i];
      v.lower = columns.lower[i];
      v.upper = columns.upper[i];
      v.score = columns.score[i];
      v.threshold = threshold;
      v.direction = columns.direction[i] as Direction;
      v.confidence = columns.confidence[i];
      v.isAnomaly = (columns.flags[i] & SCORE_ANOMALY) !== 0;
      v.drift = (columns.flags[i] & SCORE_DRIFT) !== 0;
      scored[i] = scoredPointOf(timestampsMs[i], actual[i], v, this.options);
    }
    return { scored, episodeIds: columns.episodeIds, earlierJoins, events };
  }

  /**
   * `observeMany` with the verdicts written into columns instead of an object per point: the same state
   * changes and the same verdicts (`ScoredPoint` field for field; severity follows from score and
   * `isAnomaly`), with no result object per ordinary point (what remains is V8 boxing doubles passed between
   * the rules' functions). `into` (at least as long as the run) is reused when given.
   */
  observeColumns(
    timestampsMs: ArrayLike<number>,
    actual: ArrayLike<number>,
    forecast: ForecastColumns,
    tailProbability: TailProbability,
    into?: ScoreColumns,
  ): SeriesColumnsResult {
    const n = timestampsMs.length;
    const columns = into !== undefined && into.score.length >= n ? into : scoreColumns(n);
    const { score, confidence, yhat, lower, upper, flags, direction, episodeIds } = columns;
    const earlierJoins: { timestampMs: number; episodeId: string }[] = [];
    const events: EpisodeEvent[] = [];
    const v = VERDICT;
    // Look-back joins name points by timestamp; they are (almost always) a few points back, so a backward
    // scan finds them at once. No Map: hashing thousands of epoch-ms doubles cost more than scoring.
    let increasing = true;
    const point: MutableForecastPoint = { yhat: 0, lower: 0, upper: 0, scale: 0 };
    for (let i = 0; i < n; i++) {
      const t = timestampsMs[i];
      if (i > 0 && !(t > timestampsMs[i - 1])) increasing = false;
      // One point object for the whole run: judge() reads it and keeps nothing of it.
      point.yhat = forecast.yhat[i];
      point.lower = forecast.lower[i];
      point.upper = forecast.upper[i];
      point.scale = forecast.scale[i];
      const step = this.judge(t, actual[i], point, tailProbability);
      score[i] = v.score;
      confidence[i] = v.confidence;
      yhat[i] = v.yhat;
      lower[i] = v.lower;
      upper[i] = v.upper;
      flags[i] = (v.isAnomaly ? SCORE_ANOMALY : 0) | (v.drift ? SCORE_DRIFT : 0);
      direction[i] = v.direction;
      episodeIds[i] = step.episodeId;
      // Indexed loops: almost every step is the tracker's shared empty one, and an array iterator per point
      // (for-of) was a tenth of the scoring time.
      const joinedMs = step.joinedMs;
      for (let k = 0; k < joinedMs.length; k++) {
        const j = lastIndexOf(timestampsMs, i, joinedMs[k], increasing);
        if (j < 0) earlierJoins.push({ timestampMs: joinedMs[k], episodeId: step.episodeId });
        else episodeIds[j] = step.episodeId;
      }
      const stepEvents = step.events;
      for (let k = 0; k < stepEvents.length; k++) events.push(stepEvents[k]);
    }
    return { columns, earlierJoins, events };
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
    // Read once: a model may build its metrics object on each read (model/seasonalModel.ts packs them).
    const metrics = model?.metrics;
    this.stuck.learn(metrics);
    this.spikeLevels = learnSpikeLevels(metrics);
    this.shiftTail = model?.shiftTailProbability?.bind(model);
    this.burst.setReference(metrics?.residualDiffMedian, metrics?.burstLevel);
    this.shift.setLevel(metrics?.shiftLevel);
    this.resetDirection = routineResetDirection(metrics?.resetsUpPerDay, metrics?.resetsDownPerDay);
    const size = this.resetDirection > 0 ? metrics?.resetUpSize : metrics?.resetDownSize;
    this.resetSize = size !== undefined && Number.isFinite(size) && size > 0 ? size : 0;
    const phi = metrics?.residualLag1;
    // Only where the residual persists like a sawtooth's (φ ≈ 0.97-0.99 on the simulated heaps): on a noisy
    // series that merely jumps often (NAB's ec2 and asg cpu, φ from −0.2 to 0.64, heavy tails) "the last
    // value" predicts nothing and its narrow band flagged every jump (NAB standard 20.3 -> 5.2).
    const persistent = phi !== undefined && phi >= RESET_PREDICTOR_MIN_PHI;
    const growth = persistent && this.resetDirection !== 0 ? metrics?.resetGrowth : undefined;
    if (growth !== undefined && Number.isFinite(growth))
      this.resetPredictor ??= new ResetPredictor(this.settings.stepMs);
    this.resetPredictor?.learn(growth, metrics?.resetStepRatio);
    this.leak = this.resetPredictor?.active
      ? new DriftDetector(this.options.drift, {
          headstart: 0.5,
          minThreshold: learnDriftLevel(metrics?.resetLeakLevel, this.options.drift.k),
        })
      : undefined;
    // The one-step levels are learnt by replaying the AR(1) correction: a series judged by the reset
    // predictor has other one-step errors, and keeps the tail-ratio raise and the rarity gate.
    this.singleLevels = this.usesResetPredictor() ? undefined : learnOneStepSpikeLevels(metrics);
    // Without them, immediate_score is set for Gaussian-tailed one-step errors; heavier tails scale it by how
    // much further out their 95% quantile lies against their median (2 bands out is routine on a bursty series).
    const tail = metrics?.oneStepTailRatio;
    if (this.singleLevels !== undefined) {
      this.tracker.setImmediateScore(this.options.episode.immediateScore);
    } else if (tail !== undefined && Number.isFinite(tail)) {
      this.tracker.setImmediateScore(
        this.options.episode.immediateScore * Math.max(1, tail / GAUSSIAN_TAIL_RATIO),
      );
    }
    this.runRarity.learn(metrics?.runLevel);
    if (phi !== undefined && Number.isFinite(phi)) {
      this.drift = new DriftDetector(this.options.drift, {
        ...this.settings,
        residualAutocorrelation: phi,
        minThreshold: learnDriftLevel(metrics?.driftLevel, this.options.drift.k),
      });
      this.oneStep.reset(phi, metrics?.residualOneStepRatio);
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

/** The model's one-step spike levels (model/spikeLevel.ts), when it learnt both sides. */
function learnOneStepSpikeLevels(metrics: RefitInfo['metrics'] | undefined): SpikeLevels | undefined {
  const upper = metrics?.oneStepSpikeUpper;
  const lower = metrics?.oneStepSpikeLower;
  return upper !== undefined &&
    lower !== undefined &&
    upper > 0 &&
    lower < 0 &&
    Number.isFinite(upper) &&
    Number.isFinite(lower)
    ? { upper, lower }
    : undefined;
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
