import type { Direction, ScoredPoint } from '../domain/anomaly';
import { DEFAULT_DETECTION_OPTIONS } from './defaults';
import { DriftDetector, type DriftTuning } from './drift';
import { EpisodeTracker, type EpisodeEvent } from './episodes';
import { scorePoint, standardisedResidual, type ForecastPoint, type TailProbability } from './score';
import type { DetectionOptions } from './types';

export type { EpisodeEvent } from './episodes';

/** Per-series settings that come from the data and the model rather than from the user. */
export interface SeriesDetectorSettings extends DriftTuning {
  /** Sampling step in ms, to recognise missing samples (see `EpisodeTrackerSettings.stepMs`). */
  readonly stepMs?: number;
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
 * A missing observation (`actual` or `yhat` not finite) is scored 0 with confidence 0, never anomalous;
 * it feeds neither the drift detector nor the N-of-M window, but its timestamp still lets a closing
 * episode close on time.
 */
export class SeriesDetector {
  readonly seriesId: string;
  private readonly options: DetectionOptions;
  private readonly drift: DriftDetector;
  private readonly tracker: EpisodeTracker;
  private lastTimestampMs = Number.NEGATIVE_INFINITY;

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
    this.drift = new DriftDetector(options.drift, settings);
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
    const base = scorePoint(timestampMs, actual, point, tailProbability, this.options);
    if (!(timestampMs > this.lastTimestampMs))
      return { scored: base, episodeId: '', joinedMs: [], events: [] };
    this.lastTimestampMs = timestampMs;
    const z = standardisedResidual(actual, point);
    if (Number.isNaN(z)) {
      return { scored: base, episodeId: '', joinedMs: [], events: this.tracker.tick(timestampMs) };
    }
    const drift = this.drift.update(z).drift;
    const scored: ScoredPoint = drift ? { ...base, drift } : base;
    const sign: Direction = z > 0 ? 1 : z < 0 ? -1 : 0;
    const step = this.tracker.observe({
      timestampMs,
      score: scored.score,
      threshold: scored.threshold,
      isAnomaly: scored.isAnomaly,
      drift,
      sign,
    });
    return { scored, episodeId: step.episodeId, joinedMs: step.joinedMs, events: step.events };
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
    const indexByTimestamp = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const t = timestampsMs[i];
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
      indexByTimestamp.set(t, i);
      for (const joined of result.joinedMs) {
        const j = indexByTimestamp.get(joined);
        if (j === undefined) earlierJoins.push({ timestampMs: joined, episodeId: result.episodeId });
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
   * Call after the series' model is refitted: clears the drift detector's sums and alarm, which were
   * built on the old model's residuals. Episodes are left alone; one in progress closes by its rules.
   */
  onRefit(): void {
    this.drift.reset();
  }
}
