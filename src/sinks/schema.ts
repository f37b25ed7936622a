/**
 * The InfluxDB schema anomalyd writes. This is a contract: the Grafana dashboards and alert rules are
 * tested against these constants, so renaming anything here breaks those tests on purpose.
 */
export const MEASUREMENT = {
  actual: 'actual',
  forecast: 'forecast',
  anomaly: 'anomaly',
} as const;

/** Tags on every measurement. The series' own labels are added as further tags (all, or an allow-list). */
export const TAG = {
  /** Stable series id: the canonical form of query name + sorted labels. */
  series: 'series',
  /** The configured query name. */
  query: 'query',
  /** Where the sample came from: `prometheus` or `simulator`. */
  source: 'source',
  /** On `forecast` (and `anomaly`) only: the version id of the model that produced it. */
  modelVersion: 'model_version',
} as const;

export const FIELD = {
  actual: { value: 'value' },
  forecast: { yhat: 'yhat', yhatLower: 'yhat_lower', yhatUpper: 'yhat_upper' },
  anomaly: {
    isAnomaly: 'is_anomaly',
    score: 'score',
    confidence: 'confidence',
    threshold: 'threshold',
    direction: 'direction',
    severity: 'severity',
    episodeId: 'episode_id',
  },
} as const;

export type SourceTag = 'prometheus' | 'simulator';

/** Label names that may not be used as extra tags because they would collide with ours. */
export const RESERVED_TAGS: readonly string[] = Object.values(TAG);
