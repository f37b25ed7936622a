import type { Direction, Episode, Severity } from '../domain/anomaly';
import { DEFAULT_SEVERITY_CUTOFFS } from './defaults';
import { anomalySeverity } from './score';
import type { EpisodeOptions, SeverityCutoffs } from './types';

export type EpisodeEventKind = 'opened' | 'updated' | 'closed';

/** A change to an episode: what alerting and the sinks consume. */
export interface EpisodeEvent {
  readonly kind: EpisodeEventKind;
  /** The episode as of this event (`open` is false only on 'closed'). */
  readonly episode: Episode;
}

/** What the tracker needs to know about one scored point. */
export interface TrackedPoint {
  /** Epoch milliseconds; must increase from point to point (a point not after the previous is ignored). */
  readonly timestampMs: number;
  /** Deviation in half-band units, >= 0. */
  readonly score: number;
  /** The score an anomalous point exceeds (the threshold multiplier). */
  readonly threshold: number;
  readonly isAnomaly: boolean;
  /** The drift detector is in alarm at this point. */
  readonly drift: boolean;
  /** Sign of actual − yhat, whether or not the point is anomalous (it gives a drift episode its side). */
  readonly sign: Direction;
  /**
   * The point is rare under the series' own calibrated residual distribution (see detect/rarity.ts). The
   * spike rule needs it: a score over `immediateScore` on a spiky series is no news. Default true.
   */
  readonly rare?: boolean;
  /**
   * The N-of-M window is rare for this series: its points lie beyond the run level the training history
   * reaches (detect/runRarity.ts). The N-of-M rule needs it. Default true.
   */
  readonly runRare?: boolean;
}

/** The tracker's answer for one point. */
export interface EpisodeStep {
  /** Id of the episode this point belongs to, '' if none. */
  readonly episodeId: string;
  /**
   * Timestamps of earlier points that joined `episodeId` with this point: the anomalous points of the
   * N-of-M look-back that opened (or resumed) the episode. Their own steps reported '' at the time.
   */
  readonly joinedMs: readonly number[];
  readonly events: readonly EpisodeEvent[];
}

/** Construction-time settings of an `EpisodeTracker` beyond `EpisodeOptions`. */
export interface EpisodeTrackerSettings {
  /**
   * Sampling step of the series in ms, used to recognise missing samples. Default: the smallest positive
   * spacing seen so far (pass it when known; the first points of a series then also honour gaps).
   */
  readonly stepMs?: number;
  /** Cut-offs for the episode severity (from its peak score). Default DEFAULT_SEVERITY_CUTOFFS. */
  readonly severity?: SeverityCutoffs;
}

const NOTHING: EpisodeStep = { episodeId: '', joinedMs: [], events: [] };

interface EpisodeRecord {
  readonly id: string;
  readonly startMs: number;
  readonly cause: 'band' | 'drift';
  endMs: number;
  peakScore: number;
  peakSign: Direction;
  points: number;
  /** Last point that kept the episode alive (anomalous, drifting, or above the hysteresis level). */
  lastActiveMs: number;
  quietCount: number;
  /** 'closing': quiet for closeAfter points, waiting out the merge gap before it is reported closed. */
  state: 'open' | 'closing';
}

/**
 * Turns a stream of scored points of one series into anomaly episodes. Pure and deterministic: time is
 * whatever the points' timestamps say.
 *
 * Opening (only on a point that is anomalous or drifting):
 * - N-of-M: at least `minPoints` of the last `window` points are anomalous, the current one included.
 *   "Last window points" is bounded by time too: a look-back point older than (window − ½)·step is out,
 *   so points separated by missing samples do not add up.
 * - a spike: a single anomalous point with score >= `immediateScore` that is also `rare` opens at once.
 * - drift: a point in drift alarm opens at once (the CUSUM has already integrated the evidence), with
 *   cause 'drift' unless the band rules fired too.
 * The anomalous look-back points not yet in an episode join it; the episode starts at the first of them
 * and its id is `${prefix}:${startMs}`, unique per series because episodes never overlap.
 *
 * While open, a point belongs to the episode (gets its id and counts in `points`) when it is anomalous,
 * drifting, or has score >= closeRatio·threshold (hysteresis). `endMs` is the last anomalous or drifting
 * point. Any other point is quiet; after `closeAfter` consecutive quiet points, or once
 * (closeAfter + ½)·step has passed since the last active point (missing samples count as quiet), the
 * episode starts closing.
 *
 * Closing and merging: a closing episode is not reported closed at once. If the opening rules fire again
 * and the new run would start within `mergeGapMs` of the episode's `endMs`, the episode resumes under the
 * same id (an 'updated' event); otherwise it is reported 'closed' as soon as no new run can merge any more
 * (the current time is more than mergeGapMs past endMs and no pending anomalous point lies in the gap).
 * So an alert opened on an episode resolves once, roughly mergeGapMs after its last anomalous point, and
 * a flapping incident stays one episode instead of many. Episode `open` stays true while closing.
 *
 * Events: 'opened' when an episode starts, 'updated' whenever a point joins it, 'closed' once, at the end.
 * Episode direction is the sign of the deviation at the peak-score point; severity follows the peak score
 * (at least LOW).
 */
export class EpisodeTracker {
  private readonly prefix: string;
  private readonly options: EpisodeOptions;
  private readonly cutoffs: SeverityCutoffs;
  private readonly fixedStepMs: number | undefined;
  private inferredStepMs = Number.POSITIVE_INFINITY;
  private lastTimestampMs = Number.NEGATIVE_INFINITY;
  private current: EpisodeRecord | undefined;

  // Ring buffer of the last `window` points, column-wise. `assigned` = already part of an episode.
  private readonly bufTimestampMs: Float64Array;
  private readonly bufScore: Float64Array;
  private readonly bufSign: Int8Array;
  private readonly bufAnomalous: Uint8Array;
  private readonly bufAssigned: Uint8Array;
  private bufCount = 0;
  private bufNext = 0;

  /**
   * @param prefix series id used as the episode id prefix (`${prefix}:${startMs}`)
   * @param options episode rules (see `EpisodeOptions`; validated by config)
   */
  /** The score at which a single point opens an episode (`options.immediateScore`, or as adjusted). */
  private immediateScore: number;

  constructor(prefix: string, options: EpisodeOptions, settings: EpisodeTrackerSettings = {}) {
    this.prefix = prefix;
    this.options = options;
    this.immediateScore = options.immediateScore;
    this.cutoffs = settings.severity ?? DEFAULT_SEVERITY_CUTOFFS;
    this.fixedStepMs = settings.stepMs !== undefined && settings.stepMs > 0 ? settings.stepMs : undefined;
    const size = Math.max(1, Math.floor(options.window));
    // Views of one buffer: a daemon holds a tracker per series, and each ArrayBuffer has its own overhead.
    const buffer = new ArrayBuffer(19 * size);
    this.bufTimestampMs = new Float64Array(buffer, 0, size);
    this.bufScore = new Float64Array(buffer, 8 * size, size);
    this.bufSign = new Int8Array(buffer, 16 * size, size);
    this.bufAnomalous = new Uint8Array(buffer, 17 * size, size);
    this.bufAssigned = new Uint8Array(buffer, 18 * size, size);
  }

  /**
   * Sets the score at which a single point opens an episode, for this series (the series detector raises
   * `options.immediateScore` on series whose one-step errors have heavy tails). Never below the option.
   */
  setImmediateScore(score: number): void {
    this.immediateScore = Number.isFinite(score)
      ? Math.max(this.options.immediateScore, score)
      : this.options.immediateScore;
  }

  /** The episode in progress (open or closing), if any. */
  get currentEpisode(): Episode | undefined {
    return this.current === undefined ? undefined : this.snapshot(this.current, true);
  }

  /** Feeds the next point of the series. */
  observe(point: TrackedPoint): EpisodeStep {
    const t = point.timestampMs;
    if (!(t > this.lastTimestampMs)) return NOTHING;
    if (Number.isFinite(this.lastTimestampMs) && this.fixedStepMs === undefined) {
      this.inferredStepMs = Math.min(this.inferredStepMs, t - this.lastTimestampMs);
    }
    this.lastTimestampMs = t;
    const slot = this.push(point);

    let episode = this.current;
    if (episode !== undefined && episode.state === 'open' && this.quietTimedOut(t - episode.lastActiveMs)) {
      episode.state = 'closing';
    }

    if (episode !== undefined && episode.state === 'open') {
      const active = point.isAnomaly || point.drift;
      if (active || point.score >= this.options.closeRatio * point.threshold) {
        this.join(episode, slot);
        episode.lastActiveMs = t;
        episode.quietCount = 0;
        if (active) episode.endMs = t;
        return {
          episodeId: episode.id,
          joinedMs: [],
          events: [{ kind: 'updated', episode: this.snapshot(episode, true) }],
        };
      }
      episode.quietCount += 1;
      if (episode.quietCount >= this.options.closeAfter) episode.state = 'closing';
      return this.quietStep(t);
    }

    const bandTrigger =
      point.isAnomaly &&
      ((point.score >= this.immediateScore && point.rare !== false) ||
        (this.anomalousInWindow(t) >= this.options.minPoints && point.runRare !== false));
    if (!bandTrigger && !point.drift) return this.quietStep(t);

    const events: EpisodeEvent[] = [];

    const lookback = this.unassignedAnomalousInWindow(t, slot);
    const startMs = lookback.length > 0 ? Math.min(t, this.bufTimestampMs[lookback[0]]) : t;
    if (episode !== undefined && startMs - episode.endMs > this.options.mergeGapMs) {
      events.push(this.close(episode));
      episode = undefined;
    }
    let kind: EpisodeEventKind = 'updated';
    if (episode === undefined) {
      kind = 'opened';
      episode = {
        id: `${this.prefix}:${startMs}`,
        startMs,
        cause: bandTrigger ? 'band' : 'drift',
        endMs: t,
        peakScore: 0,
        peakSign: 0,
        points: 0,
        lastActiveMs: t,
        quietCount: 0,
        state: 'open',
      };
      this.current = episode;
    }
    const joinedMs: number[] = [];
    for (const i of lookback) {
      this.join(episode, i);
      joinedMs.push(this.bufTimestampMs[i]);
    }
    this.join(episode, slot);
    episode.state = 'open';
    episode.endMs = t;
    episode.lastActiveMs = t;
    episode.quietCount = 0;
    events.push({ kind, episode: this.snapshot(episode, true) });
    return { episodeId: episode.id, joinedMs, events };
  }

  /**
   * Applies the passage of time without a new point (e.g. a series that stopped reporting): an open
   * episode whose quiet time has run out starts closing, and a closing one whose merge gap has passed is
   * reported closed. Never opens anything.
   */
  tick(nowMs: number): EpisodeEvent[] {
    const events: EpisodeEvent[] = [];
    const episode = this.current;
    if (episode === undefined || !(nowMs > this.lastTimestampMs)) return events;
    if (episode.state === 'open' && this.quietTimedOut(nowMs - episode.lastActiveMs))
      episode.state = 'closing';
    const closed = this.finaliseIfDue(nowMs);
    if (closed !== undefined) events.push(closed);
    return events;
  }

  /**
   * The answer for a point that joins nothing: usually NOTHING, shared, since this is the path of almost
   * every point and a fresh events array per point was garbage the scorer paid for in collections.
   */
  private quietStep(t: number): EpisodeStep {
    const closed = this.finaliseIfDue(t);
    return closed === undefined ? NOTHING : { episodeId: '', joinedMs: [], events: [closed] };
  }

  /** Closes the episode in progress, if any, regardless of the rules (end of a batch evaluation). */
  finish(): EpisodeEvent[] {
    const episode = this.current;
    return episode === undefined ? [] : [this.close(episode)];
  }

  private push(point: TrackedPoint): number {
    const size = this.bufTimestampMs.length;
    const slot = this.bufNext;
    this.bufTimestampMs[slot] = point.timestampMs;
    this.bufScore[slot] = point.score;
    this.bufSign[slot] = point.sign;
    this.bufAnomalous[slot] = point.isAnomaly ? 1 : 0;
    this.bufAssigned[slot] = 0;
    // A compare, not `% size`: the remainder by a run-time size is an integer division per point.
    this.bufNext = slot + 1 === size ? 0 : slot + 1;
    this.bufCount = Math.min(size, this.bufCount + 1);
    return slot;
  }

  private stepMs(): number {
    return this.fixedStepMs ?? this.inferredStepMs;
  }

  /** Whether a look-back point this old still counts in the N-of-M window. */
  private inWindow(ageMs: number): boolean {
    const step = this.stepMs();
    return !Number.isFinite(step) || ageMs <= (this.options.window - 0.5) * step;
  }

  private quietTimedOut(ageMs: number): boolean {
    const step = this.stepMs();
    return Number.isFinite(step) && ageMs > (this.options.closeAfter + 0.5) * step;
  }

  private anomalousInWindow(t: number): number {
    let n = 0;
    for (let j = 0; j < this.bufCount; j++) {
      if (this.bufAnomalous[j] === 1 && this.inWindow(t - this.bufTimestampMs[j])) n += 1;
    }
    return n;
  }

  /** Buffer slots of anomalous, unassigned look-back points other than `except`, oldest first. */
  private unassignedAnomalousInWindow(t: number, except: number): number[] {
    const slots: number[] = [];
    for (let j = 0; j < this.bufCount; j++) {
      if (
        j !== except &&
        this.bufAnomalous[j] === 1 &&
        this.bufAssigned[j] === 0 &&
        this.inWindow(t - this.bufTimestampMs[j])
      ) {
        slots.push(j);
      }
    }
    return slots.sort((a, b) => this.bufTimestampMs[a] - this.bufTimestampMs[b]);
  }

  private join(episode: EpisodeRecord, slot: number): void {
    this.bufAssigned[slot] = 1;
    episode.points += 1;
    if (episode.points === 1 || this.bufScore[slot] > episode.peakScore) {
      episode.peakScore = this.bufScore[slot];
      episode.peakSign = this.bufSign[slot] as Direction;
    }
  }

  /** Reports a closing episode closed once no new run can merge into it any more. */
  private finaliseIfDue(nowMs: number): EpisodeEvent | undefined {
    const episode = this.current;
    if (episode === undefined || episode.state !== 'closing') return undefined;
    if (nowMs - episode.endMs <= this.options.mergeGapMs) return undefined;
    // An anomalous point inside the gap may still become the first point of a merging run.
    for (let j = 0; j < this.bufCount; j++) {
      if (
        this.bufAnomalous[j] === 1 &&
        this.bufAssigned[j] === 0 &&
        this.bufTimestampMs[j] - episode.endMs <= this.options.mergeGapMs &&
        this.inWindow(nowMs - this.bufTimestampMs[j])
      ) {
        return undefined;
      }
    }
    return this.close(episode);
  }

  private close(episode: EpisodeRecord): EpisodeEvent {
    this.current = undefined;
    return { kind: 'closed', episode: this.snapshot(episode, false) };
  }

  private snapshot(episode: EpisodeRecord, open: boolean): Episode {
    const severity: Severity = anomalySeverity(episode.peakScore, this.cutoffs);
    return {
      id: episode.id,
      startMs: episode.startMs,
      endMs: episode.endMs,
      peakScore: episode.peakScore,
      severity,
      direction: episode.peakSign,
      points: episode.points,
      cause: episode.cause,
      open,
    };
  }
}
