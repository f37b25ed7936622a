/** The Prometheus source: HTTP API client, cursor-based polling, history fetch and query checks. */
export { PrometheusClient, DEFAULT_PROMETHEUS_CLIENT_OPTIONS, retryDelayMs } from './client';
export type { PrometheusClientOptions, QueryOptions } from './client';
export { PrometheusSource, DEFAULT_PROMETHEUS_SOURCE_OPTIONS } from './source';
export type { PrometheusQueryApi, PrometheusSourceOptions, QueryPoll, QueryCheck } from './source';
export { PrometheusError } from './errors';
export type { PrometheusErrorKind, PrometheusErrorOptions, PrometheusRequestContext } from './errors';
export { planChunks, mergeChunks, applyMetricNamePolicy, PROMETHEUS_MAX_POINTS_PER_SERIES } from './chunks';
export type { TimeChunk, MetricNamePolicy } from './chunks';
export { parseSampleValue } from './parse';
export { realSleep, totalNonFinite } from './types';
export type { SeriesData, NonFiniteCounts, Sleep } from './types';
export { PrometheusMetricSource, flattenPolls } from './metricSource';
export type { PrometheusBatch, PrometheusMetricSourceOptions } from './metricSource';
