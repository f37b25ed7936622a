/** Score cut-offs for severities: a point with score > cutoff gets at least that severity. */
export interface SeverityCutoffs {
  /** Default 1.0 (the band edge). */
  readonly low: number;
  /** Default 1.5. */
  readonly medium: number;
  /** Default 2.5. */
  readonly high: number;
  /** Default 4.0. */
  readonly critical: number;
}

export interface EpisodeOptions {
  /** N of the N-of-M rule: anomalous points needed within the last M to open an episode. Default 4. */
  readonly minPoints: number;
  /** M of the N-of-M rule. Default 5. */
  readonly window: number;
  /**
   * Hysteresis: once open, an episode stays open while the score stays above this fraction of the
   * threshold. Default 0.7.
   */
  readonly closeRatio: number;
  /** An episode closes after this many consecutive points below the close level. Default 2. */
  readonly closeAfter: number;
  /** Two episodes separated by less than this many milliseconds are merged. Default 15 minutes. */
  readonly mergeGapMs: number;
  /** A single point with score >= this opens an episode immediately (a spike). Default 2. */
  readonly immediateScore: number;
}

export interface DriftOptions {
  readonly enabled: boolean;
  /**
   * CUSUM allowance k in long-run standard deviations of the standardised residual (widened for the
   * model's residual autocorrelation, see `DriftTuning.residualAutocorrelation`). Default 0.5.
   */
  readonly k: number;
  /** CUSUM decision threshold h, in the same units. Default 8. */
  readonly h: number;
}

export interface DetectionOptions {
  /** Scales the calibrated band: a point is anomalous when score > thresholdMultiplier. Default 1.0. */
  readonly thresholdMultiplier: number;
  readonly severity: SeverityCutoffs;
  readonly episode: EpisodeOptions;
  readonly drift: DriftOptions;
}
