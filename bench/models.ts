import { DEFAULT_CONFIG } from '../src/config/defaults';
import { MstlForecaster, ProphetForecaster } from '../src/model/augurs';
import { initAugurs } from '../src/runtime/augursLoader';
import { createForecaster } from '../src/model/forecaster';
import type { FittedModel, Forecaster, TrainingInput } from '../src/model/types';
import { seasonalOptionsOf } from '../src/pipeline/forecasterFactory';

/** The three models compared everywhere, in report order. */
export const MODEL_NAMES = ['anomalyd', 'prophet', 'mstl'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Interval level used for every model (the product default). */
export const INTERVAL_WIDTH = DEFAULT_CONFIG.model.intervalWidth;

/**
 * A forecaster that remembers every model it fitted, so WASM memory of augurs models is freed even for the
 * models a backtest keeps internally (its last refit is never disposed by the runner).
 */
export class TrackingForecaster implements Forecaster {
  readonly kind: Forecaster['kind'];
  private readonly live: FittedModel[] = [];

  constructor(private readonly inner: Forecaster) {
    this.kind = inner.kind;
  }

  fit(input: TrainingInput): FittedModel {
    const model = this.inner.fit(input);
    this.live.push(model);
    return model;
  }

  /** Disposes every model fitted so far (dispose is idempotent). */
  disposeAll(): void {
    for (const m of this.live.splice(0)) m.dispose?.();
  }
}

let augursReady: Promise<void> | undefined;

/** Loads the augurs WASM modules once. */
export async function ensureAugurs(): Promise<void> {
  augursReady ??= initAugurs().then(() => undefined);
  await augursReady;
}

/** The forecaster for a model name, each at the same interval level. Prophet/MSTL need ensureAugurs() first. */
export function forecasterFor(name: ModelName): Forecaster {
  switch (name) {
    case 'anomalyd':
      return createForecaster({ ...seasonalOptionsOf(DEFAULT_CONFIG.model), intervalWidth: INTERVAL_WIDTH });
    case 'prophet':
      return new ProphetForecaster({ intervalWidth: INTERVAL_WIDTH });
    case 'mstl':
      return new MstlForecaster({ intervalWidth: INTERVAL_WIDTH });
  }
}
