import { Random } from '../../../src/domain/random';
import { normalTailProbability } from '../../../src/model/augurs/common';
import { SHIFT_MIN_MEAN, SHIFT_WINDOW, SustainedShiftDetector } from '../../../src/detect/sustainedShift';
import { shiftLevel } from '../../../src/model/shiftLevel';
import { driftLevel, normalEquivalents } from '../../../src/model/driftLevel';
import { GRID_STEP_MS, GRID_T0_MS, gridTimes } from '../../helpers/grid';

const STEP = GRID_STEP_MS;
const T0 = GRID_T0_MS;
const DAY = 288;
/** The residuals here are Gaussian: read through their own distribution they keep their size. */
const gaussianTail = normalTailProbability;

/** 14 days of AR(1) residuals with unit marginal variance. */
function ar1(seed: number, phi: number): Float64Array {
  const random = new Random(seed);
  const z = new Float64Array(14 * DAY);
  const innovation = Math.sqrt(1 - phi * phi);
  let x = 0;
  for (let i = 0; i < z.length; i++) {
    x = phi * x + innovation * random.normal();
    z[i] = x;
  }
  return z;
}

const levelOf = (z: Float64Array): number => shiftLevel(z, gridTimes(z.length), z.length, STEP, gaussianTail);

describe('shiftLevel', () => {
  it('lies below the rule floor on white residuals (the floor decides) and is 0 on too short a history', () => {
    const z = ar1(31, 0);
    const level = levelOf(z);
    // The window mean of white noise has sd 1/sqrt(24) = 0.2: 5 robust sds are ~1, the top clusters less.
    expect(level).toBeGreaterThan(0.6);
    expect(level).toBeLessThan(1.3);
    expect(shiftLevel(z, gridTimes(z.length), SHIFT_WINDOW - 1, STEP, gaussianTail)).toBe(0);
  });

  it('gives the same drift and shift levels from normal equivalents computed once as from the raw residuals', () => {
    const z = ar1(5, 0.9).map((v, i) => (i % 97 === 0 ? Number.NaN : i % 31 === 0 ? 6 * v : v));
    const ts = gridTimes(z.length);
    // Heavier-tailed than Gaussian (a Laplace tail), so residuals are really shrunk on the way.
    const laplace = (v: number): number => Math.exp(-Math.abs(v) / 1.2);
    const normal = normalEquivalents(z, z.length, laplace);
    expect(Number.isNaN(normal[97])).toBe(true);
    expect(shiftLevel(z, ts, z.length, STEP, laplace, normal)).toBe(
      shiftLevel(z, ts, z.length, STEP, laplace),
    );
    expect(driftLevel(z, ts, z.length, STEP, 0.9, laplace, normal)).toBe(
      driftLevel(z, ts, z.length, STEP, 0.9, laplace),
    );
    expect(shiftLevel(z, ts, z.length, STEP, laplace)).not.toBe(levelOf(z));
  });

  it('rises with the persistence of the residuals (a wandering series keeps quiet)', () => {
    // At phi 0.97 the window mean has sd ~0.8: the level climbs to several z.
    expect(levelOf(ar1(32, 0.97))).toBeGreaterThan(2.5);
  });

  it('is not set by two genuine shifts in the history, and rises to a shift the series makes every day', () => {
    const z = ar1(33, 0.5);
    const once = Float64Array.from(z);
    for (const day of [3, 9]) for (let i = 0; i < 36; i++) once[day * DAY + 100 + i] += 3;
    // The two shifts (mean 3 for three hours) leave the level where the residuals alone put it, below them.
    const base = levelOf(z);
    expect(base).toBeLessThan(2);
    expect(levelOf(once)).toBeLessThan(1.1 * base);
    const daily = Float64Array.from(z);
    for (let day = 0; day < 14; day++) for (let i = 0; i < 36; i++) daily[day * DAY + 100 + i] += 3;
    expect(levelOf(daily)).toBeGreaterThan(2.5);
  });

  it('sets a detector that stays quiet on the series itself and fires on a shift of 3 for two hours', () => {
    const z = ar1(34, 0.5);
    const level = levelOf(z);
    const d = new SustainedShiftDetector(STEP);
    d.setLevel(level);
    let t = 0;
    let quiet = 0;
    for (const v of ar1(35, 0.5)) if (d.update(T0 + t++ * STEP, v)) quiet++;
    expect(quiet).toBe(0);
    let fired = false;
    const random = new Random(36);
    for (let i = 0; i < 24; i++) fired = d.update(T0 + t++ * STEP, 3 + 0.5 * random.normal()) || fired;
    expect(fired).toBe(true);
    expect(Math.max(SHIFT_MIN_MEAN, level)).toBeLessThan(2);
  });
});
