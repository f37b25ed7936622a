/**
 * Names of the daemon's own Prometheus metrics. Exported so the Prometheus rules and the health dashboard
 * can be tested against them.
 */
export const METRIC = {
  cycleDurationSeconds: 'anomalyd_cycle_duration_seconds',
  series: 'anomalyd_series',
  sourceMode: 'anomalyd_source_mode',
  pointsProcessedTotal: 'anomalyd_points_processed_total',
  anomaliesTotal: 'anomalyd_anomalies_total',
  episodesOpen: 'anomalyd_episodes_open',
  sinkPointsTotal: 'anomalyd_sink_points_total',
  sinkBufferPoints: 'anomalyd_sink_buffer_points',
  spoolBytes: 'anomalyd_spool_bytes',
  modelFitSeconds: 'anomalyd_model_fit_seconds',
  prometheusErrorsTotal: 'anomalyd_prometheus_errors_total',
  seriesDroppedTotal: 'anomalyd_series_dropped_total',
  lastCycleTimestampSeconds: 'anomalyd_last_cycle_timestamp_seconds',
  intervalSeconds: 'anomalyd_interval_seconds',
  forecast: 'anomalyd_forecast',
  anomalyScore: 'anomalyd_anomaly_score',
} as const;
