/**
 * A regularly-sampled (but possibly gappy) univariate series, stored column-wise in typed arrays so the
 * numeric core never allocates per point.
 */
export interface TimeSeries {
  /** Sample timestamps, epoch milliseconds UTC, strictly increasing. */
  readonly timestampsMs: Float64Array;
  /** Sample values; NaN marks a missing value inside the grid (never used for fitting). */
  readonly values: Float64Array;
  /** The sampling step in milliseconds (inferred from the data as the most common positive difference). */
  readonly stepMs: number;
}

/** A series with optional ground truth: 1 = anomalous point, 0 = normal. */
export interface LabelledSeries extends TimeSeries {
  readonly labels?: Uint8Array;
}

/** One observation as it arrives in the daemon. */
export interface Sample {
  readonly timestampMs: number;
  readonly value: number;
}

/** Returns a new series holding the points [start, end). */
export function sliceSeries<T extends LabelledSeries>(series: T, start: number, end: number): LabelledSeries {
  return {
    timestampsMs: series.timestampsMs.subarray(start, end),
    values: series.values.subarray(start, end),
    stepMs: series.stepMs,
    ...(series.labels ? { labels: series.labels.subarray(start, end) } : {}),
  };
}
