/**
 * Simulated infrastructure metrics with labelled anomalies: a pure, seeded engine behind `anomalyd simulate`
 * and the daemon's simulator source.
 */
export { createSeriesGenerator, DEFAULT_SIMULATION, generateSeries } from './generator';
export { MAX_SIMULATED_HOSTS, simulatedHosts } from './hosts';
export {
  ANOMALY_TYPES,
  METRIC_KINDS,
  type AnomalyEvent,
  type AnomalyType,
  type GeneratedPoint,
  type GeneratedSeries,
  type GenerateSeriesOptions,
  type MetricKind,
  type SeriesGenerator,
  type SeriesGeneratorOptions,
  type SimulatedSeriesSpec,
} from './types';
