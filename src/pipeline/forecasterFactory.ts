import type { ModelConfig } from '../config/types';
import { MstlForecaster, ProphetForecaster } from '../model/augurs';
import { initAugurs } from '../runtime/augursLoader';
import { createForecaster } from '../model/forecaster';
import type { Forecaster, SeasonalOptions } from '../model/types';

/** The seasonal options inside a model config. */
export function seasonalOptionsOf(m: ModelConfig): SeasonalOptions {
  return {
    intervalWidth: m.intervalWidth,
    dailyOrder: m.dailyOrder,
    weeklyOrder: m.weeklyOrder,
    weekendDailyShape: m.weekendDailyShape,
    dailyProfile: m.dailyProfile,
    changepoints: m.changepoints,
    changepointPenalty: m.changepointPenalty,
    minBandAbs: m.minBandAbs,
    minBandRel: m.minBandRel,
    calibrationFraction: m.calibrationFraction,
    transform: m.transform,
  };
}

/**
 * Builds the forecaster named by `model.kind`. `prophet` and `mstl` (augurs, WASM) need a one-time async
 * initialisation, hence async; `seasonal` is the default and needs none.
 */
export async function createForecasterFor(m: ModelConfig): Promise<Forecaster> {
  switch (m.kind) {
    case 'seasonal':
      return createForecaster(seasonalOptionsOf(m));
    case 'prophet':
      await initAugurs();
      return new ProphetForecaster({ intervalWidth: m.intervalWidth });
    case 'mstl':
      await initAugurs();
      return new MstlForecaster({ intervalWidth: m.intervalWidth });
  }
}
