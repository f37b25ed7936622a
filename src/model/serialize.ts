import { UserError } from '../domain/errors';
import { QUANTILE_PROBABILITIES, PROFILE_BINS } from './calibration';
import { MAX_CHANGEPOINTS, MAX_DAILY_ORDER, MAX_WEEKLY_ORDER, OPTION_RULES, optionProblem } from './options';
import { MS_PER_DAY } from './fourier';
import {
  COMPONENT_NAMES,
  type ComponentName,
  type DailyProfileParams,
  MODEL_FILE_VERSION,
  SeasonalModel,
} from './seasonalModel';
import type { FitMetrics, FittedModel, SeasonalOptions, SerializedModel } from './types';
import { isTransformChoice, TRANSFORM_CHOICES, type ValueTransform } from './valueTransform';

/**
 * Model files: `serializeModel` writes the JSON form (schema "anomalyd.model", version 5; version 4 files,
 * fitted on the series' own units, version 3 files, which also have no daily profile, version 2 files, which
 * also have no weekend level (it is 0), and version 1 files, whose scale profile also has no weekend half,
 * still load); `loadModel` checks
 * every key and rebuilds a model that predicts bit-identically to the saved one (numbers round-trip exactly
 * through JSON, and both paths build the model from the same parameters).
 */

/** The JSON form of a fitted model; `JSON.stringify` of it is the model file. */
export function serializeModel(model: FittedModel): SerializedModel {
  return model.toJSON();
}

type Json = Record<string, unknown>;

/** Validates one file, naming `sourceName` and the key path in every message. */
class Checker {
  constructor(private readonly source: string) {}

  fail(message: string): never {
    throw new UserError(`${this.source}: ${message}`);
  }

  describe(v: unknown): string {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'an array';
    if (typeof v === 'object') return 'an object';
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return typeof v;
  }

  object(v: unknown, path: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(`key "${path}" must be an object, got ${this.describe(v)}`);
    }
    return v as Json;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v))
      this.fail(`key "${path}" must be a number, got ${this.describe(v)}`);
    return v;
  }

  positive(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      this.fail(`key "${path}" must be a positive number, got ${this.describe(v)}`);
    }
    return v;
  }

  integer(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(`key "${path}" must be an integer between ${min} and ${max}, got ${this.describe(v)}`);
    }
    return v;
  }

  numbers(v: unknown, path: string, length: number, what = 'numbers'): Float64Array {
    if (
      !Array.isArray(v) ||
      v.length !== length ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      this.fail(`key "${path}" must be an array of ${length} ${what}`);
    }
    return Float64Array.from(v as number[]);
  }

  /** A residual quantile table: {@link QUANTILE_PROBABILITIES}.length non-decreasing numbers. */
  quantileTable(v: unknown, path: string): Float64Array {
    const nq = QUANTILE_PROBABILITIES.length;
    const table = this.numbers(v, path, nq, 'non-decreasing numbers');
    for (let i = 1; i < nq; i++) {
      if (table[i] < table[i - 1])
        this.fail(`key "${path}" must be an array of ${nq} non-decreasing numbers`);
    }
    return table;
  }
}

/**
 * Rebuilds a model from parsed model-file JSON.
 * @param json the parsed file content.
 * @param sourceName how to name the file in messages (usually its path).
 * @throws UserError with a one-line message naming `sourceName` and the offending key, e.g.
 *   `model.json: key "coefficients.daily" must be an array of 20 numbers` or
 *   `model.json: unsupported model version 7 (this anomalyd reads versions 1 to 5)`.
 */
export function loadModel(json: unknown, sourceName: string): FittedModel {
  const c: Checker = new Checker(sourceName);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    c.fail(`a model file must hold a JSON object, got ${c.describe(json)}`);
  }
  const root = json as Json;
  if (root.schema !== 'anomalyd.model') {
    c.fail(
      `key "schema" must be "anomalyd.model", got ${c.describe(root.schema)} (is this an anomalyd model file?)`,
    );
  }
  const version = root.version;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    c.fail(`key "version" must be an integer, got ${c.describe(version)}`);
  }
  if (version < 1 || version > MODEL_FILE_VERSION) {
    c.fail(`unsupported model version ${version} (this anomalyd reads versions 1 to ${MODEL_FILE_VERSION})`);
  }
  if (root.kind !== 'seasonal') {
    c.fail(
      `key "kind" must be "seasonal", got ${c.describe(root.kind)} (only seasonal models are saved as files)`,
    );
  }
  const trainStartMs = c.number(root.trainStartMs, 'trainStartMs');
  const trainEndMs = c.number(root.trainEndMs, 'trainEndMs');
  if (trainEndMs < trainStartMs) c.fail(`key "trainEndMs" must not be before "trainStartMs"`);
  const stepMs = c.positive(root.stepMs, 'stepMs');
  const options = readOptions(c, c.object(root.options, 'options'), version);

  if (!Array.isArray(root.components) || root.components.length === 0) {
    c.fail(`key "components" must be a non-empty array of component names (${COMPONENT_NAMES.join(', ')})`);
  }
  const components: ComponentName[] = [];
  for (const [i, name] of (root.components as unknown[]).entries()) {
    if (typeof name !== 'string' || !(COMPONENT_NAMES as readonly string[]).includes(name)) {
      c.fail(`key "components[${i}]" must be one of ${COMPONENT_NAMES.join(', ')}, got ${c.describe(name)}`);
    }
    const known = name as ComponentName;
    if (components.includes(known)) c.fail(`key "components" lists "${known}" twice`);
    components.push(known);
  }

  const trend = c.object(root.trend, 'trend');
  const originMs = c.number(trend.originMs, 'trend.originMs');
  const cpsLength = Array.isArray(trend.changepointsDays) ? trend.changepointsDays.length : -1;
  if (cpsLength > MAX_CHANGEPOINTS)
    c.fail(`key "trend.changepointsDays" must hold at most ${MAX_CHANGEPOINTS} numbers`);
  const changepointsDays = c.numbers(
    trend.changepointsDays,
    'trend.changepointsDays',
    Math.max(cpsLength, 0),
  );
  for (let i = 1; i < changepointsDays.length; i++) {
    if (changepointsDays[i] < changepointsDays[i - 1])
      c.fail(`key "trend.changepointsDays" must be ascending`);
  }

  const orders = c.object(root.orders, 'orders');
  const dailyOrder = c.integer(orders.daily, 'orders.daily', 0, MAX_DAILY_ORDER);
  const weeklyOrder = c.integer(orders.weekly, 'orders.weekly', 0, MAX_WEEKLY_ORDER);
  const weekendOrder = c.integer(orders.weekendDaily, 'orders.weekendDaily', 0, MAX_DAILY_ORDER);
  const pairs: readonly [ComponentName, string, number][] = [
    ['daily', 'orders.daily', dailyOrder],
    ['weekly', 'orders.weekly', weeklyOrder],
    ['weekend_daily', 'orders.weekendDaily', weekendOrder],
  ];
  for (const [name, key, order] of pairs) {
    if (components.includes(name) !== order > 0) {
      c.fail(
        order > 0
          ? `key "${key}" is ${order} but "components" does not list "${name}"`
          : `key "components" lists "${name}" but "${key}" is 0`,
      );
    }
  }

  const coef = c.object(root.coefficients, 'coefficients');
  const offset = coef.offset === null ? Number.NaN : c.number(coef.offset, 'coefficients.offset');
  const trendCoef = new Float64Array(2 + changepointsDays.length);
  trendCoef[0] = c.number(coef.level, 'coefficients.level');
  trendCoef[1] = c.number(coef.slopePerDay, 'coefficients.slopePerDay');
  trendCoef.set(
    c.numbers(coef.changepointDeltas, 'coefficients.changepointDeltas', changepointsDays.length),
    2,
  );
  const daily = c.numbers(coef.daily, 'coefficients.daily', 2 * dailyOrder);
  const weekly = c.numbers(coef.weekly, 'coefficients.weekly', 2 * weeklyOrder);
  const weekendDaily = c.numbers(coef.weekendDaily, 'coefficients.weekendDaily', 2 * weekendOrder);
  // Version 3 adds the weekend level; older models predicted without one, which is a level of 0.
  const weekendLevel = version >= 3 ? c.number(coef.weekendLevel, 'coefficients.weekendLevel') : 0;
  if (weekendLevel !== 0 && weekendOrder === 0) {
    c.fail(`key "coefficients.weekendLevel" must be 0 when "components" does not list "weekend_daily"`);
  }

  const dailyProfile = readDailyProfile(c, root.dailyProfile, components.includes('daily_profile'));

  // Version 2 may hold a weekday and a weekend hour profile (2 × 24 bins); version 1 holds one.
  const profileLength =
    version !== 1 && Array.isArray(root.scaleProfile) && root.scaleProfile.length === 2 * PROFILE_BINS
      ? 2 * PROFILE_BINS
      : PROFILE_BINS;
  const scaleProfile = c.numbers(root.scaleProfile, 'scaleProfile', profileLength, 'positive numbers');
  if (!scaleProfile.every((v) => v > 0))
    c.fail(`key "scaleProfile" must be an array of ${profileLength} positive numbers`);

  const res = c.object(root.residuals, 'residuals');
  const qLow = c.number(res.qLow, 'residuals.qLow');
  const qHigh = c.number(res.qHigh, 'residuals.qHigh');
  if (qHigh < qLow) c.fail(`key "residuals.qHigh" must not be below "residuals.qLow"`);
  const count = c.integer(res.count, 'residuals.count', 0, Number.MAX_SAFE_INTEGER);
  const quantiles = c.quantileTable(res.quantiles, 'residuals.quantiles');
  // Optional: files written before the drift rules read the hold-out's own distribution have none.
  const holdoutQuantiles =
    res.holdoutQuantiles !== undefined
      ? c.quantileTable(res.holdoutQuantiles, 'residuals.holdoutQuantiles')
      : undefined;

  const metrics = readMetrics(c, c.object(root.metrics, 'metrics'));
  // Version 5 adds the log scale; older models were fitted on the series' own units.
  const valueTransform = version >= 5 ? readTransform(c, root.transform) : undefined;
  return new SeasonalModel({
    options,
    stepMs,
    trainStartMs,
    trainEndMs,
    components,
    originMs,
    changepointsDays,
    offset,
    trend: trendCoef,
    daily,
    weekly,
    weekendDaily,
    weekendLevel,
    ...(dailyProfile !== undefined ? { dailyProfile } : {}),
    scaleProfile,
    residuals: {
      qLow,
      qHigh,
      quantiles,
      count,
      ...(holdoutQuantiles !== undefined ? { holdoutQuantiles } : {}),
    },
    metrics,
    ...(valueTransform !== undefined ? { valueTransform } : {}),
  });
}

/** The model's scale (version 5): absent for the series' own units, else `{kind: "log", floor > 0}`. */
function readTransform(c: Checker, v: unknown): ValueTransform | undefined {
  if (v === undefined) return undefined;
  const t = c.object(v, 'transform');
  if (t.kind !== 'log') c.fail(`key "transform.kind" must be "log", got ${c.describe(t.kind)}`);
  return { kind: 'log', floor: c.positive(t.floor, 'transform.floor') };
}

/**
 * The daily residual profile (version 4): present exactly when "components" lists "daily_profile"; its bins
 * divide a day, and it holds one value per bin, or two per bin when weekend days have their own half.
 */
function readDailyProfile(c: Checker, v: unknown, listed: boolean): DailyProfileParams | undefined {
  if (v === undefined) {
    if (listed) c.fail(`key "components" lists "daily_profile" but the file has no "dailyProfile"`);
    return undefined;
  }
  if (!listed) c.fail(`key "dailyProfile" is present but "components" does not list "daily_profile"`);
  const p = c.object(v, 'dailyProfile');
  const binMs = c.integer(p.binMs, 'dailyProfile.binMs', 1, MS_PER_DAY);
  if (MS_PER_DAY % binMs !== 0)
    c.fail(`key "dailyProfile.binMs" must divide a day (86400000 ms), got ${binMs}`);
  const offsetMs = c.integer(p.offsetMs, 'dailyProfile.offsetMs', 0, binMs - 1);
  const binsPerDay = MS_PER_DAY / binMs;
  const length = Array.isArray(p.values) && p.values.length === 2 * binsPerDay ? 2 * binsPerDay : binsPerDay;
  const values = c.numbers(p.values, 'dailyProfile.values', length);
  return { binMs, offsetMs, values };
}

function readOptions(c: Checker, o: Json, version: number): SeasonalOptions {
  for (const key of Object.keys(OPTION_RULES) as (keyof typeof OPTION_RULES)[]) {
    const problem = optionProblem(o[key], OPTION_RULES[key]);
    if (problem !== undefined) c.fail(`key "options.${key}" ${problem}`);
  }
  if (typeof o.weekendDailyShape !== 'boolean') {
    c.fail(`key "options.weekendDailyShape" must be true or false, got ${c.describe(o.weekendDailyShape)}`);
  }
  // Version 4 adds the option; older models were fitted without a daily profile.
  const dailyProfile = version >= 4 ? o.dailyProfile : false;
  if (typeof dailyProfile !== 'boolean') {
    c.fail(`key "options.dailyProfile" must be true or false, got ${c.describe(dailyProfile)}`);
  }
  // Version 5 adds the option; older models were fitted on the series' own units.
  const transform = version >= 5 ? o.transform : 'none';
  if (!isTransformChoice(transform)) {
    c.fail(
      `key "options.transform" must be one of ${TRANSFORM_CHOICES.join(', ')}, got ${c.describe(transform)}`,
    );
  }
  return {
    intervalWidth: o.intervalWidth as number,
    dailyOrder: o.dailyOrder as number,
    weeklyOrder: o.weeklyOrder as number,
    weekendDailyShape: o.weekendDailyShape,
    dailyProfile,
    changepoints: o.changepoints as number,
    changepointPenalty: o.changepointPenalty as number,
    minBandAbs: o.minBandAbs as number,
    minBandRel: o.minBandRel as number,
    calibrationFraction: o.calibrationFraction as number,
    transform,
  };
}

function readMetrics(c: Checker, m: Json): FitMetrics {
  const extra: Record<string, number> = {};
  for (const key of Object.keys(m)) extra[key] = c.number(m[key], `metrics.${key}`);
  return {
    ...extra,
    trainPoints: c.number(m.trainPoints, 'metrics.trainPoints'),
    residualMad: c.number(m.residualMad, 'metrics.residualMad'),
    rSquared: c.number(m.rSquared, 'metrics.rSquared'),
  };
}
