/**
 * The result of `anomalyd evaluate` / `train`. Key names are snake_case because this object is the
 * `--json` output and `evaluation_report.json`, which users script against.
 */
export interface PointMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

export interface EventMetrics {
  readonly recall: number;
  readonly precision: number;
  readonly f1: number;
  /** Labelled events with at least one flagged point. */
  readonly detected: number;
  readonly total: number;
  /** Predicted episodes that overlap no labelled event. */
  readonly false_alarm_episodes: number;
  readonly false_alarms_per_day: number;
  /** Mean of (first flagged point - event start) over detected events, seconds; null when none detected. */
  readonly mean_time_to_detect_s: number | null;
}

export interface ForecastMetrics {
  readonly mae: number;
  readonly mape: number | null;
  readonly smape: number;
  /**
   * Fraction of evaluated unlabelled points inside [lower, upper]: the band each point was judged against
   * and the daemon writes (the one-step-corrected band where the correction applies).
   */
  readonly interval_coverage: number;
  /**
   * Fraction inside the model's own prediction interval (the forecaster's calibrated band, before the
   * detector's one-step correction): what the `interval_width` claim is about. null when not recorded.
   */
  readonly model_interval_coverage: number | null;
  readonly points: number;
}

export interface NabScores {
  readonly standard: number;
  readonly reward_low_fp: number;
  readonly reward_low_fn: number;
}

export interface ThresholdRow {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly fpr: number;
  readonly tpr: number;
  readonly flagged: number;
}

export interface Curve {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Everything evaluated, per point, column-wise (for charts and --scores-out). */
export interface EvaluatedPoints {
  readonly timestampsMs: Float64Array;
  readonly actual: Float64Array;
  readonly forecast: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** The model's own prediction interval, when recorded (see ForecastMetrics.model_interval_coverage). */
  readonly modelLower?: Float64Array;
  readonly modelUpper?: Float64Array;
  readonly score: Float64Array;
  readonly isAnomaly: Uint8Array;
  /** 1 = labelled anomalous; absent when there is no ground truth. */
  readonly label?: Uint8Array;
  /** Episode id per point, '' when none. */
  readonly episodeId: readonly string[];
}

export interface EpisodeSummary {
  readonly id: string;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly peak_score: number;
  readonly severity: string;
  readonly direction: number;
  readonly cause: string;
  /** True when it overlaps a labelled event. */
  readonly matched: boolean | null;
}

export interface EvaluationResult {
  readonly dataset: string;
  readonly model: {
    readonly kind: string;
    readonly components: readonly string[];
    readonly step_s: number;
    /** The scale the first model was fitted on: `log` (model/valueTransform.ts) or the series' own units. */
    readonly scale: 'log' | 'linear';
  };
  readonly train: { readonly points: number; readonly start: string; readonly end: string };
  readonly test: {
    readonly points: number;
    readonly start: string;
    readonly end: string;
    readonly days: number;
  };
  readonly ground_truth: 'labels' | 'windows' | 'injected' | 'none';
  readonly interval_width: number;
  readonly threshold_multiplier: number;
  readonly point: PointMetrics;
  readonly event: EventMetrics;
  readonly forecast: ForecastMetrics;
  /** null when the test part has no positive or no negative label. */
  readonly roc_auc: number | null;
  readonly pr_auc: number | null;
  readonly nab?: NabScores;
  readonly roc: Curve;
  readonly pr: Curve;
  readonly threshold_sweep: readonly ThresholdRow[];
  readonly episodes: readonly EpisodeSummary[];
}
