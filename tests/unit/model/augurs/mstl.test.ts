import { MstlForecaster, type MstlModel, seasonalWidening } from '../../../../src/model/augurs';
import { initAugurs } from '../../../../src/runtime/augursLoader';
import { augurs } from '../../../../src/model/augurs/modules';
import type { Clock } from '../../../../src/domain/clock';
import type { Forecast } from '../../../../src/model/types';
import {
  AMPLITUDE,
  DAY_MS,
  FIVE_MINUTES_MS,
  corruptedAndClean,
  coverage,
  dailyWeeklySeries,
  dayTimestamps,
  mean,
  meanAbsError,
  signalAt,
} from './series';

jest.setTimeout(120_000);

const Z95 = 1.959963984540054;
const training = dailyWeeklySeries(14, 11); // Mon 2024-01-01 .. Sun 2024-01-14, 4,032 points
const nextDay = dailyWeeklySeries(1, 12, 14); // Mon 2024-01-15, unseen noise

/** A clock that advances 5 ms per reading, so fit timings are deterministic. */
function steppingClock(): Clock {
  let now = 0;
  return { nowMs: () => (now += 5) };
}

describe('MstlForecaster on two weeks of 5-minute data', () => {
  let model: MstlModel;
  let tomorrow: Forecast;

  beforeAll(async () => {
    await initAugurs();
    model = new MstlForecaster({}, steppingClock()).fit(training);
    tomorrow = model.predict(nextDay.timestampsMs);
  });

  it('uses daily and weekly periods with exactly 14 days of history', () => {
    expect(model.kind).toBe('mstl');
    expect(model.components).toEqual(['trend', 'daily', 'weekly']);
    expect(model.metrics.trainPoints).toBe(4032);
    expect(model.metrics.fitMs).toBe(5);
  });

  it('forecasts the next day with an error far below the amplitude', () => {
    expect(meanAbsError(tomorrow.yhat, nextDay.values)).toBeLessThan(0.1 * AMPLITUDE);
  });

  it('covers most of the next day with its 95% interval', () => {
    expect(tomorrow.level).toBe(0.95);
    expect(coverage(nextDay.values, tomorrow.lower, tomorrow.upper)).toBeGreaterThan(0.8);
  });

  it('derives scale from the interval so that z and tailProbability agree', () => {
    for (let i = 0; i < tomorrow.yhat.length; i += 37) {
      expect(tomorrow.scale[i]).toBeGreaterThan(0);
      expect(tomorrow.scale[i]).toBeCloseTo((tomorrow.upper[i] - tomorrow.lower[i]) / (2 * Z95), 6);
    }
    expect(model.tailProbability(0)).toBe(1);
    expect(model.tailProbability(Z95)).toBeCloseTo(0.05, 5);
  });

  it('forecasts the weekly cycle: Sunday well below Thursday', () => {
    const thursday = model.predict(dayTimestamps(17)); // Thu 2024-01-18
    const sunday = model.predict(dayTimestamps(20)); // Sun 2024-01-21
    // Truth: 15.2 lower. Without a weekly period both days would forecast the same level.
    expect(mean(thursday.yhat) - mean(sunday.yhat)).toBeGreaterThan(11);
    expect(mean(thursday.yhat) - mean(sunday.yhat)).toBeLessThan(19);
  });

  it('returns fitted values in sample and NaN before the start, past the horizon or for NaN', () => {
    const inside = training.timestampsMs[2000];
    const f = model.predict([
      inside,
      training.timestampsMs[0] - DAY_MS,
      model.trainEndMs + 8 * DAY_MS,
      Number.NaN,
    ]);
    expect(Math.abs(f.yhat[0] - signalAt(inside))).toBeLessThan(0.1 * AMPLITUDE);
    expect(f.lower[0]).toBeLessThan(f.yhat[0]);
    expect(f.upper[0]).toBeGreaterThan(f.yhat[0]);
    expect(Array.from(f.yhat.subarray(1))).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    expect(model.metrics.rSquared).toBeGreaterThan(0.9);
  });

  it('maps a timestamp to the nearest grid step', () => {
    const t = nextDay.timestampsMs[10];
    const f = model.predict([t + 0.4 * FIVE_MINUTES_MS]);
    expect(f.yhat[0]).toBe(tomorrow.yhat[10]);
  });

  it('is deterministic: the same data gives the same forecast', () => {
    const again = new MstlForecaster({}, steppingClock()).fit(training);
    expect(Array.from(again.predict(nextDay.timestampsMs).upper)).toEqual(Array.from(tomorrow.upper));
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
  });

  it('writes an honest model file that asks for a refit', () => {
    const json = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
    expect(json).toMatchObject({
      schema: 'anomalyd.model',
      version: 1,
      kind: 'mstl',
      refit_required: true,
      options: { intervalWidth: 0.95, horizonMs: 7 * DAY_MS, intervalCorrection: 'seasonal-dof' },
      trainStartMs: training.timestampsMs[0],
      trainEndMs: training.timestampsMs[4031],
      stepMs: 300_000,
      components: ['trend', 'daily', 'weekly'],
      metrics: { trainPoints: 4032, fitMs: 5 },
    });
  });
});

describe('MstlForecaster inputs and lifecycle', () => {
  beforeAll(async () => {
    await initAugurs();
  });

  it('ignores NaN and excluded points', () => {
    const { corrupted, clean } = corruptedAndClean(training);
    const a = new MstlForecaster().fit(corrupted);
    const b = new MstlForecaster().fit(clean);
    expect(a.metrics.trainPoints).toBe(clean.values.length);
    const fa = a.predict(nextDay.timestampsMs);
    expect(Array.from(fa.yhat)).toEqual(Array.from(b.predict(nextDay.timestampsMs).yhat));
    expect(meanAbsError(fa.yhat, nextDay.values)).toBeLessThan(0.1 * AMPLITUDE);
  });

  it("widens augurs' too-narrow forecast interval for the seasonal fit, leaving in-sample intervals alone", () => {
    const raw = new MstlForecaster({ intervalCorrection: 'none' }).fit(training);
    const corrected = new MstlForecaster().fit(training);
    const rawDay = raw.predict(nextDay.timestampsMs);
    const correctedDay = corrected.predict(nextDay.timestampsMs);
    // augurs as is: the weekly period, seen twice, absorbs half the noise in sample.
    expect(coverage(nextDay.values, rawDay.lower, rawDay.upper)).toBeLessThan(0.8);
    expect(coverage(nextDay.values, correctedDay.lower, correctedDay.upper)).toBeGreaterThan(0.9);
    expect(Array.from(correctedDay.yhat)).toEqual(Array.from(rawDay.yhat));
    expect(correctedDay.scale[0] / rawDay.scale[0]).toBeCloseTo(seasonalWidening([288, 2016], 4032), 9);
    expect(corrected.metrics.intervalWidening).toBeCloseTo(1.915, 3);
    const inSample = training.timestampsMs.subarray(0, 10);
    expect(Array.from(corrected.predict(inSample).upper)).toEqual(Array.from(raw.predict(inSample).upper));
  });

  it('computes the widening from the cycles each period was seen', () => {
    expect(seasonalWidening([288, 2016], 4032)).toBeCloseTo(Math.sqrt((1 + 4 / 7) / (1 - 4 / 7)), 12);
    expect(seasonalWidening([1440, 10080], 40320)).toBeCloseTo(1.342, 3);
    expect(seasonalWidening([100], 100_000)).toBeCloseTo(1.001, 3);
  });

  it('uses only the daily period with less than two weeks of data', () => {
    expect(new MstlForecaster().fit(dailyWeeklySeries(5, 3)).components).toEqual(['trend', 'daily']);
  });

  it('refuses less than two days of data, saying what to do', () => {
    expect(() => new MstlForecaster().fit(dailyWeeklySeries(1.5, 3))).toThrow(
      'mstl: needs at least 2 days of data to find a daily period, got 1.50 days; use model.kind "seasonal" for short histories',
    );
  });

  it('honours a configured interval width', () => {
    const series = dailyWeeklySeries(3, 4);
    const narrow = new MstlForecaster({ intervalWidth: 0.8 }).fit(series).predict(dayTimestamps(3));
    const wide = new MstlForecaster().fit(series).predict(dayTimestamps(3));
    expect(narrow.level).toBe(0.8);
    expect(mean(wide.upper) - mean(wide.lower)).toBeGreaterThan(
      1.2 * (mean(narrow.upper) - mean(narrow.lower)),
    );
    expect(mean(wide.scale)).toBeCloseTo(mean(narrow.scale), 6);
  });

  it('frees its WASM memory at fit time: 50 fits do not grow the heap', () => {
    const small = dailyWeeklySeries(3, 6, 0, 15 * 60_000);
    const cycle = (): void => {
      const m = new MstlForecaster().fit(small);
      m.predict(dayTimestamps(3, 15 * 60_000));
      m.dispose();
    };
    for (let i = 0; i < 5; i++) cycle();
    const before = augurs().memoryBytes().mstl;
    for (let i = 0; i < 50; i++) cycle();
    expect(Number.isFinite(before)).toBe(true);
    expect(augurs().memoryBytes().mstl - before).toBeLessThanOrEqual(65_536);
  });
});
