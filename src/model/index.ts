/** The seasonal forecaster: fit, predict with calibrated intervals, save and load. */
export { createForecaster, MIN_DAILY_DAYS, MIN_SEASONAL_POINTS, MIN_WEEKLY_DAYS } from './forecaster';
export { DEFAULT_SEASONAL_OPTIONS, resolveSeasonalOptions } from './options';
export { loadModel, serializeModel } from './serialize';
export { COMPONENT_NAMES, MODEL_FILE_VERSION, SeasonalModel } from './seasonalModel';
export type { ComponentName, SeasonalModelParams } from './seasonalModel';
export type {
  FitMetrics,
  FittedModel,
  Forecast,
  Forecaster,
  ModelKind,
  SeasonalOptions,
  SerializedModel,
  TrainingInput,
} from './types';
