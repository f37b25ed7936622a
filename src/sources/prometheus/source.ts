import type { Clock } from '../../domain/clock';
import { systemClock } from '../../domain/clock';
import { silentLogger, type Logger } from '../../domain/logger';
import type { QueryConfig } from '../../config/types';
import type { MetricNamePolicy } from './chunks';
import type { QueryOptions } from './client';
import { PrometheusError, type PrometheusErrorKind } from './errors';
import type { SeriesData } from './types';

/** What {@link PrometheusSource} needs from a client; {@link PrometheusClient} implements it. */
export interface PrometheusQueryApi {
  queryRange(
    promql: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    options?: QueryOptions,
  ): Promise<SeriesData[]>;
  query(promql: string, timeMs: number, options?: QueryOptions): Promise<SeriesData[]>;
  queryRangeChunks(
    promql: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    onChunk: (seriesList: SeriesData[]) => void,
    options?: QueryOptions & { readonly expectedSeries?: number },
  ): Promise<void>;
}

/** Options of {@link PrometheusSource}. */
export interface PrometheusSourceOptions {
  readonly client: PrometheusQueryApi;
  readonly queries: readonly QueryConfig[];
  /** Step of queries that set none (the monitor interval), in seconds. */
  readonly defaultStepSeconds: number;
  /**
   * Longest span one poll catches up on after a long stall (epoch-ms span); older unread samples are
   * skipped with a warning. Default 24 h.
   */
  readonly maxCatchUpMs?: number;
  /** Used by {@link PrometheusSource.checkQueries}. Default: the system clock. */
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/** Defaults of {@link PrometheusSourceOptions}. */
export const DEFAULT_PROMETHEUS_SOURCE_OPTIONS = { maxCatchUpMs: 24 * 3600_000 } as const;

/** New samples of one query in one poll. */
export interface QueryPoll {
  /** The configured query name. */
  readonly query: string;
  /** Only samples newer than everything this query returned before. */
  readonly seriesList: SeriesData[];
  /**
   * Set when this query alone failed (`bad_query` or `bad_response`); its series list is empty and its
   * cursor did not move, so the next poll asks for the same span again.
   */
  readonly error?: PrometheusError;
}

/** Outcome of running one query once, for `anomalyd check`. */
export interface QueryCheck {
  readonly query: string;
  readonly ok: boolean;
  readonly seriesCount: number;
  /** The full error message (names the URL, the query and what to do). */
  readonly error?: string;
  readonly errorKind?: PrometheusErrorKind;
}

/** Errors that mean "this query is broken", not "Prometheus is down"; they do not fail the whole poll. */
function isQueryLocal(e: PrometheusError): boolean {
  return e.kind === 'bad_query' || e.kind === 'bad_response';
}

interface Planned {
  readonly query: QueryConfig;
  readonly stepMs: number;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Reads the configured PromQL queries from Prometheus. Per query it keeps a cursor — the newest sample
 * timestamp seen — so each poll reads exactly the samples after it: a late cycle reads a longer span
 * (nothing skipped), and no sample is returned twice.
 */
export class PrometheusSource {
  private readonly client: PrometheusQueryApi;
  private readonly queries: ReadonlyMap<string, QueryConfig>;
  private readonly defaultStepSeconds: number;
  private readonly maxCatchUpMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly cursors = new Map<string, number>();
  /** Queries once seen returning several metric names: they keep `__name__` from then on (stable ids). */
  private readonly keepName = new Set<string>();

  constructor(options: PrometheusSourceOptions) {
    const o = { ...DEFAULT_PROMETHEUS_SOURCE_OPTIONS, clock: systemClock, logger: silentLogger, ...options };
    if (!(o.defaultStepSeconds > 0)) {
      throw new RangeError(`defaultStepSeconds must be > 0, got ${o.defaultStepSeconds}`);
    }
    this.client = o.client;
    this.defaultStepSeconds = o.defaultStepSeconds;
    this.maxCatchUpMs = o.maxCatchUpMs;
    this.clock = o.clock;
    this.logger = o.logger;
    const byName = new Map<string, QueryConfig>();
    for (const q of o.queries) {
      if (byName.has(q.name)) throw new RangeError(`duplicate prometheus query name "${q.name}"`);
      if (q.stepSeconds !== undefined && !(q.stepSeconds > 0)) {
        throw new RangeError(`query "${q.name}": stepSeconds must be > 0, got ${q.stepSeconds}`);
      }
      byName.set(q.name, q);
    }
    this.queries = byName;
  }

  /** Step of a query in seconds. */
  stepSecondsOf(queryName: string): number {
    return this.lookup(queryName).stepSeconds ?? this.defaultStepSeconds;
  }

  /** Newest sample time (epoch ms) this source has returned for the query, if any. */
  cursorOf(queryName: string): number | undefined {
    return this.cursors.get(queryName);
  }

  /**
   * Reads, for every query, the samples after its cursor up to `nowMs` rounded down to the query's step.
   * A query with no cursor yet reads only the latest step. Queries run concurrently.
   *
   * If Prometheus itself fails (unreachable, timeout, HTTP error) after retries, the poll throws the first
   * such {@link PrometheusError} and no cursor moves — nothing read in this poll is lost. A query that is
   * broken on its own (bad PromQL, bad response) is reported in its {@link QueryPoll.error} instead.
   */
  async poll(nowMs: number): Promise<QueryPoll[]> {
    const plans = [...this.queries.values()].map((q) => this.planPoll(q, nowMs));
    const settled = await Promise.allSettled(
      plans.map((p) =>
        p === undefined
          ? Promise.resolve([])
          : this.client.queryRange(
              p.query.promql,
              p.startMs,
              p.endMs,
              p.stepMs / 1000,
              this.options(p.query),
            ),
      ),
    );
    for (const s of settled) {
      if (s.status === 'rejected' && !(s.reason instanceof PrometheusError && isQueryLocal(s.reason))) {
        throw s.reason;
      }
    }
    // Only now, with every query answered, do cursors move.
    return [...this.queries.values()].map((q, i): QueryPoll => {
      const s = settled[i];
      if (s.status === 'rejected') {
        const error = s.reason as PrometheusError;
        this.logger.warn('Prometheus query failed', {
          query: q.name,
          kind: error.kind,
          error: error.message,
        });
        return { query: q.name, seriesList: [], error };
      }
      return { query: q.name, seriesList: this.commit(q.name, s.value) };
    });
  }

  /**
   * Fetches the training window `(nowMs - windowMs, nowMs]` (ends on the step grid) for all series of a
   * query and hands it to `onChunk` time chunk by time chunk (oldest first), sized for `expectedSeries`
   * series so no answer is large. Read-only: it does not move the poll cursor, so call it with the same
   * `nowMs` as the poll that discovered the series to continue exactly where the history ends.
   */
  async history(
    queryName: string,
    windowMs: number,
    nowMs: number,
    onChunk: (seriesList: SeriesData[]) => void,
    expectedSeries = 1,
  ): Promise<void> {
    const q = this.lookup(queryName);
    const stepMs = this.stepMsOf(q);
    const endMs = alignDown(nowMs, stepMs);
    const startMs = alignDown(endMs - windowMs, stepMs) + stepMs;
    if (startMs > endMs) return;
    await this.client.queryRangeChunks(
      q.promql,
      startMs,
      endMs,
      stepMs / 1000,
      (seriesList) => {
        this.noteMetricNames(q.name, seriesList);
        onChunk(seriesList);
      },
      { ...this.options(q), expectedSeries },
    );
  }

  /** Runs every query once (instant, at the clock's now) and says whether it works and how many series it has. */
  async checkQueries(): Promise<QueryCheck[]> {
    const nowMs = this.clock.nowMs();
    return Promise.all(
      [...this.queries.values()].map(async (q): Promise<QueryCheck> => {
        try {
          const result = await this.client.query(q.promql, nowMs, this.options(q));
          return { query: q.name, ok: true, seriesCount: result.length };
        } catch (e) {
          if (!(e instanceof PrometheusError)) throw e;
          return { query: q.name, ok: false, seriesCount: 0, error: e.message, errorKind: e.kind };
        }
      }),
    );
  }

  private lookup(queryName: string): QueryConfig {
    const q = this.queries.get(queryName);
    if (q === undefined) throw new RangeError(`unknown prometheus query "${queryName}"`);
    return q;
  }

  private stepMsOf(q: QueryConfig): number {
    return (q.stepSeconds ?? this.defaultStepSeconds) * 1000;
  }

  private options(q: QueryConfig): QueryOptions {
    const metricName: MetricNamePolicy = this.keepName.has(q.name) ? 'keep' : 'auto';
    return { queryName: q.name, metricName };
  }

  private planPoll(q: QueryConfig, nowMs: number): Planned | undefined {
    const stepMs = this.stepMsOf(q);
    const endMs = alignDown(nowMs, stepMs);
    const cursor = this.cursors.get(q.name);
    if (cursor === undefined) return { query: q, stepMs, startMs: endMs, endMs };
    // The first grid point strictly after the cursor.
    let startMs = alignDown(cursor, stepMs) + stepMs;
    if (startMs > endMs) return undefined;
    const oldestMs = alignDown(endMs - this.maxCatchUpMs, stepMs) + stepMs;
    if (startMs < oldestMs) {
      this.logger.warn('Prometheus poll is too far behind; skipping the oldest unread samples', {
        query: q.name,
        skippedFromMs: startMs,
        skippedToMs: oldestMs - stepMs,
        maxCatchUpMs: this.maxCatchUpMs,
      });
      startMs = oldestMs;
    }
    return { query: q, stepMs, startMs, endMs };
  }

  /** Drops anything at or before the cursor (defensive), advances the cursor, returns the new samples. */
  private commit(queryName: string, seriesList: SeriesData[]): SeriesData[] {
    this.noteMetricNames(queryName, seriesList);
    const cursor = this.cursors.get(queryName) ?? -Infinity;
    let newest = cursor;
    const fresh: SeriesData[] = [];
    for (const s of seriesList) {
      const samples = s.samples.filter((x) => x.timestampMs > cursor);
      if (samples.length === 0) continue;
      newest = Math.max(newest, samples[samples.length - 1].timestampMs);
      fresh.push(
        samples.length === s.samples.length ? s : { ...s, samples, nonFinite: countNonFinite(samples) },
      );
    }
    if (newest > cursor) this.cursors.set(queryName, newest);
    return fresh;
  }

  private noteMetricNames(queryName: string, seriesList: readonly SeriesData[]): void {
    // In `auto` mode the client keeps `__name__` only when several names came back.
    if (!this.keepName.has(queryName) && seriesList.some((s) => '__name__' in s.labels)) {
      this.keepName.add(queryName);
      this.logger.info('query returns several metric names; keeping __name__ in its series labels', {
        query: queryName,
      });
    }
  }
}

function alignDown(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

function countNonFinite(samples: readonly { value: number }[]): SeriesData['nonFinite'] {
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (const { value } of samples) {
    if (Number.isNaN(value)) nan++;
    else if (value === Infinity) posInf++;
    else if (value === -Infinity) negInf++;
  }
  return { nan, posInf, negInf };
}
