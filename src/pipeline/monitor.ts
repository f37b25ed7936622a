import type { AppConfig } from '../config/types';
import type { Clock } from '../domain/clock';
import type { Logger } from '../domain/logger';
import { canonicalSeriesId } from '../domain/series';
import type { Forecaster, FittedModel } from '../model/types';
import type { EpisodeEvent, PointRecord, Sink } from '../sinks/types';
import type { MetricSource, MonitorMetrics, SeriesBatch, Sleeper, Stopwatch } from './ports';
import { SeriesRegistry, type TrackedSeries } from './seriesRegistry';
import { SeriesRunner, type PointDetector } from './seriesRunner';

export interface MonitorDeps {
  readonly config: AppConfig;
  readonly source: MetricSource;
  readonly sink: Sink;
  readonly forecaster: Forecaster;
  readonly createDetector: (seriesId: string, stepMs: number) => PointDetector;
  readonly clock: Clock;
  readonly stopwatch: Stopwatch;
  readonly sleeper: Sleeper;
  readonly logger: Logger;
  readonly metrics: MonitorMetrics;
  /** A model from `anomalyd train`, used for series whose step matches until their first refit. */
  readonly initialModel?: FittedModel;
}

interface SeriesState {
  readonly runner: SeriesRunner;
  readonly stepMs: number;
  /** Episode ids currently open on this series; created at the first (most series never have one). */
  openEpisodes: Set<string> | undefined;
}

export interface CycleSummary {
  readonly nowMs: number;
  readonly source: 'prometheus' | 'simulator';
  readonly series: number;
  readonly newSeries: number;
  readonly points: number;
  readonly anomalies: number;
  readonly episodesOpened: number;
  readonly fits: number;
  /** Series still without a model, or due for a scheduled refit, that this cycle's budget left for later. */
  readonly pendingFits: number;
  /** First models whose screening (`model.screen_history`) has not run yet. */
  readonly pendingScreenings: number;
  readonly durationMs: number;
  readonly error?: string;
}

export interface MonitorTotals {
  readonly cycles: number;
  readonly points: number;
  readonly anomalies: number;
  readonly episodesOpened: number;
  readonly fits: number;
  readonly failedCycles: number;
}

/**
 * The daemon's cycle: poll → discover → backfill → (bounded) fits → score → write → expire. The detection
 * loop never waits on the sink (Sink.write only enqueues) and fitting is bounded per cycle, so a slow
 * InfluxDB or a burst of new series never stalls polling.
 */
export class Monitor {
  private readonly registry: SeriesRegistry<SeriesState>;
  private readonly loggedRejections = new Set<string>();
  private totals = { cycles: 0, points: 0, anomalies: 0, episodesOpened: 0, fits: 0, failedCycles: 0 };
  private openEpisodeCount = 0;
  private lastRejectedCount = 0;

  constructor(private readonly deps: MonitorDeps) {
    const p = deps.config.prometheus;
    this.registry = new SeriesRegistry<SeriesState>(p.maxSeries, p.seriesExpiryMs);
  }

  get seriesCount(): number {
    return this.registry.size;
  }

  /** True once every tracked series has a model (for /readyz). */
  get modelsReady(): boolean {
    if (this.registry.size === 0) return false;
    for (const s of this.registry.values()) if (s.state.runner.model === undefined) return false;
    return true;
  }

  /** Mean typed-array bytes of the tracked series' rolling histories (memory accounting). */
  get historyBytesPerSeries(): number {
    let bytes = 0;
    for (const s of this.registry.values()) bytes += s.state.runner.historyBytes;
    return this.registry.size === 0 ? 0 : Math.round(bytes / this.registry.size);
  }

  get summary(): MonitorTotals {
    return { ...this.totals };
  }

  private stepFor(query: string): number {
    const q = this.deps.config.prometheus.queries.find((x) => x.name === query);
    return (q?.stepSeconds ?? this.deps.config.intervalSeconds) * 1000;
  }

  private createState(stepMs: number, id: string): SeriesState {
    const m = this.deps.config.model;
    const runner = new SeriesRunner(id, this.deps.forecaster, this.deps.createDetector(id, stepMs), {
      stepMs,
      retrainIntervalMs: m.retrainIntervalMs,
      trainingWindowMs: m.trainingWindowMs,
      admission: m,
      screenDetector: () => this.deps.createDetector(id, stepMs),
    });
    return { runner, stepMs, openEpisodes: undefined };
  }

  /** Runs one cycle. Source failures are logged and counted; the cycle then ends early. */
  async runCycle(): Promise<CycleSummary> {
    const { clock, stopwatch, source, logger, metrics, config } = this.deps;
    const t0 = stopwatch();
    const nowMs = clock.nowMs();
    let batches: readonly SeriesBatch[];
    try {
      batches = await source.poll(nowMs);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.totals.cycles++;
      if (isAbort(err)) {
        // SIGTERM cut a waiting poll short: nothing was read, nothing failed.
        logger.info('poll cancelled: shutting down', { source: source.mode });
      } else {
        this.totals.failedCycles++;
        logger.error('poll failed; no samples this cycle', { error: message, source: source.mode });
      }
      const durationMs = stopwatch() - t0;
      metrics.cycleCompleted(durationMs / 1000, nowMs);
      return this.emptySummary(nowMs, durationMs, message);
    }
    metrics.sourceMode(source.mode);

    // 1. Discover.
    const fresh: Array<TrackedSeries<SeriesState>> = [];
    const work: Array<{ series: TrackedSeries<SeriesState>; batch: SeriesBatch }> = [];
    for (const batch of batches) {
      const stepMs = this.stepFor(batch.query);
      const adm = this.registry.admit(
        batch.query,
        batch.labels,
        source.mode,
        nowMs,
        batch.samples.length,
        (id) => this.createState(stepMs, id),
      );
      if (adm.kind === 'rejected') {
        if (!this.loggedRejections.has(adm.id)) {
          this.loggedRejections.add(adm.id);
          logger.warn('series cap reached; series not tracked (raise prometheus.max_series)', {
            series: adm.id,
            max_series: config.prometheus.maxSeries,
          });
        }
        continue;
      }
      if (adm.kind === 'new') fresh.push(adm.series);
      work.push({ series: adm.series, batch });
    }
    const rejectedNow = this.registry.rejectedSeries;
    if (rejectedNow > this.lastRejectedCount) metrics.seriesDropped(rejectedNow - this.lastRejectedCount);
    this.lastRejectedCount = rejectedNow;

    // 2. Backfill new series from history, before their first live samples.
    await this.backfill(fresh, work, nowMs);

    // 3. Fits, bounded in count and time so polling is never stalled. The time budget starts after the
    // backfill: a long first backfill must not leave room for a single fit (models would trickle in one
    // per cycle), and the backfill is a one-off per series.
    const { fits, pending, pendingScreenings } = this.runFits(nowMs, stopwatch());

    // 4. Score and hand to the sink.
    const records: PointRecord[] = [];
    const events: EpisodeEvent[] = [];
    let points = 0;
    let skipped = 0;
    let anomalies = 0;
    let opened = 0;
    const bySeverity = new Map<string, number>();
    for (const { series, batch } of work) {
      const ts = batch.samples.map((s) => s.timestampMs);
      const vs = batch.samples.map((s) => s.value);
      const observations = series.state.runner.observeBatch(ts, vs);
      for (const o of observations) {
        if (!Number.isFinite(o.actual)) {
          skipped++; // NaN/±Inf from the source (e.g. a division by zero in PromQL): counted and logged
          continue;
        }
        points++;
        const record: PointRecord = {
          seriesId: series.id,
          query: series.query,
          source: series.source,
          labels: series.labels,
          timestampMs: o.timestampMs,
          actual: o.actual,
          ...(o.forecast && o.scored
            ? {
                forecast: {
                  modelVersion: o.forecast.modelVersion,
                  yhat: o.forecast.yhat,
                  lower: o.forecast.lower,
                  upper: o.forecast.upper,
                },
                anomaly: {
                  isAnomaly: o.scored.isAnomaly,
                  score: o.scored.score,
                  confidence: o.scored.confidence,
                  threshold: o.scored.threshold,
                  direction: o.scored.direction,
                  severity: o.scored.severity,
                  episodeId: o.episodeId,
                },
              }
            : {}),
        };
        records.push(record);
        if (o.scored?.isAnomaly) {
          anomalies++;
          bySeverity.set(o.scored.severity, (bySeverity.get(o.scored.severity) ?? 0) + 1);
        }
        if (o.forecast && o.scored) {
          metrics.seriesValues(series.id, { ...o.forecast, score: o.scored.score });
        }
        for (const e of o.events) {
          events.push({
            kind: e.kind,
            seriesId: series.id,
            query: series.query,
            source: series.source,
            labels: series.labels,
            episode: e.episode,
          });
          if (e.kind === 'opened') {
            opened++;
            (series.state.openEpisodes ??= new Set()).add(e.episode.id);
            logger.warn('anomaly episode opened', {
              series: series.id,
              episode: e.episode.id,
              score: round(e.episode.peakScore),
              severity: e.episode.severity,
              direction: e.episode.direction,
              cause: e.episode.cause,
              source: series.source,
            });
          } else if (e.kind === 'closed') {
            series.state.openEpisodes?.delete(e.episode.id);
            logger.info('anomaly episode closed', {
              series: series.id,
              episode: e.episode.id,
              peak_score: round(e.episode.peakScore),
              severity: e.episode.severity,
              duration_s: (e.episode.endMs - e.episode.startMs) / 1000,
            });
          }
        }
      }
    }
    if (records.length > 0) this.deps.sink.write(records);
    if (events.length > 0) this.deps.sink.writeEpisodeEvents(events);

    // 5. Forget series that stopped reporting.
    for (const gone of this.registry.expire(nowMs)) {
      metrics.seriesRemoved(gone.id);
      this.loggedRejections.delete(gone.id);
      logger.info('series expired (no samples)', {
        series: gone.id,
        last_seen: new Date(gone.lastSeenMs).toISOString(),
      });
    }

    this.openEpisodeCount = 0;
    for (const s of this.registry.values()) this.openEpisodeCount += s.state.openEpisodes?.size ?? 0;
    const durationMs = stopwatch() - t0;
    metrics.pointsProcessed(points);
    for (const [sev, n] of bySeverity) metrics.anomalies(sev, n);
    metrics.openEpisodes(this.openEpisodeCount);
    metrics.seriesCount(this.registry.size);
    metrics.cycleCompleted(durationMs / 1000, nowMs);
    this.totals.cycles++;
    this.totals.points += points;
    this.totals.anomalies += anomalies;
    this.totals.episodesOpened += opened;
    this.totals.fits += fits;
    const summary: CycleSummary = {
      nowMs,
      source: source.mode,
      series: this.registry.size,
      newSeries: fresh.length,
      points,
      anomalies,
      episodesOpened: opened,
      fits,
      pendingFits: pending,
      pendingScreenings,
      durationMs,
    };
    logger.info('cycle', {
      source: summary.source,
      series: summary.series,
      new_series: summary.newSeries,
      points,
      skipped_non_finite: skipped,
      anomalies,
      episodes_opened: opened,
      open_episodes: this.openEpisodeCount,
      fits,
      pending_fits: pending,
      pending_screenings: pendingScreenings,
      duration_ms: Math.round(durationMs),
    });
    return summary;
  }

  private async backfill(
    fresh: Array<TrackedSeries<SeriesState>>,
    work: Array<{ series: TrackedSeries<SeriesState>; batch: SeriesBatch }>,
    nowMs: number,
  ): Promise<void> {
    if (fresh.length === 0) return;
    const { config, source, logger, metrics, initialModel } = this.deps;
    const firstLive = new Map<string, number>();
    for (const { series, batch } of work) {
      if (batch.samples.length > 0) firstLive.set(series.id, batch.samples[0].timestampMs);
    }
    const freshIds = new Set(fresh.map((s) => s.id));
    const perQuery = new Map<string, number>();
    for (const s of fresh) perQuery.set(s.query, (perQuery.get(s.query) ?? 0) + 1);
    // Each piece goes straight into its series' (compact) history and is dropped: the backfill of a
    // whole fleet never sits in memory at once.
    const load = (h: SeriesBatch): void => {
      const id = canonicalSeriesId(h.query, h.labels);
      const tracked = freshIds.has(id) ? this.registry.get(id) : undefined;
      if (!tracked) return;
      const cutoff = firstLive.get(tracked.id) ?? Number.POSITIVE_INFINITY;
      if (h.grid) tracked.state.runner.loadGrid(h.grid.startMs, h.grid.stepMs, h.grid.values, cutoff);
      const samples = h.samples.filter((s) => s.timestampMs < cutoff);
      if (samples.length > 0) {
        tracked.state.runner.load({
          timestampsMs: Float64Array.from(samples, (s) => s.timestampMs),
          values: Float64Array.from(samples, (s) => s.value),
        });
      }
    };
    for (const [queryName, count] of perQuery) {
      const query = config.prometheus.queries.find((q) => q.name === queryName) ?? {
        name: queryName,
        promql: '',
      };
      try {
        await source.history(query, config.prometheus.trainingWindowMs, nowMs, load, count);
      } catch (err) {
        if (isAbort(err)) {
          logger.info('history fetch cancelled: shutting down', { query: queryName });
          continue;
        }
        metrics.prometheusError(
          err instanceof Error && 'kind' in err && typeof err.kind === 'string' ? err.kind : 'unknown',
        );
        logger.warn('history fetch failed; these series will learn from live samples', {
          query: queryName,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    if (initialModel) {
      for (const s of fresh) {
        if (initialModel.stepMs === s.state.stepMs) s.state.runner.useModel(initialModel, nowMs);
        else
          logger.warn(
            'model file does not match this series (different step); fitting from history instead',
            {
              series: s.id,
              model_step_s: initialModel.stepMs / 1000,
              series_step_s: s.state.stepMs / 1000,
            },
          );
      }
    }
  }

  /**
   * Fits due series, at most `maxFitsPerCycle` and (after the first) within half the interval from
   * `budgetStart`. Series with no model come first (they have no forecasts at all), then first models whose
   * screening is pending (SeriesRunner.fit's `deferScreening`: a new series' first fit is a plain one, so a
   * fleet's start-up costs one fit per series), then scheduled refits. A screening pass that marks nothing
   * keeps its model: it counts against the budget but is not a fit.
   */
  private runFits(
    nowMs: number,
    budgetStart: number,
  ): { fits: number; pending: number; pendingScreenings: number } {
    const { config, stopwatch, metrics, logger } = this.deps;
    const due: Array<TrackedSeries<SeriesState>> = [];
    for (const s of this.registry.values()) if (s.state.runner.refitDue(nowMs)) due.push(s);
    const rank = (r: SeriesRunner): number => (r.model === undefined ? 0 : r.screenPending ? 1 : 2);
    due.sort((a, b) => rank(a.state.runner) - rank(b.state.runner));
    const budgetMs = config.intervalSeconds * 1000 * 0.5;
    let passes = 0;
    let fits = 0;
    for (const s of due) {
      if (passes >= config.model.maxFitsPerCycle) break;
      if (passes > 0 && stopwatch() - budgetStart > budgetMs) break;
      const runner = s.state.runner;
      const before = runner.fitCount;
      const t = stopwatch();
      try {
        runner.fit(nowMs, { deferScreening: true });
      } catch (err) {
        logger.error('model fit failed; keeping the previous model', {
          series: s.id,
          error: err instanceof Error ? err.message : String(err),
        });
      }
      passes++;
      if (runner.fitCount > before) {
        metrics.modelFit((stopwatch() - t) / 1000);
        fits++;
      }
    }
    let pending = 0;
    let pendingScreenings = 0;
    // Counted after the fits, over the due list (a pending screening makes its series due): a first model
    // fitted this cycle is screened in a later one.
    due.forEach((s, i) => {
      if (s.state.runner.screenPending) pendingScreenings++;
      else if (i >= passes) pending++;
    });
    return { fits, pending, pendingScreenings };
  }

  private emptySummary(nowMs: number, durationMs: number, error: string): CycleSummary {
    return {
      nowMs,
      source: this.deps.source.mode,
      series: this.registry.size,
      newSeries: 0,
      points: 0,
      anomalies: 0,
      episodesOpened: 0,
      fits: 0,
      pendingFits: 0,
      pendingScreenings: 0,
      durationMs,
      error,
    };
  }

  /**
   * Runs cycles every `intervalSeconds` until `signal` aborts. A cycle that overruns its interval is logged
   * and the next one starts at once (each poll reads everything since the last, so nothing is skipped).
   */
  async run(signal: AbortSignal): Promise<MonitorTotals> {
    const { clock, sleeper, logger, config } = this.deps;
    const intervalMs = config.intervalSeconds * 1000;
    while (!signal.aborted) {
      const started = clock.nowMs();
      try {
        await this.runCycle();
      } catch (err) {
        this.totals.failedCycles++;
        logger.error('cycle failed', { error: err instanceof Error ? err.message : String(err) });
      }
      const elapsed = clock.nowMs() - started;
      if (elapsed > intervalMs) {
        logger.warn('cycle overran its interval', { duration_ms: elapsed, interval_ms: intervalMs });
        continue;
      }
      await sleeper.sleep(intervalMs - elapsed, signal);
    }
    return this.summary;
  }
}

/** A source error that means "cancelled because the daemon is stopping" (Prometheus kind `aborted`). */
function isAbort(err: unknown): boolean {
  return err instanceof Error && 'kind' in err && err.kind === 'aborted';
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
