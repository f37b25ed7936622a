/** Pure helpers for splitting long `query_range` calls and putting the pieces back together. */
import { canonicalSeriesId, type Labels } from '../../domain/series';
import type { Sample } from '../../domain/timeSeries';
import type { NonFiniteCounts, SeriesData } from './types';

/**
 * Prometheus refuses a range query when `(end - start) / step > 11000` ("exceeded maximum resolution of
 * 11,000 points per timeseries").
 */
export const PROMETHEUS_MAX_POINTS_PER_SERIES = 11_000;

/** One `query_range` request: both ends inclusive, epoch milliseconds. */
export interface TimeChunk {
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Splits [startMs, endMs] (both inclusive, evaluated at startMs + k·stepMs) into requests of at most
 * `maxPoints` evaluation points each. Every chunk starts on the original grid and the next one starts one
 * step after the previous end, so no point is requested twice and none is skipped.
 */
export function planChunks(startMs: number, endMs: number, stepMs: number, maxPoints: number): TimeChunk[] {
  if (!(stepMs > 0) || !Number.isFinite(stepMs)) throw new RangeError(`stepMs must be > 0, got ${stepMs}`);
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new RangeError(`maxPoints must be an integer >= 1, got ${maxPoints}`);
  }
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    throw new RangeError(`need finite startMs <= endMs, got ${startMs}..${endMs}`);
  }
  const totalPoints = Math.floor((endMs - startMs) / stepMs) + 1;
  const chunks: TimeChunk[] = [];
  for (let first = 0; first < totalPoints; first += maxPoints) {
    const last = Math.min(first + maxPoints, totalPoints) - 1;
    chunks.push({ startMs: startMs + first * stepMs, endMs: startMs + last * stepMs });
  }
  return chunks;
}

interface Accumulator {
  labels: Labels;
  samples: Sample[];
  nan: number;
  posInf: number;
  negInf: number;
}

/**
 * Merges the answers of consecutive chunks (in time order) into one list of series, matching series by
 * their full label set. A sample at or before the last one already kept for its series is dropped, so a
 * boundary point that two chunks both return appears once.
 */
export function mergeChunks(chunks: readonly (readonly SeriesData[])[]): SeriesData[] {
  const bySeries = new Map<string, Accumulator>();
  for (const chunk of chunks) {
    for (const s of chunk) {
      const key = canonicalSeriesId('', s.labels);
      let acc = bySeries.get(key);
      if (acc === undefined) {
        acc = { labels: s.labels, samples: [], nan: 0, posInf: 0, negInf: 0 };
        bySeries.set(key, acc);
      }
      for (const sample of s.samples) {
        const last = acc.samples[acc.samples.length - 1];
        if (last !== undefined && sample.timestampMs <= last.timestampMs) continue;
        acc.samples.push(sample);
        const v = sample.value;
        if (Number.isNaN(v)) acc.nan++;
        else if (v === Infinity) acc.posInf++;
        else if (v === -Infinity) acc.negInf++;
      }
    }
  }
  return [...bySeries.values()].map((a) => ({
    labels: a.labels,
    samples: a.samples,
    nonFinite: { nan: a.nan, posInf: a.posInf, negInf: a.negInf } satisfies NonFiniteCounts,
  }));
}

/**
 * How to treat the `__name__` label:
 * - `auto` (default): drop it, unless the result holds several metric names (or named and unnamed
 *   series), in which case every series keeps it so their identities stay distinct;
 * - `keep`: always keep it (used once a query has been seen to return several names, so ids stay stable).
 */
export type MetricNamePolicy = 'auto' | 'keep';

/** Applies a {@link MetricNamePolicy} to a whole result. */
export function applyMetricNamePolicy(seriesList: SeriesData[], policy: MetricNamePolicy): SeriesData[] {
  if (policy === 'keep') return seriesList;
  const names = new Set(seriesList.map((s) => s.labels.__name__));
  if (names.size > 1) return seriesList;
  return seriesList.map((s) => {
    if (!('__name__' in s.labels)) return s;
    const { __name__: _dropped, ...rest } = s.labels;
    return { ...s, labels: rest };
  });
}
