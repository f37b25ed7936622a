import type { Labels } from '../../domain/series';
import type { Sample } from '../../domain/timeSeries';

/** Counts of non-finite values in a series. They are kept as numbers; the pipeline decides what to do. */
export interface NonFiniteCounts {
  readonly nan: number;
  readonly posInf: number;
  readonly negInf: number;
}

/**
 * One series returned by Prometheus.
 *
 * `labels` omit `__name__` unless the result holds several metric names (then every series keeps it, so
 * two series that differ only by metric name stay apart). Queries over one metric — the usual case — thus
 * give the same labels as `rate(...)`-style queries, for which Prometheus drops the name itself, and the
 * query name already says what is measured.
 */
export interface SeriesData {
  readonly labels: Labels;
  /** Strictly increasing by timestamp; values may be NaN or ±Infinity (see `nonFinite`). */
  readonly samples: Sample[];
  readonly nonFinite: NonFiniteCounts;
}

/**
 * The sleep port: resolves after `ms` milliseconds, or as soon as `signal` aborts. Tests inject a fake that
 * records and resolves at once.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real sleeper, backed by `setTimeout`; an abort ends the wait at once. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Sums the non-finite counts of several series (for the log line / metric of one poll). */
export function totalNonFinite(seriesList: readonly SeriesData[]): NonFiniteCounts {
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (const s of seriesList) {
    nan += s.nonFinite.nan;
    posInf += s.nonFinite.posInf;
    negInf += s.nonFinite.negInf;
  }
  return { nan, posInf, negInf };
}
