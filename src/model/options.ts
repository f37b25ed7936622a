import { UserError } from '../domain/errors';
import type { SeasonalOptions } from './types';
import { isTransformChoice, TRANSFORM_CHOICES } from './valueTransform';

/**
 * Defaults of the seasonal forecaster (see {@link SeasonalOptions} for units and meaning):
 * 95% intervals, daily Fourier order 10, weekly order 3, a separate weekend daily shape, a daily residual
 * profile where it helps, 20 potential
 * changepoints with penalty 10, no band floor, the last 20% of the history held out for calibration, and the
 * log scale where the data is multiplicative.
 */
export const DEFAULT_SEASONAL_OPTIONS: SeasonalOptions = Object.freeze({
  intervalWidth: 0.95,
  dailyOrder: 10,
  weeklyOrder: 3,
  weekendDailyShape: true,
  dailyProfile: true,
  changepoints: 20,
  changepointPenalty: 10,
  minBandAbs: 0,
  minBandRel: 0,
  calibrationFraction: 0.2,
  transform: 'auto',
});

/** Largest Fourier orders accepted; higher orders only fit noise at the bin resolutions used. */
export const MAX_DAILY_ORDER = 48;
export const MAX_WEEKLY_ORDER = 21;
export const MAX_CHANGEPOINTS = 200;

type NumericKey = Exclude<keyof SeasonalOptions, 'weekendDailyShape' | 'dailyProfile' | 'transform'>;

interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly open?: boolean;
}

const RULES: Readonly<Record<NumericKey, NumberRule>> = {
  intervalWidth: { min: 0, max: 1, integer: false, open: true },
  dailyOrder: { min: 0, max: MAX_DAILY_ORDER, integer: true },
  weeklyOrder: { min: 0, max: MAX_WEEKLY_ORDER, integer: true },
  changepoints: { min: 0, max: MAX_CHANGEPOINTS, integer: true },
  changepointPenalty: { min: 0, max: 1e12, integer: false },
  minBandAbs: { min: 0, max: Number.MAX_VALUE, integer: false },
  minBandRel: { min: 0, max: 100, integer: false },
  calibrationFraction: { min: 0.05, max: 0.5, integer: false },
};

/** Describes why `value` breaks `rule`, or returns undefined when it is fine. */
export function optionProblem(value: unknown, rule: NumberRule): string | undefined {
  const range = rule.open
    ? `strictly between ${rule.min} and ${rule.max}`
    : `between ${rule.min} and ${rule.max}`;
  const what = rule.integer ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `must be ${what} ${range}, got ${String(value)}`;
  if (rule.integer && !Number.isInteger(value)) return `must be ${what} ${range}, got ${value}`;
  const inside = rule.open ? value > rule.min && value < rule.max : value >= rule.min && value <= rule.max;
  return inside ? undefined : `must be ${what} ${range}, got ${value}`;
}

/** Exposed so the model-file loader validates stored options with the same rules. */
export const OPTION_RULES = RULES;

/**
 * Merges `given` over {@link DEFAULT_SEASONAL_OPTIONS} and validates every field.
 * @throws UserError naming the option, e.g. `model option "dailyOrder" must be an integer between 0 and 48, got 2.5`.
 */
export function resolveSeasonalOptions(given: Partial<SeasonalOptions> = {}): SeasonalOptions {
  const merged: SeasonalOptions = { ...DEFAULT_SEASONAL_OPTIONS, ...given };
  for (const key of Object.keys(RULES) as NumericKey[]) {
    const problem = optionProblem(merged[key], RULES[key]);
    if (problem !== undefined) throw new UserError(`model option "${key}" ${problem}`);
  }
  if (typeof merged.weekendDailyShape !== 'boolean') {
    throw new UserError(
      `model option "weekendDailyShape" must be true or false, got ${String(merged.weekendDailyShape)}`,
    );
  }
  if (typeof merged.dailyProfile !== 'boolean') {
    throw new UserError(
      `model option "dailyProfile" must be true or false, got ${String(merged.dailyProfile)}`,
    );
  }
  if (!isTransformChoice(merged.transform)) {
    throw new UserError(
      `model option "transform" must be one of ${TRANSFORM_CHOICES.join(', ')}, got ${String(merged.transform)}`,
    );
  }
  return Object.freeze({
    intervalWidth: merged.intervalWidth,
    dailyOrder: merged.dailyOrder,
    weeklyOrder: merged.weeklyOrder,
    weekendDailyShape: merged.weekendDailyShape,
    dailyProfile: merged.dailyProfile,
    changepoints: merged.changepoints,
    changepointPenalty: merged.changepointPenalty,
    minBandAbs: merged.minBandAbs,
    minBandRel: merged.minBandRel,
    calibrationFraction: merged.calibrationFraction,
    transform: merged.transform,
  });
}
