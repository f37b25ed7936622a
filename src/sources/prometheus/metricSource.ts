import { silentLogger, type Logger } from '../../domain/logger';
import type { Labels } from '../../domain/series';
import type { Sample } from '../../domain/timeSeries';
import type { PrometheusError } from './errors';
import type { PrometheusSource, QueryPoll } from './source';
import { totalNonFinite, type SeriesData } from './types';

/**
 * New samples of one series, flattened across queries. Structurally the pipeline's `SeriesBatch`, so
 * {@link PrometheusMetricSource} satisfies its `MetricSource` port without this folder importing the
 * pipeline.
 */
export interface PrometheusBatch {
  readonly query: string;
  readonly labels: Labels;
  readonly samples: readonly Sample[];
}

/** Options of {@link PrometheusMetricSource}. */
export interface PrometheusMetricSourceOptions {
  readonly source: PrometheusSource;
  /**
   * Called for a query that failed on its own (`bad_query`, `bad_response`) while the others succeeded,
   * e.g. to count `anomalyd_prometheus_errors_total{kind}`. Source-wide failures are thrown by `poll`.
   */
  readonly onQueryError?: (error: PrometheusError) => void;
  readonly logger?: Logger;
}

/** Adapts {@link PrometheusSource} to the daemon's source port (`mode`, `poll`, `history`). */
export class PrometheusMetricSource {
  readonly mode = 'prometheus' as const;
  private readonly source: PrometheusSource;
  private readonly onQueryError: (error: PrometheusError) => void;
  private readonly logger: Logger;

  constructor(options: PrometheusMetricSourceOptions) {
    this.source = options.source;
    this.onQueryError = options.onQueryError ?? (() => undefined);
    this.logger = options.logger ?? silentLogger;
  }

  /** Every new sample of every series since the previous poll; throws when Prometheus itself fails. */
  async poll(nowMs: number): Promise<PrometheusBatch[]> {
    const polls = await this.source.poll(nowMs);
    for (const p of polls) if (p.error !== undefined) this.onQueryError(p.error);
    return flattenPolls(polls, this.logger);
  }

  /**
   * The query's series over `(nowMs - windowMs, nowMs]`, handed to `onBatch` one series of one time chunk
   * at a time (see {@link PrometheusSource.history}).
   */
  async history(
    query: { readonly name: string },
    windowMs: number,
    nowMs: number,
    onBatch: (batch: PrometheusBatch) => void,
    expectedSeries?: number,
  ): Promise<void> {
    await this.source.history(
      query.name,
      windowMs,
      nowMs,
      (seriesList) => {
        for (const b of flattenPolls([{ query: query.name, seriesList }], this.logger)) onBatch(b);
      },
      expectedSeries,
    );
  }
}

/** Flattens per-query results into one batch per series, logging non-finite counts (kept as values). */
export function flattenPolls(polls: readonly QueryPoll[], logger: Logger = silentLogger): PrometheusBatch[] {
  const batches: PrometheusBatch[] = [];
  for (const p of polls) {
    const nonFinite = totalNonFinite(p.seriesList);
    if (nonFinite.nan + nonFinite.posInf + nonFinite.negInf > 0) {
      logger.debug('Prometheus returned non-finite values', { query: p.query, ...nonFinite });
    }
    batches.push(
      ...p.seriesList.map((s: SeriesData) => ({ query: p.query, labels: s.labels, samples: s.samples })),
    );
  }
  return batches;
}
