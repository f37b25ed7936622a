import { createForecaster } from '../../../src/model';
import { head, slice, synthesize } from './fixtures';

/**
 * The acceptance bar for the intervals: on clean synthetic data (daily + weekly + trend + AR(1) noise, 5-min
 * step, three weeks of history) the 95% interval holds 95% ± 2% of the next day's points, out of sample,
 * averaged over seeds.
 */
describe('prediction interval calibration', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  const perDay = 288;

  function coverage(seed: number, historyDays: number, width: number): number {
    const series = synthesize({
      days: historyDays + 1,
      level: 500,
      slopePerDay: 1.5,
      dailyAmp: 60,
      weeklyAmp: 20,
      weekendFactor: 0.6,
      noiseSd: 8,
      ar: 0.6,
      seed,
    });
    const split = historyDays * perDay;
    const model = createForecaster({ intervalWidth: width }).fit(head(series, split));
    const test = slice(series, split, split + perDay);
    const fc = model.predict(test.timestampsMs);
    let inside = 0;
    for (let i = 0; i < perDay; i++)
      if (test.values[i] >= fc.lower[i] && test.values[i] <= fc.upper[i]) inside++;
    return inside / perDay;
  }

  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('holds 95% ± 2% of the next day out of sample after three weeks', () => {
    const c = mean(seeds.map((s) => coverage(s, 21, 0.95)));
    expect(c).toBeGreaterThanOrEqual(0.93);
    expect(c).toBeLessThanOrEqual(0.97);
  });

  it('holds 95% ± 2% of the next day out of sample after two weeks', () => {
    const c = mean(seeds.map((s) => coverage(s, 15, 0.95)));
    expect(c).toBeGreaterThanOrEqual(0.93);
    expect(c).toBeLessThanOrEqual(0.97);
  });

  it('narrows to about 80% coverage when asked for an 80% interval', () => {
    const c = mean(seeds.map((s) => coverage(s, 21, 0.8)));
    expect(c).toBeGreaterThanOrEqual(0.75);
    expect(c).toBeLessThanOrEqual(0.85);
  });
});

describe('one-minute data', () => {
  it('is fitted on 10-minute means yet calibrated on the raw points', () => {
    const rates: number[] = [];
    for (const seed of [1, 2, 3]) {
      const series = synthesize({
        days: 15,
        stepMs: 60_000,
        level: 200,
        dailyAmp: 40,
        weeklyAmp: 10,
        noiseSd: 5,
        ar: 0.5,
        seed,
      });
      const split = 14 * 1440;
      const model = createForecaster().fit(head(series, split));
      expect(model.metrics.fitPoints).toBe(split / 10);
      expect(model.metrics.trainPoints).toBe(split);
      const test = slice(series, split, split + 1440);
      const fc = model.predict(test.timestampsMs);
      let inside = 0;
      for (let i = 0; i < 1440; i++)
        if (test.values[i] >= fc.lower[i] && test.values[i] <= fc.upper[i]) inside++;
      rates.push(inside / 1440);
    }
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    expect(mean).toBeGreaterThanOrEqual(0.92);
    expect(mean).toBeLessThanOrEqual(0.98);
  });
});
