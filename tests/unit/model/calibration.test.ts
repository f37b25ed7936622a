import { Random } from '../../../src/domain/random';
import {
  QUANTILE_PROBABILITIES,
  TailModel,
  calibrateResiduals,
  normalDistribution,
  profileAt,
  scaleProfile,
} from '../../../src/model/calibration';
import { normalQuantile, sortedQuantile } from '../../../src/model/stats';
import { DAY_MS, HOUR_MS, MONDAY_MS } from './fixtures';

describe('residual calibration', () => {
  it('takes the band multipliers from the empirical quantiles, asymmetric if the residuals are', () => {
    // Exponential residuals shifted to median 0: a long upper tail.
    const rng = new Random(31);
    const z = Float64Array.from({ length: 4000 }, () => -Math.log(1 - rng.next()) - Math.LN2);
    const d = calibrateResiduals(z, 0.9);
    expect(d.qLow).toBeCloseTo(-Math.log(0.95) - Math.LN2, 1);
    expect(d.qHigh).toBeCloseTo(-Math.log(0.05) - Math.LN2, 1);
    expect(d.qHigh).toBeGreaterThan(-3 * d.qLow);
    expect(d.count).toBe(4000);
  });

  it('falls back to a normal no narrower than N(0, 1) with fewer than 30 residuals', () => {
    // Median 0.025, robust spread far below 1, so the band is N(0.025, 1)'s.
    const d = calibrateResiduals(Float64Array.of(0.1, -0.1, 0, 0.05, Number.NaN), 0.95);
    expect(d.qHigh).toBeCloseTo(0.025 + 1.959963984540054, 6);
    expect(d.qLow).toBeCloseTo(0.025 - 1.959963984540054, 6);
    expect(d.count).toBe(4);
  });
});

describe('tail probabilities', () => {
  const normal = new TailModel(normalDistribution(0, 1, 0.95, 1000).quantiles);

  it('is 1 at zero and matches the normal two-sided tail inside the table', () => {
    expect(normal.probability(0)).toBe(1);
    expect(normal.probability(1.959963984540054)).toBeCloseTo(0.05, 3);
    expect(normal.probability(-1.959963984540054)).toBeCloseTo(0.05, 3);
    expect(normal.probability(2.5758293035489)).toBeCloseTo(0.01, 3);
  });

  it('keeps decreasing beyond the observed range and never reaches exactly 0', () => {
    const zs = [3, 3.5, 4, 6, 10, 50, 100, 1000, 1e5];
    let previous = 1;
    for (const z of zs) {
      const p = normal.probability(z);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(previous);
      previous = p;
      expect(normal.probability(-z)).toBeGreaterThan(0);
    }
    expect(normal.probability(Number.NaN)).toBeNaN();
  });

  it('is continuous where the table hands over to the extrapolated tail', () => {
    const last = normalQuantile(QUANTILE_PROBABILITIES[QUANTILE_PROBABILITIES.length - 1]);
    expect(normal.probability(last + 1e-9)).toBeCloseTo(normal.probability(last - 1e-9), 8);
  });

  it('interpolates inside the table exactly as a binary search for the bracketing entries does, with or without its lookup grid', () => {
    // Reference: the table's CDF read by bisection (the lookup grid only guesses where to start).
    const cdf = (q: Float64Array, z: number): number => {
      let lo = 0;
      let hi = q.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (q[mid] <= z) lo = mid;
        else hi = mid;
      }
      const width = q[hi] - q[lo];
      const f = width > 0 ? (z - q[lo]) / width : 1;
      return QUANTILE_PROBABILITIES[lo] + f * (QUANTILE_PROBABILITIES[hi] - QUANTILE_PROBABILITIES[lo]);
    };
    const rng = new Random(48);
    const n = QUANTILE_PROBABILITIES.length;
    // Skewed, heavy-tailed and tied tables (ties at the centre and in one tail), and tiny and huge ranges.
    const tables = [
      calibrateResiduals(
        Float64Array.from({ length: 3000 }, () => Math.exp(rng.normal()) - 1),
        0.95,
      ).quantiles,
      calibrateResiduals(
        Float64Array.from({ length: 500 }, () => rng.int(-3, 3)),
        0.95,
      ).quantiles,
      Float64Array.from({ length: n }, (_, i) => (i < 8 ? -5 : i > 35 ? 0.001 * i : 1e-9 * (i - 20))),
      Float64Array.from({ length: n }, (_, i) => 1e6 * normalQuantile(QUANTILE_PROBABILITIES[i])),
      // Evenly spaced: every fifth entry sits on a boundary of the lookup grid, where rounding can put a z
      // just below an entry into the cell that starts at it.
      Float64Array.from({ length: n }, (_, i) => 0.1 * (i - 20)),
    ];
    let checked = 0;
    for (const q of tables) {
      expect(q[0] < 0 && q[n - 1] > 0).toBe(true);
      const tail = new TailModel(q, true);
      const plain = new TailModel(q);
      const zs = [...q];
      for (const v of q)
        for (const d of [1e-12, 4e-16, 2.3e-16, 1.2e-16])
          zs.push(v + d * Math.max(1, Math.abs(v)), v - d * Math.max(1, Math.abs(v)));
      for (let k = 0; k < 400; k++) zs.push(q[0] + (q[n - 1] - q[0]) * rng.next());
      for (const z of zs) {
        if (!(z > q[0] && z < q[n - 1]) || z === 0) continue;
        const upper = z > 0;
        // Zero lies inside every table here, so the answer is the ratio of the two interpolated tails.
        const atZero = upper ? 1 - cdf(q, 0) : cdf(q, 0);
        const inside = upper ? 1 - cdf(q, z) : cdf(q, z);
        expect(tail.probability(z)).toBe(Math.min(1, inside / atZero));
        expect(plain.probability(z)).toBe(tail.probability(z));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1500);
  });

  it('survives a degenerate table of identical residuals', () => {
    const flat = new TailModel(new Float64Array(QUANTILE_PROBABILITIES.length));
    expect(flat.probability(0)).toBe(1);
    expect(flat.probability(0.5)).toBeGreaterThan(0);
    expect(flat.probability(0.5)).toBeLessThan(1);
  });

  it('reads its table at the documented probabilities', () => {
    const sorted = Float64Array.from({ length: 1001 }, (_, i) => i / 1000);
    expect(sortedQuantile(sorted, 0.025)).toBeCloseTo(0.025, 12);
    expect(QUANTILE_PROBABILITIES).toHaveLength(41);
    expect(QUANTILE_PROBABILITIES[20]).toBe(0.5);
  });
});

describe('time-of-day scale profile', () => {
  it('is wider at the noisy hours and interpolates between hour centres', () => {
    const rng = new Random(32);
    const n = 7 * 288;
    const ts = Float64Array.from({ length: n }, (_, i) => MONDAY_MS + i * 300_000);
    // Noise sd 4 from 12:00 to 18:00, else 1.
    const abs = Float64Array.from(ts, (t) => {
      const hour = Math.floor((t % DAY_MS) / HOUR_MS);
      return Math.abs(rng.normal() * (hour >= 12 && hour < 18 ? 4 : 1));
    });
    const hourBins = Int32Array.from(ts, (t) => Math.floor((t % DAY_MS) / HOUR_MS));
    const identity = Uint8Array.from({ length: 24 }, (_, h) => h);
    const profile = scaleProfile(hourBins, identity, abs, n, true, 1e-9);
    expect(profile[15]).toBeGreaterThan(3);
    expect(profile[15]).toBeLessThan(5);
    expect(profile[3]).toBeGreaterThan(0.8);
    expect(profile[3]).toBeLessThan(1.25);
    // Half past an hour is that hour's centre; on the hour it is halfway to the previous one.
    expect(profileAt(profile, MONDAY_MS + 15.5 * HOUR_MS)).toBe(profile[15]);
    expect(profileAt(profile, MONDAY_MS + 15 * HOUR_MS)).toBeCloseTo((profile[14] + profile[15]) / 2, 12);
  });

  it('gives a weekend twice as noisy as the weekdays its own hours, twice as wide', () => {
    // Two weeks of 5-minute residuals, sd 1 on weekdays and 2 on Saturday and Sunday; bins are hours of
    // the week (168), so the profile can tell the day types apart.
    const rng = new Random(5);
    const n = 14 * 288;
    const ts = Float64Array.from({ length: n }, (_, i) => MONDAY_MS + i * 300_000);
    const weekendDay = (t: number): boolean => Math.floor((t - MONDAY_MS) / DAY_MS) % 7 >= 5;
    const r = Float64Array.from(ts, (t) => rng.normal() * (weekendDay(t) ? 2 : 1));
    const hourOfWeek = Int32Array.from(ts, (t) => Math.floor(((t - MONDAY_MS) % (7 * DAY_MS)) / HOUR_MS));
    const hourOf = Uint8Array.from({ length: 168 }, (_, b) => b % 24);
    const weekendOf = Uint8Array.from({ length: 168 }, (_, b) => (b >= 5 * 24 ? 1 : 0));
    const profile = scaleProfile(hourOfWeek, hourOf, r, n, true, 1e-9, 1, weekendOf);
    expect(profile).toHaveLength(48);
    const mean = (a: Float64Array): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(profile.subarray(0, 24))).toBeGreaterThan(0.9);
    expect(mean(profile.subarray(0, 24))).toBeLessThan(1.1);
    expect(mean(profile.subarray(24))).toBeGreaterThan(1.8);
    expect(mean(profile.subarray(24))).toBeLessThan(2.2);
    // Saturday noon reads the weekend half, Monday noon the weekday half.
    expect(profileAt(profile, MONDAY_MS + 5 * DAY_MS + 12.5 * HOUR_MS)).toBe(profile[36]);
    expect(profileAt(profile, MONDAY_MS + 12.5 * HOUR_MS)).toBe(profile[12]);
  });

  it('keeps one pooled profile when the weekend is no noisier than the weekdays', () => {
    const rng = new Random(6);
    const n = 14 * 288;
    const ts = Float64Array.from({ length: n }, (_, i) => MONDAY_MS + i * 300_000);
    const r = Float64Array.from(ts, () => rng.normal());
    const hourOfWeek = Int32Array.from(ts, (t) => Math.floor(((t - MONDAY_MS) % (7 * DAY_MS)) / HOUR_MS));
    const hourOf = Uint8Array.from({ length: 168 }, (_, b) => b % 24);
    const weekendOf = Uint8Array.from({ length: 168 }, (_, b) => (b >= 5 * 24 ? 1 : 0));
    const split = scaleProfile(hourOfWeek, hourOf, r, n, true, 1e-9, 1, weekendOf);
    expect(Array.from(split)).toEqual(Array.from(scaleProfile(hourOfWeek, hourOf, r, n, true, 1e-9, 1)));
    expect(split).toHaveLength(24);
  });

  it('is flat when asked not to resolve hours', () => {
    const ts = Float64Array.from({ length: 100 }, (_, i) => MONDAY_MS + i * HOUR_MS);
    const abs = Float64Array.from(ts, (_, i) => (i % 24) + 1);
    const hourBins = Int32Array.from(ts, (t) => Math.floor((t % DAY_MS) / HOUR_MS));
    const identity = Uint8Array.from({ length: 24 }, (_, h) => h);
    const profile = scaleProfile(hourBins, identity, abs, 100, false, 1e-9);
    expect(new Set(profile).size).toBe(1);
  });
});
