import type { Episode, ScoredPoint } from '../domain/anomaly';
import type { TimeSeries } from '../domain/timeSeries';
import type { FittedModel, Forecast, Forecaster } from '../model/types';
import { fromModelScale, toModelScale, type ValueTransform } from '../model/valueTransform';
import { routineResetDirection } from '../model/resets';
import { admitForRefit, DEFAULT_REFIT_ADMISSION, type RefitAdmission } from './refitAdmission';
import { COMPACT_BELOW_MS, CompactHistory, type HistorySnapshot, type HistoryStore } from './compactHistory';
import { RollingHistory } from './rollingHistory';

/** One forecast point as the detector needs it. */
export interface ForecastPoint {
  readonly yhat: number;
  readonly lower: number;
  readonly upper: number;
  readonly scale: number;
}

export interface DetectorEvent {
  readonly kind: 'opened' | 'updated' | 'closed';
  readonly episode: Episode;
}

/** The detection state machine of one series (implemented by detect/seriesDetector.ts). */
export interface PointDetector {
  observe(
    timestampMs: number,
    actual: number,
    point: ForecastPoint,
    tailProbability: (z: number) => number,
  ): {
    scored: ScoredPoint;
    episodeId: string;
    events: readonly DetectorEvent[];
    /** Earlier points (timestamps) that joined the episode this point opened (the N-of-M look-back). */
    joinedMs?: readonly number[];
  };
  /**
   * Called when a model is installed (the first one and every refit): statistics tied to the old model's
   * residuals start afresh, and the detector may adapt to the new model (e.g. its residual autocorrelation).
   */
  onRefit(model: FittedModel): void;
}

export interface SeriesRunnerOptions {
  /** Grid step of the series. */
  readonly stepMs: number;
  /** Refit when the model is older than this (in series time). */
  readonly retrainIntervalMs: number;
  /** Rolling window used for (re)fits. */
  readonly trainingWindowMs: number;
  /** Which episode points a refit learns from after all (default DEFAULT_REFIT_ADMISSION). */
  readonly admission?: RefitAdmission;
  /**
   * A fresh detector, as the series' own is configured, to screen the history with before the first fit
   * (see `SeriesRunner.fit`; `admission.screenHistory` turns it off). Without it there is no screening.
   */
  readonly screenDetector?: () => PointDetector;
}

export interface Observation {
  readonly timestampMs: number;
  readonly actual: number;
  /** Absent while there is no model yet, or for a non-finite actual. */
  readonly forecast?: ForecastPoint & { readonly modelVersion: string };
  /** The model's own forecast and prediction interval, before the detector's correction (with `forecast`). */
  readonly model?: ForecastPoint;
  readonly scored?: ScoredPoint;
  /** '' when the point belongs to no episode. */
  readonly episodeId: string;
  readonly events: readonly DetectorEvent[];
  /** Earlier points that, with this one, opened the episode: they belong to it too. */
  readonly joinedMs: readonly number[];
}

const NO_JOINS: readonly number[] = [];
const NO_EVENTS: readonly DetectorEvent[] = [];

/**
 * The rolling history of a series: compact (10-minute buckets plus a raw tail, see compactHistory.ts) for
 * steps under 5 minutes, which the forecaster fits on 10-minute means anyway; a plain grid otherwise.
 */
export function createHistory(stepMs: number, windowMs: number): HistoryStore {
  if (stepMs < COMPACT_BELOW_MS) return new CompactHistory(stepMs, windowMs + 2 * stepMs);
  // A little slack beyond the window so a refit always sees a full window.
  return new RollingHistory(stepMs, Math.ceil(windowMs / stepMs) + 16);
}

/**
 * Model + refit schedule + detection for one series. Pure: time is the samples' own timestamps and the
 * `nowMs` the caller passes, so the backtest (`anomalyd evaluate`) and the daemon run exactly this code.
 */
export class SeriesRunner {
  readonly seriesId: string;
  private readonly forecaster: Forecaster;
  private readonly detector: PointDetector;
  private readonly options: SeriesRunnerOptions;
  private readonly history: HistoryStore;
  private fitted: FittedModel | undefined;
  private version = '';
  private lastFitAtMs = Number.NEGATIVE_INFINITY;
  private fits = 0;
  private screenDeferred = false;

  constructor(
    seriesId: string,
    forecaster: Forecaster,
    detector: PointDetector,
    options: SeriesRunnerOptions,
  ) {
    this.seriesId = seriesId;
    this.forecaster = forecaster;
    this.detector = detector;
    this.options = options;
    this.history = createHistory(options.stepMs, options.trainingWindowMs);
  }

  get model(): FittedModel | undefined {
    return this.fitted;
  }

  get modelVersion(): string {
    return this.version;
  }

  get fitCount(): number {
    return this.fits;
  }

  get historyBytes(): number {
    return this.history.bytes;
  }

  /** Adds past samples (backfill) without scoring them. Non-finite values become gaps. */
  load(series: Pick<TimeSeries, 'timestampsMs' | 'values'>): void {
    const { timestampsMs, values } = series;
    for (let i = 0; i < timestampsMs.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) this.history.push(timestampsMs[i], v);
    }
  }

  /** Adds past samples on a regular grid (backfill); only those before `beforeMs`. */
  loadGrid(
    startMs: number,
    stepMs: number,
    values: ArrayLike<number>,
    beforeMs = Number.POSITIVE_INFINITY,
  ): void {
    for (let i = 0; i < values.length; i++) {
      const t = startMs + i * stepMs;
      if (t >= beforeMs) break;
      const v = values[i];
      if (Number.isFinite(v)) this.history.push(t, v);
    }
  }

  /**
   * True when there is history but no model, the model is older than the retrain interval, or the first
   * model's screening was deferred (`fit`'s `deferScreening`) and has not run yet.
   */
  refitDue(nowMs: number): boolean {
    if (this.history.span === 0) return false;
    if (this.fitted === undefined || this.screenDeferred) return true;
    return nowMs - this.lastFitAtMs >= this.options.retrainIntervalMs;
  }

  /** True between a first fit that deferred its screening and the `fit` call that runs it. */
  get screenPending(): boolean {
    return this.screenDeferred;
  }

  /**
   * Fits on the rolling window, leaving out points inside anomaly episodes so a persisting failure does
   * not quietly become the new normal.
   *
   * With `admission.screenHistory` (config `model.screen_history`, on by default) and a `screenDetector`,
   * the first model is screened: a history loaded at start (a backfill, a dataset's training part) holds
   * its own incidents, which no live episode has marked, and a model fitted on them learns from them what
   * an ordinary excursion is — its spike, run, drift and shift levels are set by the incidents, and the next
   * ones of that size pass. So the history is replayed through a fresh detector against a first model, the
   * episodes found are marked as if they had been live, and the model is fitted again under the usual
   * admission rules (a run longer than `acceptAfterMs`, a daily routine, or more than `maxExcludedFraction`
   * of the window is learnt all the same). The marks stay for later refits. When the replay marks nothing,
   * or the series resets routinely, the first model stays: one fit.
   *
   * `deferScreening` (the daemon's): the first call installs the first model at once and leaves the replay
   * to the next call (`refitDue` stays true), so a fleet's start-up gives every series forecasts at the
   * cost of one fit each and screens afterwards; the replay then runs against the model in use over the
   * history as it is by then. Without it (the backtest), the first call does both.
   *
   * Measured on the synthetic suite (scans of 16 hosts, with the sustained-shift floor at 4.5): event recall
   * 0.860 at 0.116 false episodes per series-day, against 0.813 / 0.095 unscreened (floor 4); held-out seeds
   * 0.836 / 0.098 against 0.795 / 0.077. Series with routine resets are not screened (see markIncidents).
   */
  fit(nowMs: number, { deferScreening = false }: { deferScreening?: boolean } = {}): FittedModel {
    const admission = this.options.admission ?? DEFAULT_REFIT_ADMISSION;
    const screen = admission.screenHistory === true ? this.options.screenDetector : undefined;
    const current = this.fitted;
    if (current === undefined && screen !== undefined) {
      const snap = this.history.snapshot(this.options.trainingWindowMs);
      const first = this.fitOn(snap, admission);
      if (deferScreening) {
        this.useModel(first, nowMs);
        this.screenDeferred = true;
        return first;
      }
      let marked: boolean;
      try {
        marked = this.markIncidents(screen(), first, snap);
      } catch (e) {
        first.dispose?.();
        throw e;
      }
      if (!marked) {
        this.useModel(first, nowMs);
        return first;
      }
      first.dispose?.();
    } else if (current !== undefined && this.screenDeferred) {
      this.screenDeferred = false;
      const snap = this.history.snapshot(this.options.trainingWindowMs);
      const marked = screen !== undefined && this.markIncidents(screen(), current, snap);
      // Nothing marked: the model in use is what a refit would give, unless it is due by age anyway.
      if (!marked && nowMs - this.lastFitAtMs < this.options.retrainIntervalMs) return current;
    }
    const model = this.fitOn(this.history.snapshot(this.options.trainingWindowMs), admission);
    this.useModel(model, nowMs);
    return model;
  }

  private fitOn(snap: HistorySnapshot, admission: RefitAdmission): FittedModel {
    return this.forecaster.fit({
      timestampsMs: snap.timestampsMs,
      values: snap.values,
      stepMs: this.options.stepMs,
      exclude: admitForRefit(snap.timestampsMs, snap.exclude, this.options.stepMs, admission),
    });
  }

  /**
   * Marks in the history the episodes `detector` finds in `snap`, judged by `model` (see `fit`); true when
   * it marked any. Not on a series with routine resets (a heap's GC sawtooth, detect/seriesDetector.ts):
   * there the replay's episodes are mostly its own cycle, and leaving them out fitted the next model on the
   * cycle's middle only (1-minute heaps: false episodes on anomaly-free series 0.43 -> 1.38 a day, interval
   * coverage 0.92 -> 0.83).
   */
  private markIncidents(detector: PointDetector, model: FittedModel, snap: HistorySnapshot): boolean {
    const { resetsUpPerDay, resetsDownPerDay } = model.metrics;
    if (routineResetDirection(resetsUpPerDay, resetsDownPerDay) !== 0) return false;
    const ts = snap.timestampsMs;
    detector.onRefit(model);
    const forecast = model.predict(ts);
    const tail = (z: number): number => model.tailProbability(z);
    const transform = model.valueTransform;
    let marked = false;
    let runFrom = Number.NaN;
    let runTo = Number.NaN;
    const close = (): void => {
      if (Number.isNaN(runFrom)) return;
      this.history.excludeRange(runFrom, runTo);
      marked = true;
      runFrom = Number.NaN;
    };
    for (let i = 0; i < ts.length; i++) {
      const { episodeId, joinedMs } = detector.observe(
        ts[i],
        onModelScale(snap.values[i], transform),
        pointAt(forecast, i),
        tail,
      );
      if (episodeId === '') {
        close();
        continue;
      }
      // The look-back points that opened the episode belong to it too.
      const from = joinedMs !== undefined && joinedMs.length > 0 ? Math.min(...joinedMs) : ts[i];
      runFrom = Number.isNaN(runFrom) ? from : Math.min(runFrom, from);
      runTo = ts[i];
    }
    close();
    return marked;
  }

  /** Installs a model (fitted here, or loaded from a `train` model file). */
  useModel(model: FittedModel, nowMs: number): void {
    const previous = this.fitted;
    if (previous !== undefined && previous !== model) previous.dispose?.();
    this.fitted = model;
    this.screenDeferred = false;
    this.fits++;
    this.lastFitAtMs = nowMs;
    this.version = `${model.kind}-${new Date(model.trainEndMs).toISOString()}`;
    this.detector.onRefit(model);
  }

  /** Scores one sample (or just records it while no model exists yet). */
  observe(timestampMs: number, actual: number): Observation {
    return this.observeBatch([timestampMs], [actual])[0];
  }

  /**
   * Scores samples in time order. One predict call per batch: the model does not change inside a batch.
   * A model on the log scale (`FittedModel.valueTransform`) is shown each value on that scale, and its
   * forecasts come back in the series' units: observations, like the history, are in the series' units.
   */
  observeBatch(timestampsMs: ArrayLike<number>, values: ArrayLike<number>): Observation[] {
    const n = timestampsMs.length;
    const out: Observation[] = new Array<Observation>(n);
    const model = this.fitted;
    const forecast = model === undefined || n === 0 ? undefined : model.predict(timestampsMs);
    const tail = model === undefined ? undefined : (z: number): number => model.tailProbability(z);
    const transform = model?.valueTransform;
    for (let i = 0; i < n; i++) {
      const t = timestampsMs[i];
      const actual = values[i];
      if (!Number.isFinite(actual) || forecast === undefined || tail === undefined) {
        if (Number.isFinite(actual)) this.history.push(t, actual);
        out[i] = { timestampMs: t, actual, episodeId: '', events: NO_EVENTS, joinedMs: NO_JOINS };
        continue;
      }
      const point = pointAt(forecast, i);
      const observed = this.detector.observe(t, onModelScale(actual, transform), point, tail);
      const { episodeId, events, joinedMs } = observed;
      this.history.push(t, actual, episodeId !== '');
      for (const e of events) {
        // The N-of-M look-back points that opened the episode belong to it too.
        if (e.kind === 'opened') this.history.excludeFrom(e.episode.startMs);
      }
      const scored =
        transform === undefined ? observed.scored : inSeriesUnits(observed.scored, actual, transform);
      out[i] = {
        timestampMs: t,
        actual,
        // The detector may judge against a one-step-corrected point (detect/oneStep.ts): report that one.
        // `scale` stays the model's: it is the unit of the standardised residual on the model's scale.
        forecast: {
          yhat: scored.yhat,
          lower: scored.lower,
          upper: scored.upper,
          scale: point.scale,
          modelVersion: this.version,
        },
        model: transform === undefined ? point : pointInSeriesUnits(point, transform),
        scored,
        episodeId,
        events,
        joinedMs: joinedMs ?? NO_JOINS,
      };
    }
    return out;
  }
}

/** The forecast at index i of a column-wise forecast, as the detector takes it. */
function pointAt(forecast: Forecast, i: number): ForecastPoint {
  return {
    yhat: forecast.yhat[i],
    lower: forecast.lower[i],
    upper: forecast.upper[i],
    scale: forecast.scale[i],
  };
}

/** A value on the model's scale (see `FittedModel.valueTransform`). */
function onModelScale(value: number, transform: ValueTransform | undefined): number {
  return transform === undefined ? value : toModelScale(transform, value);
}

/** A forecast and its band on the model's scale, in the series' units. */
function bandInSeriesUnits(
  band: { readonly yhat: number; readonly lower: number; readonly upper: number },
  transform: ValueTransform,
): { yhat: number; lower: number; upper: number } {
  return {
    yhat: fromModelScale(transform, band.yhat),
    lower: fromModelScale(transform, band.lower),
    upper: fromModelScale(transform, band.upper),
  };
}

/** A verdict on the model's scale with its value and forecast in the series' units. */
function inSeriesUnits(scored: ScoredPoint, actual: number, transform: ValueTransform): ScoredPoint {
  return { ...scored, actual, ...bandInSeriesUnits(scored, transform) };
}

/** A forecast point in the series' units; `scale` stays the model's (the unit of its residuals). */
function pointInSeriesUnits(point: ForecastPoint, transform: ValueTransform): ForecastPoint {
  return { ...bandInSeriesUnits(point, transform), scale: point.scale };
}
