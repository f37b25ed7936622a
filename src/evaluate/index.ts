/** Pure evaluation metrics: point, event, ranking, forecast, NAB scoring and anomaly injection. */
export * from './pointMetrics';
export * from './events';
export * from './ranking';
export * from './forecastMetrics';
export * from './nab';
export * from './inject';
export * from './summary';
