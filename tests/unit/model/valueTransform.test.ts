import { Random } from '../../../src/domain/random';
import {
  chooseTransform,
  fromModelScale,
  LOG_MIN_SLOPE,
  spreadLevelSlope,
  toModelScale,
  type ValueTransform,
} from '../../../src/model/valueTransform';
import { DAY_MS, HOUR_MS, MINUTE_MS, MONDAY_MS } from './fixtures';

const STEP = 5 * MINUTE_MS;
const log: ValueTransform = { kind: 'log', floor: 2 };

/**
 * 4 days at 5 minutes whose level steps every 2 hours through 10, 20, 40, 80 (repeating) and whose noise is
 * an exact ±`wobble(level)` alternation: each block's median |change| is 2·wobble(level), its median level
 * `level` (an even count of values level ± w averages to it).
 */
function stepped(wobble: (level: number) => number): { ts: Float64Array; values: Float64Array } {
  const n = (4 * DAY_MS) / STEP;
  const ts = Float64Array.from({ length: n }, (_, i) => MONDAY_MS + i * STEP);
  const values = Float64Array.from(ts, (t, i) => {
    const level = 10 * 2 ** (Math.floor((t - MONDAY_MS) / (2 * HOUR_MS)) % 4);
    return level + (i % 2 === 0 ? 1 : -1) * wobble(level);
  });
  return { ts, values };
}

describe('toModelScale / fromModelScale', () => {
  it('is the natural log at and above the floor, and the inverse maps back', () => {
    for (const v of [2, 2.5, 10, 1234.5, 1e12]) {
      expect(toModelScale(log, v)).toBe(Math.log(v));
      expect(fromModelScale(log, toModelScale(log, v))).toBeCloseTo(v, 9 - Math.log10(v));
    }
  });

  it('continues below the floor along the tangent, so zero and negative values map to finite values', () => {
    // log(2) + (v − 2)/2: 0 -> log 2 − 1, −4 -> log 2 − 3.
    expect(toModelScale(log, 0)).toBeCloseTo(Math.log(2) - 1, 15);
    expect(toModelScale(log, -4)).toBeCloseTo(Math.log(2) - 3, 15);
    expect(fromModelScale(log, Math.log(2) - 3)).toBeCloseTo(-4, 12);
    // Continuous and with the same slope (1/floor) on both sides of the floor.
    const eps = 1e-7;
    expect(toModelScale(log, 2 - eps)).toBeCloseTo(toModelScale(log, 2 + eps), 6);
    const left = (toModelScale(log, 2) - toModelScale(log, 2 - eps)) / eps;
    const right = (toModelScale(log, 2 + eps) - toModelScale(log, 2)) / eps;
    expect(left).toBeCloseTo(0.5, 5);
    expect(right).toBeCloseTo(0.5, 5);
  });

  it('is strictly increasing everywhere', () => {
    let previous = Number.NEGATIVE_INFINITY;
    for (let v = -10; v <= 10; v += 0.25) {
      const x = toModelScale(log, v);
      expect(x).toBeGreaterThan(previous);
      previous = x;
    }
  });
});

describe('spreadLevelSlope', () => {
  it('is 1 when the noise is proportional to the level and 0 when it is constant (known answers)', () => {
    const proportional = stepped((level) => 0.05 * level);
    const p = spreadLevelSlope(proportional.ts, proportional.values, proportional.ts.length, STEP);
    expect(p.blocks).toBe(48);
    expect(p.slope).toBeCloseTo(1, 12);
    // Levels 10..80 over the blocks: the 10th-90th percentile distance is log(80/10).
    expect(p.levelRange).toBeCloseTo(Math.log(8), 12);
    const constant = stepped(() => 0.5);
    const c = spreadLevelSlope(constant.ts, constant.values, constant.ts.length, STEP);
    expect(c.slope).toBeCloseTo(0, 12);
    // Noise growing with the square root of the level: slope 1/2.
    const root = stepped((level) => 0.1 * Math.sqrt(level));
    expect(spreadLevelSlope(root.ts, root.values, root.ts.length, STEP).slope).toBeCloseTo(0.5, 12);
  });

  it('measures nothing on less than a day of 2-hour blocks', () => {
    const { ts, values } = stepped((level) => 0.05 * level);
    const s = spreadLevelSlope(ts, values, 11 * 24, STEP);
    expect(s.blocks).toBe(11);
    expect(s.slope).toBeNaN();
  });

  it('ignores spikes: the medians of a block do not see them', () => {
    const { ts, values } = stepped((level) => 0.05 * level);
    const spiked = Float64Array.from(values);
    for (let i = 5; i < spiked.length; i += 97) spiked[i] *= 30;
    expect(spreadLevelSlope(ts, spiked, ts.length, STEP).slope).toBeCloseTo(1, 1);
  });
});

describe('chooseTransform', () => {
  /** 6 days of a daily cycle between `low` and `high` with AR(1) noise of sd `sd(level)`, seeded. */
  function daily(low: number, high: number, sd: (level: number) => number, seed = 3): Float64Array[] {
    const n = (6 * DAY_MS) / STEP;
    const rng = new Random(seed);
    const ts = Float64Array.from({ length: n }, (_, i) => MONDAY_MS + i * STEP);
    let e = 0;
    const values = Float64Array.from(ts, (t) => {
      const phase = ((t % DAY_MS) / DAY_MS) * 2 * Math.PI;
      const level = low + ((high - low) * (1 - Math.cos(phase))) / 2;
      e = 0.6 * e + 0.8 * rng.normal();
      return level + sd(level) * e;
    });
    return [ts, values];
  }

  it('chooses the log scale for noise proportional to the level (a latency)', () => {
    const [ts, values] = daily(40, 200, (level) => 0.08 * level);
    const t = chooseTransform('auto', ts, values, ts.length, STEP);
    expect(t?.kind).toBe('log');
    let min = Number.POSITIVE_INFINITY;
    for (const v of values) min = Math.min(min, v);
    expect(t?.floor).toBe(min / 2);
  });

  it('keeps the series units for additive noise, for a level that barely moves, and for non-positive data', () => {
    const [ts, additive] = daily(40, 200, () => 4);
    expect(spreadLevelSlope(ts, additive, ts.length, STEP).slope).toBeLessThan(LOG_MIN_SLOPE);
    expect(chooseTransform('auto', ts, additive, ts.length, STEP)).toBeUndefined();
    // Proportional noise, but the level stays within ±5%: nothing to measure a slope over.
    const [, flat] = daily(95, 105, (level) => 0.08 * level);
    expect(chooseTransform('auto', ts, flat, ts.length, STEP)).toBeUndefined();
    const [, latency] = daily(40, 200, (level) => 0.08 * level);
    const withZero = Float64Array.from(latency);
    withZero[100] = 0;
    expect(chooseTransform('auto', ts, withZero, ts.length, STEP)).toBeUndefined();
  });

  it('follows `none` and `log` as told; `log` floors at half the smallest positive value', () => {
    const [ts, latency] = daily(40, 200, (level) => 0.08 * level);
    expect(chooseTransform('none', ts, latency, ts.length, STEP)).toBeUndefined();
    const counts = Float64Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0 : i % 7) + (i % 5));
    expect(chooseTransform('log', ts, counts, counts.length, STEP)).toEqual({ kind: 'log', floor: 0.5 });
    const nonPositive = new Float64Array(300).fill(-1);
    expect(chooseTransform('log', ts, nonPositive, 300, STEP)).toBeUndefined();
    expect(chooseTransform('auto', ts, latency, 0, STEP)).toBeUndefined();
  });
});
