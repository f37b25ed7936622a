/**
 * The augurs WASM bindings as the adapters see them: the types of the parts anomalyd uses, and the
 * process-wide registry the adapters read them from. Loading them (reading `*_bg.wasm` files, dynamic
 * `import()`) is I/O and lives at the edge, in src/runtime/augursLoader.ts (`initAugurs`); this module only
 * holds what was loaded, so the model layer stays free of I/O.
 */

/** A forecast as the augurs bindings return it. */
export interface WasmForecast {
  readonly point: ArrayLike<number>;
  readonly intervals?: {
    readonly level: number;
    readonly lower: ArrayLike<number>;
    readonly upper: ArrayLike<number>;
  };
}

/** A WASM-backed object: its memory lives in the module's linear memory until `free()`. */
export interface WasmHandle {
  free(): void;
}

/** The part of `@bsull/augurs/mstl`'s `MSTL` that anomalyd uses. */
export interface MstlHandle extends WasmHandle {
  fit(y: Float64Array): void;
  predict(horizon: number, level?: number): WasmForecast;
  predictInSample(level?: number): WasmForecast;
}

export interface MstlStatics {
  ets(periods: readonly number[], options?: { readonly impute?: boolean }): MstlHandle;
}

/** `{ type: 'auto' }` or forced on / off, as `@bsull/augurs/prophet` spells a seasonality option. */
export type ProphetSeasonalityOption =
  { readonly type: 'auto' } | { readonly type: 'manual'; readonly enabled: boolean };

/** The Stan optimizer; opaque to anomalyd, passed through to Prophet. */
export interface ProphetOptimizer {
  readonly optimize: (...args: never[]) => unknown;
}

/** The subset of Prophet's constructor options that anomalyd sets. */
export interface ProphetConstructorOptions {
  readonly optimizer: ProphetOptimizer;
  readonly intervalWidth: number;
  readonly uncertaintySamples: number;
  readonly dailySeasonality: ProphetSeasonalityOption;
  readonly weeklySeasonality: ProphetSeasonalityOption;
  readonly yearlySeasonality: ProphetSeasonalityOption;
}

/** The part of `@bsull/augurs/prophet`'s `Prophet` that anomalyd uses (timestamps in epoch seconds). */
export interface ProphetHandle extends WasmHandle {
  fit(data: { readonly ds: number[]; readonly y: Float64Array }): void;
  predict(data: { readonly ds: number[] }): { readonly yhat: WasmForecast };
}

export type ProphetConstructor = new (options: ProphetConstructorOptions) => ProphetHandle;

/** The loaded, initialised modules. */
export interface AugursModules {
  readonly MSTL: MstlStatics;
  readonly Prophet: ProphetConstructor;
  readonly optimizer: ProphetOptimizer;
  /** Version of `@bsull/augurs`, recorded in model files. */
  readonly version: string;
  /** Current size of each WASM linear memory, bytes (grows, never shrinks; used by leak tests). */
  memoryBytes(): { readonly prophet: number; readonly mstl: number };
}

let ready: AugursModules | undefined;

/** Makes loaded modules available to the adapters (called once by the loader). */
export function provideAugurs(modules: AugursModules): void {
  ready = modules;
}

/**
 * The initialised modules.
 * @throws Error when `initAugurs()` has not resolved yet.
 */
export function augurs(): AugursModules {
  if (ready === undefined) {
    throw new Error('augurs is not initialised: await initAugurs() before fitting a prophet or mstl model');
  }
  return ready;
}
