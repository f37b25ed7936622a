/**
 * augurs Prophet and MSTL behind anomalyd's Forecaster interface (`model.kind: prophet | mstl`).
 * Call `await initAugurs()` (src/runtime/augursLoader.ts) once before fitting.
 */
export { type AugursFittedModel, AUGURS_MODEL_FILE_VERSION } from './common';
export {
  DEFAULT_PROPHET_OPTIONS,
  ProphetForecaster,
  type ProphetForecasterOptions,
  ProphetModel,
} from './prophet';
export {
  DEFAULT_MSTL_OPTIONS,
  MAX_MSTL_GRID_POINTS,
  MstlForecaster,
  type MstlForecasterOptions,
  MstlModel,
  seasonalWidening,
} from './mstl';
