import { Random } from '../../../src/domain/random';
import { VARIANCE_RATIO, VarianceBurstDetector } from '../../../src/detect/varianceBurst';
import { burstLevel } from '../../../src/model/burstLevel';
import { oneStepErrorStatistics } from '../../../src/model/forecaster';
import { GRID_STEP_MS, GRID_T0_MS, gridTimes } from '../../helpers/grid';

const STEP = GRID_STEP_MS;
const T0 = GRID_T0_MS;
const DAY = 288;

/** 14 days of white noise; from `burstFrom` to `burstTo` (sample of the day) it is `factor` times louder. */
function dailyBursts(seed: number, factor: number, burstFrom: number, burstTo: number): Float64Array {
  const random = new Random(seed);
  const z = new Float64Array(14 * DAY);
  for (let i = 0; i < z.length; i++) {
    const tod = i % DAY;
    z[i] = random.normal() * (tod >= burstFrom && tod < burstTo ? factor : 1);
  }
  return z;
}

function levelOf(z: Float64Array): { level: number; reference: number } {
  const ts = gridTimes(z.length);
  const reference = oneStepErrorStatistics((i) => z[i], ts, z.length, STEP, 0).diffMedian;
  return { level: burstLevel(z, ts, z.length, STEP, reference), reference };
}

describe('burstLevel', () => {
  it('stays below the fixed threshold on white Gaussian residuals (the rule keeps its sensitivity)', () => {
    const { level } = levelOf(dailyBursts(21, 1, 0, 0));
    expect(level).toBeGreaterThan(0);
    expect(level).toBeLessThan(VARIANCE_RATIO);
  });

  it('rises to the daily noise bursts of a series whose noise grows every day (a busy hour)', () => {
    // Two hours a day 8 times noisier: the statistic reaches ~8 x 1.2 every day, 14 times in the history.
    const { level } = levelOf(dailyBursts(22, 8, 120, 144));
    expect(level).toBeGreaterThan(VARIANCE_RATIO);
  });

  it('is not set by two genuine bursts in the history (fewer excursions than the minimum count)', () => {
    const z = dailyBursts(23, 1, 0, 0);
    const random = new Random(24);
    for (const day of [3, 9]) for (let i = 0; i < 24; i++) z[day * DAY + 100 + i] = random.normal() * 8;
    expect(levelOf(z).level).toBeLessThan(VARIANCE_RATIO);
  });

  it('is 0 without a usable reference or with too short a history', () => {
    const z = dailyBursts(25, 1, 0, 0);
    expect(burstLevel(z, gridTimes(z.length), z.length, STEP, Number.NaN)).toBe(0);
    expect(burstLevel(z, gridTimes(z.length), 5, STEP, 1)).toBe(0);
  });

  it('raises the detector threshold: a burst the series makes every day no longer fires', () => {
    const z = dailyBursts(26, 8, 120, 144);
    const { level, reference } = levelOf(z);
    const plain = new VarianceBurstDetector(STEP);
    plain.setReference(reference);
    const learnt = new VarianceBurstDetector(STEP);
    learnt.setReference(reference, level);
    // Replay the next day's busy hours (a fresh draw of the same process).
    const next = dailyBursts(27, 8, 120, 144);
    let plainFired = 0;
    let learntFired = 0;
    for (let i = 0; i < DAY; i++) {
      if (plain.update(T0 + i * STEP, next[i])) plainFired++;
      if (learnt.update(T0 + i * STEP, next[i])) learntFired++;
    }
    expect(plainFired).toBeGreaterThan(0);
    expect(learntFired).toBeLessThan(plainFired);
    // A lower learnt level never lowers the fixed threshold.
    const low = new VarianceBurstDetector(STEP);
    low.setReference(reference, 1);
    let lowFired = 0;
    for (let i = 0; i < DAY; i++) if (low.update(T0 + i * STEP, next[i])) lowFired++;
    expect(lowFired).toBe(plainFired);
  });
});
