/** The daemon's own observability: winston logger, prom-client metrics, and the /metrics + health server. */
export { createLogger, type LoggerOptions, type LogStream } from './logger';
export {
  createMetrics,
  monitorMetrics,
  ACTIVE_SOURCE_MODES,
  DEFAULT_METRICS_PREFIX,
  type ActiveSourceMode,
  type AnomalySeverity,
  type CounterHandle,
  type GaugeHandle,
  type HistogramHandle,
  type KeyedCounterHandle,
  type Metrics,
  type MetricsOptions,
  type MonitorMetricsAdapter,
  type PerSeriesHandle,
  type SeriesSnapshot,
  type SourceModeHandle,
  type StateReaders,
} from './metrics';
export {
  startTelemetryServer,
  type Readiness,
  type TelemetryServer,
  type TelemetryServerOptions,
} from './server';
export { redactFields, isSecretKey, MASK } from './redact';
export { METRIC } from './metricNames';
