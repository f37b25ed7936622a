/** Which side of the forecast a deviation lies on: -1 below, 0 inside / none, 1 above. */
export type Direction = -1 | 0 | 1;

export const SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The detection verdict for one observed point. */
export interface ScoredPoint {
  readonly timestampMs: number;
  readonly actual: number;
  readonly yhat: number;
  readonly lower: number;
  readonly upper: number;
  /**
   * Deviation in half-band units: 0 at the forecast, 1 at the band edge (of the un-scaled calibrated
   * interval). Always >= 0; the side is in `direction`.
   */
  readonly score: number;
  /** The score a point must exceed to be anomalous (= detection.threshold_multiplier). */
  readonly threshold: number;
  readonly direction: Direction;
  readonly severity: Severity;
  /**
   * 1 - P(|Z| >= |z|) where z is the standardised residual and P the calibrated (out-of-sample) residual
   * distribution: the probability that a normal point deviates less than this one did.
   */
  readonly confidence: number;
  /** The point left the (scaled) band. */
  readonly isAnomaly: boolean;
  /** The residual-drift detector (CUSUM) is signalling a sustained one-sided deviation at this point. */
  readonly drift: boolean;
}

/** A run of anomalous points reported (and alerted on) as one incident. */
export interface Episode {
  /** Stable id: `${seriesId}:${startMs}` style, unique per series. */
  readonly id: string;
  readonly startMs: number;
  /** Timestamp of the last anomalous point so far. */
  readonly endMs: number;
  readonly peakScore: number;
  readonly severity: Severity;
  readonly direction: Direction;
  readonly points: number;
  /** What opened it: points leaving the band, or the drift detector. */
  readonly cause: 'band' | 'drift';
  readonly open: boolean;
}
