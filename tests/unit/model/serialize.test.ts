import { UserError } from '../../../src/domain/errors';
import { createForecaster, loadModel, serializeModel } from '../../../src/model';
import type { FittedModel } from '../../../src/model';
import { fromModelScale } from '../../../src/model/valueTransform';
import { DAY_MS, MINUTE_MS, MONDAY_MS, synthesize } from './fixtures';

function expectBitIdentical(a: FittedModel, b: FittedModel, timestamps: Float64Array): void {
  const fa = a.predict(timestamps);
  const fb = b.predict(timestamps);
  for (const key of ['yhat', 'lower', 'upper', 'scale'] as const) {
    for (let i = 0; i < timestamps.length; i++) {
      if (!Object.is(fa[key][i], fb[key][i])) throw new Error(`${key}[${i}]: ${fa[key][i]} vs ${fb[key][i]}`);
    }
  }
  for (const z of [-40, -3.1, -1.96, -0.5, 0, 0.25, 1.5, 2.2, 7, 1e3]) {
    expect(Object.is(a.tailProbability(z), b.tailProbability(z))).toBe(true);
    expect(Object.is(a.shiftTailProbability?.(z), b.shiftTailProbability?.(z))).toBe(true);
  }
}

/** Noise in [-0.5, 0.5) from a small LCG: this file needs reproducible noise, not good noise. */
function lcgNoise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
}

type Json = Record<string, unknown>;

/** A model's file: its text, a fresh parse of it per call, and a check of the loader's message for `name`. */
function fileOf(
  model: FittedModel,
  name: string,
): { text: string; fresh: () => Json; expectMessage: (json: unknown, message: string) => void } {
  const text = JSON.stringify(serializeModel(model));
  return {
    text,
    fresh: () => JSON.parse(text) as Json,
    expectMessage: (json, message) => expect(() => loadModel(json, name)).toThrow(new UserError(message)),
  };
}

const everyTenMinutes = Float64Array.from(
  { length: 6 * 24 * 40 },
  (_, i) => MONDAY_MS - 5 * DAY_MS + i * 10 * MINUTE_MS,
);

describe('model files', () => {
  const series = synthesize({
    days: 22,
    dailyAmp: 30,
    weeklyAmp: 8,
    weekendFactor: 0.4,
    noiseSd: 3,
    ar: 0.4,
    seed: 21,
  });
  const model = createForecaster({ minBandRel: 0.01 }).fit(series);
  const text = JSON.stringify(serializeModel(model));

  it('predicts bit-identically after a save and load', () => {
    const loaded = loadModel(JSON.parse(text), 'model.json');
    expect(loaded.components).toEqual(model.components);
    expect(loaded.components).toContain('weekend_daily');
    expectBitIdentical(model, loaded, everyTenMinutes);
    expect(JSON.stringify(loaded)).toBe(text);
  });

  it('keeps its fit metrics (packed) in file order, read-only, equal after a load', () => {
    const loaded = loadModel(JSON.parse(text), 'model.json');
    expect(loaded.metrics).toEqual(model.metrics);
    expect(Object.keys(loaded.metrics)).toEqual(Object.keys(model.metrics));
    expect(Object.keys(model.metrics).length).toBeGreaterThan(20);
    expect(Object.isFrozen(model.metrics)).toBe(true);
    // A file's own metrics, in its order; -0 is read as 0 (it would print as 0 anyway).
    const file = JSON.parse(text) as { metrics: Record<string, unknown> };
    file.metrics = JSON.parse('{"zeta": 3, "rSquared": 0.5, "trainPoints": 12, "residualMad": -0}') as Record<
      string,
      unknown
    >;
    const custom = loadModel(file, 'custom.json');
    expect(Object.keys(custom.metrics)).toEqual(['zeta', 'rSquared', 'trainPoints', 'residualMad']);
    expect(custom.metrics.zeta).toBe(3);
    expect(Object.is(custom.metrics.residualMad, 0)).toBe(true);
    expect((custom.toJSON() as unknown as { metrics: unknown }).metrics).toEqual({
      zeta: 3,
      rSquared: 0.5,
      trainPoints: 12,
      residualMad: 0,
    });
  });

  it('round-trips a weekday and weekend scale profile, and still loads a version 1 file', () => {
    // Weekend noise three times the weekdays': the fit keeps a 48-entry profile (weekday, then weekend hours).
    const step = 5 * MINUTE_MS;
    let state = 1;
    const noise = (): number => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647 - 0.5;
    };
    const timestampsMs = Float64Array.from({ length: (21 * DAY_MS) / step }, (_, i) => MONDAY_MS + i * step);
    const values = Float64Array.from(timestampsMs, (t) => {
      const weekend = Math.floor((t - MONDAY_MS) / DAY_MS) % 7 >= 5;
      return 50 + 10 * Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS) + (weekend ? 3 : 1) * noise();
    });
    const split = createForecaster().fit({ timestampsMs, values, stepMs: step });
    const json = serializeModel(split) as unknown as Record<string, unknown>;
    expect(json.scaleProfile).toHaveLength(48);
    const loaded = loadModel(JSON.parse(JSON.stringify(json)), 'split.json');
    expectBitIdentical(split, loaded, everyTenMinutes);
    // A version 1 file holds one 24-hour profile; a weekend half is a version 2 feature, and it has no
    // weekend level (version 3): it predicts as the same model with a level of 0.
    const zeroLevel = JSON.parse(text) as { coefficients: Record<string, unknown> };
    zeroLevel.coefficients.weekendLevel = 0;
    const v1 = JSON.parse(text) as Record<string, unknown>;
    v1.version = 1;
    expectBitIdentical(loadModel(zeroLevel, 'v3.json'), loadModel(v1, 'v1.json'), everyTenMinutes);
    expect(() => loadModel({ ...json, version: 1 }, 'v1.json')).toThrow(
      'key "scaleProfile" must be an array of 24 positive numbers',
    );
  });

  it('adds the weekend level on Saturday and Sunday only; a version 2 file (no level) predicts with 0', () => {
    const json = JSON.parse(text) as { version: number; coefficients: Record<string, unknown> };
    const level = json.coefficients.weekendLevel as number;
    // Fitted, so not exactly 0: setting it to 0 below must move weekend forecasts by exactly this much.
    expect(Math.abs(level)).toBeGreaterThan(0.01);
    json.coefficients.weekendLevel = 0;
    const zero = loadModel(json, 'zero.json').predict(everyTenMinutes);
    const full = model.predict(everyTenMinutes);
    for (let i = 0; i < everyTenMinutes.length; i++) {
      const t = everyTenMinutes[i];
      const weekend = Math.floor((t - MONDAY_MS + 70 * DAY_MS) / DAY_MS) % 7 >= 5;
      expect(full.yhat[i] - zero.yhat[i]).toBeCloseTo(weekend ? level : 0, 9);
    }
    const v2 = JSON.parse(text) as { version: number; coefficients: Record<string, unknown> };
    v2.version = 2;
    delete v2.coefficients.weekendLevel;
    expectBitIdentical(loadModel(json, 'zero.json'), loadModel(v2, 'v2.json'), everyTenMinutes);
    const bad = JSON.parse(text) as { coefficients: Record<string, unknown> };
    delete bad.coefficients.weekendLevel;
    expect(() => loadModel(bad, 'bad.json')).toThrow(
      'bad.json: key "coefficients.weekendLevel" must be a number, got undefined',
    );
  });

  it("keeps the hold-out's own residual quantiles for the shift rule; older files read it under the band's", () => {
    const json = JSON.parse(text) as { residuals: Record<string, unknown> };
    const held = json.residuals.holdoutQuantiles as number[];
    expect(held).toHaveLength((json.residuals.quantiles as number[]).length);
    // Pooled with the history's in-sample residuals the band's quantiles differ from the hold-out's alone.
    expect(held).not.toEqual(json.residuals.quantiles);
    expect(model.shiftTailProbability?.(2.5)).not.toBe(model.tailProbability(2.5));
    const older = JSON.parse(text) as { residuals: Record<string, unknown> };
    delete older.residuals.holdoutQuantiles;
    const loaded = loadModel(older, 'old.json');
    for (const z of [-3, -1, 0.5, 2.5])
      expect(loaded.shiftTailProbability?.(z)).toBe(loaded.tailProbability(z));
    const broken = JSON.parse(text) as { residuals: Record<string, unknown> };
    broken.residuals.holdoutQuantiles = [...held].reverse();
    expect(() => loadModel(broken, 'bad.json')).toThrow(
      `key "residuals.holdoutQuantiles" must be an array of ${held.length} non-decreasing numbers`,
    );
  });

  it('round-trips level models, including one trained on no usable point', () => {
    for (const values of [Float64Array.of(3, 4, 100), Float64Array.of(Number.NaN, Number.NaN)]) {
      const timestampsMs = Float64Array.from(values, (_, i) => MONDAY_MS + i * 60_000);
      const m = createForecaster().fit({ timestampsMs, values, stepMs: 60_000 });
      const loaded = loadModel(JSON.parse(JSON.stringify(m)), 'level.json');
      expectBitIdentical(m, loaded, everyTenMinutes.subarray(0, 500));
    }
  });

  it('writes the documented header', () => {
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json.schema).toBe('anomalyd.model');
    expect(json.version).toBe(5);
    expect(json.kind).toBe('seasonal');
    expect(json.trainStartMs).toBe(series.timestampsMs[0]);
    expect(json.trainEndMs).toBe(series.timestampsMs[series.timestampsMs.length - 1]);
    expect(json.stepMs).toBe(5 * MINUTE_MS);
  });

  type Edit = (j: Json) => void;
  const o = (v: unknown): Json => v as Json;
  const a = (v: unknown): unknown[] => v as unknown[];
  const num = (v: unknown): number => v as number;
  const cases: [string, Edit, string][] = [
    [
      'a non-object file',
      (j) => Object.assign(j, { __replace: 42 }),
      'model.json: a model file must hold a JSON object, got 42',
    ],
    [
      'a foreign schema',
      (j) => (j.schema = 'other'),
      'model.json: key "schema" must be "anomalyd.model", got "other" (is this an anomalyd model file?)',
    ],
    [
      'a future version',
      (j) => (j.version = 7),
      'model.json: unsupported model version 7 (this anomalyd reads versions 1 to 5)',
    ],
    [
      'a non-integer version',
      (j) => (j.version = '1'),
      'model.json: key "version" must be an integer, got "1"',
    ],
    [
      'another model kind',
      (j) => (j.kind = 'prophet'),
      'model.json: key "kind" must be "seasonal", got "prophet" (only seasonal models are saved as files)',
    ],
    [
      'a missing step',
      (j) => delete j.stepMs,
      'model.json: key "stepMs" must be a positive number, got undefined',
    ],
    ['a negative step', (j) => (j.stepMs = -5), 'model.json: key "stepMs" must be a positive number, got -5'],
    [
      'a string start',
      (j) => (j.trainStartMs = 'x'),
      'model.json: key "trainStartMs" must be a number, got "x"',
    ],
    [
      'an end before the start',
      (j) => (j.trainEndMs = 0),
      'model.json: key "trainEndMs" must not be before "trainStartMs"',
    ],
    [
      'options that are not an object',
      (j) => (j.options = []),
      'model.json: key "options" must be an object, got an array',
    ],
    [
      'a bad interval width',
      (j) => (o(j.options).intervalWidth = 1.5),
      'model.json: key "options.intervalWidth" must be a number strictly between 0 and 1, got 1.5',
    ],
    [
      'a non-boolean weekend option',
      (j) => (o(j.options).weekendDailyShape = 'yes'),
      'model.json: key "options.weekendDailyShape" must be true or false, got "yes"',
    ],
    [
      'an unknown component',
      (j) => (j.components = ['trend', 'hourly']),
      'model.json: key "components[1]" must be one of level, trend, daily, weekly, weekend_daily, daily_profile, got "hourly"',
    ],
    [
      'empty components',
      (j) => (j.components = []),
      'model.json: key "components" must be a non-empty array of component names (level, trend, daily, weekly, weekend_daily, daily_profile)',
    ],
    [
      'a component without coefficients',
      (j) => (j.components = ['trend', 'daily', 'weekly']),
      'model.json: key "orders.weekendDaily" is 5 but "components" does not list "weekend_daily"',
    ],
    [
      'a short daily coefficient array',
      (j) => (o(j.coefficients).daily = a(o(j.coefficients).daily).slice(1)),
      'model.json: key "coefficients.daily" must be an array of 20 numbers',
    ],
    [
      'a string among the weekly coefficients',
      (j) => (a(o(j.coefficients).weekly)[2] = 'NaN'),
      'model.json: key "coefficients.weekly" must be an array of 6 numbers',
    ],
    [
      'a bad daily order',
      (j) => (o(j.orders).daily = 99),
      'model.json: key "orders.daily" must be an integer between 0 and 48, got 99',
    ],
    [
      'mismatched changepoint deltas',
      (j) => a(o(j.coefficients).changepointDeltas).pop(),
      'model.json: key "coefficients.changepointDeltas" must be an array of 20 numbers',
    ],
    [
      'unsorted changepoints',
      (j) => a(o(j.trend).changepointsDays).reverse(),
      'model.json: key "trend.changepointsDays" must be ascending',
    ],
    [
      'a zero in the scale profile',
      (j) => (a(j.scaleProfile)[3] = 0),
      'model.json: key "scaleProfile" must be an array of 24 positive numbers',
    ],
    [
      'a scale profile of the wrong length',
      (j) => a(j.scaleProfile).push(1),
      'model.json: key "scaleProfile" must be an array of 24 positive numbers',
    ],
    [
      'crossed band multipliers',
      (j) => (o(j.residuals).qHigh = num(o(j.residuals).qLow) - 1),
      'model.json: key "residuals.qHigh" must not be below "residuals.qLow"',
    ],
    [
      'decreasing residual quantiles',
      (j) => a(o(j.residuals).quantiles).reverse(),
      'model.json: key "residuals.quantiles" must be an array of 41 non-decreasing numbers',
    ],
    [
      'a missing metric',
      (j) => delete o(j.metrics).rSquared,
      'model.json: key "metrics.rSquared" must be a number, got undefined',
    ],
    [
      'a missing offset',
      (j) => delete o(j.coefficients).offset,
      'model.json: key "coefficients.offset" must be a number, got undefined',
    ],
  ];

  it.each(cases)('rejects %s with an exact message', (_name, edit, message) => {
    const json = JSON.parse(text) as Json;
    edit(json);
    const input = '__replace' in json ? json.__replace : json;
    let caught: unknown;
    try {
      loadModel(input, 'model.json');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).message).toBe(message);
  });
});

describe('model files with a daily profile (version 4)', () => {
  // A business-hours step (60 from 09:00 to 17:00 UTC, else 20) with noise: the daily profile is learnt.
  const step = 5 * MINUTE_MS;
  const noise = lcgNoise(7);
  const timestampsMs = Float64Array.from({ length: (10 * DAY_MS) / step }, (_, i) => MONDAY_MS + i * step);
  const values = Float64Array.from(timestampsMs, (t) => {
    const hour = (t % DAY_MS) / 3_600_000;
    return (hour >= 9 && hour < 17 ? 60 : 20) + 2 * noise();
  });
  const model = createForecaster().fit({ timestampsMs, values, stepMs: step });
  const { text, fresh, expectMessage } = fileOf(model, 'p.json');

  it('writes the profile with its grid and predicts bit-identically after a load', () => {
    expect(model.components).toContain('daily_profile');
    const json = fresh();
    const profile = json.dailyProfile as { binMs: number; offsetMs: number; values: number[] };
    expect(json.version).toBe(5);
    expect(profile.binMs).toBe(step);
    expect(profile.offsetMs).toBe(0);
    expect(profile.values).toHaveLength(288);
    expectBitIdentical(model, loadModel(json, 'p.json'), everyTenMinutes);
    expect(JSON.stringify(loadModel(fresh(), 'p.json'))).toBe(text);
  });

  it('adds exactly the stored value at each time of day', () => {
    const json = fresh();
    const profile = json.dailyProfile as { values: number[] };
    const zeroed = fresh();
    (zeroed.dailyProfile as { values: number[] }).values = new Array<number>(288).fill(0);
    const at = Float64Array.from({ length: 288 }, (_, i) => MONDAY_MS + 11 * DAY_MS + i * step);
    const full = model.predict(at).yhat;
    const zero = loadModel(zeroed, 'z.json').predict(at).yhat;
    for (let i = 0; i < 288; i++) expect(full[i] - zero[i]).toBeCloseTo(profile.values[i], 9);
  });

  it('loads a version 3 file, which has no profile, and rejects a profile that does not match its components', () => {
    const v3 = fresh();
    v3.version = 3;
    delete v3.dailyProfile;
    delete (v3.options as Json).dailyProfile;
    v3.components = (v3.components as string[]).filter((c) => c !== 'daily_profile');
    const old = loadModel(v3, 'v3.json');
    expect(old.components).not.toContain('daily_profile');
    expect((old.toJSON().options as Json).dailyProfile).toBe(false);

    const missing = fresh();
    delete missing.dailyProfile;
    expectMessage(
      missing,
      'p.json: key "components" lists "daily_profile" but the file has no "dailyProfile"',
    );
    const unlisted = fresh();
    unlisted.components = (unlisted.components as string[]).filter((c) => c !== 'daily_profile');
    expectMessage(
      unlisted,
      'p.json: key "dailyProfile" is present but "components" does not list "daily_profile"',
    );
    const oddBins = fresh();
    (oddBins.dailyProfile as Json).binMs = 7 * MINUTE_MS;
    expectMessage(oddBins, 'p.json: key "dailyProfile.binMs" must divide a day (86400000 ms), got 420000');
    const short = fresh();
    (short.dailyProfile as Json).values = [1, 2, 3];
    expectMessage(short, 'p.json: key "dailyProfile.values" must be an array of 288 numbers');
    const noOption = fresh();
    delete (noOption.options as Json).dailyProfile;
    expectMessage(noOption, 'p.json: key "options.dailyProfile" must be true or false, got undefined');
  });
});

describe('model files on the log scale (version 5)', () => {
  // A latency-like series: a daily cycle from 40 to 200 with noise proportional to the level.
  const step = 5 * MINUTE_MS;
  const noise = lcgNoise(11);
  const timestampsMs = Float64Array.from({ length: (9 * DAY_MS) / step }, (_, i) => MONDAY_MS + i * step);
  const values = Float64Array.from(timestampsMs, (t) => {
    const level = 40 + 80 * (1 - Math.cos((2 * Math.PI * (t % DAY_MS)) / DAY_MS));
    return level * (1 + 0.2 * noise());
  });
  const model = createForecaster({ minBandAbs: 5 }).fit({ timestampsMs, values, stepMs: step });
  const { text, fresh, expectMessage } = fileOf(model, 'l.json');

  it('writes the transform and its choice, and predicts bit-identically after a load', () => {
    expect(model.valueTransform?.kind).toBe('log');
    const json = fresh();
    expect(json.version).toBe(5);
    expect(json.transform).toEqual({ kind: 'log', floor: model.valueTransform?.floor });
    expect((json.options as Json).transform).toBe('auto');
    const loaded = loadModel(json, 'l.json');
    expect(loaded.valueTransform).toEqual(model.valueTransform);
    expectBitIdentical(model, loaded, everyTenMinutes);
    expect(JSON.stringify(loadModel(fresh(), 'l.json'))).toBe(text);
  });

  it('forecasts on the log scale and widens the band to the floor in the series units', () => {
    const at = Float64Array.from({ length: 288 }, (_, i) => MONDAY_MS + 9 * DAY_MS + i * step);
    const f = model.predict(at);
    const t = model.valueTransform;
    if (t === undefined) throw new Error('no transform');
    for (let i = 0; i < at.length; i++) {
      // The forecast is a log: in the series' units it follows the cycle (40 at midnight, 200 at noon).
      const level = 40 + 80 * (1 - Math.cos((2 * Math.PI * i) / 288));
      expect(Math.abs(fromModelScale(t, f.yhat[i]) / level - 1)).toBeLessThan(0.1);
      // min_band_abs 5: at least 5 either side in the series' units.
      const value = fromModelScale(t, f.yhat[i]);
      expect(value - fromModelScale(t, f.lower[i])).toBeGreaterThanOrEqual(5 - 1e-9);
      expect(fromModelScale(t, f.upper[i]) - value).toBeGreaterThanOrEqual(5 - 1e-9);
    }
  });

  it('loads a version 4 file on the series units and rejects a bad transform', () => {
    const v4 = fresh();
    v4.version = 4;
    delete v4.transform;
    delete (v4.options as Json).transform;
    const old = loadModel(v4, 'v4.json');
    expect(old.valueTransform).toBeUndefined();
    expect((old.toJSON().options as Json).transform).toBe('none');

    const kind = fresh();
    (kind.transform as Json).kind = 'sqrt';
    expectMessage(kind, 'l.json: key "transform.kind" must be "log", got "sqrt"');
    const floor = fresh();
    (floor.transform as Json).floor = 0;
    expectMessage(floor, 'l.json: key "transform.floor" must be a positive number, got 0');
    const option = fresh();
    (option.options as Json).transform = 'cube';
    expectMessage(option, 'l.json: key "options.transform" must be one of auto, none, log, got "cube"');
  });
});
