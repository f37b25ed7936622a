import { OneStepCorrection } from '../../../src/detect/oneStep';
import type { ForecastPoint } from '../../../src/detect/score';

const STEP = 60_000;
const POINT: ForecastPoint = { yhat: 10, lower: 6, upper: 12, scale: 2 };

describe('OneStepCorrection', () => {
  it('leaves the point alone without φ or without a trusted residual', () => {
    const c = new OneStepCorrection(STEP);
    c.update(0, 1, true);
    expect(c.correct(STEP, POINT)).toBe(POINT);
    c.reset(0.5);
    expect(c.correct(STEP, POINT)).toBe(POINT);
  });

  it('adds φᵏ·z·scale, shrinks the half-bands and scale by √(1 − φ²ᵏ) and evens the half-bands by φ²ᵏ', () => {
    const c = new OneStepCorrection(STEP);
    c.reset(0.5);
    c.update(0, 2, true); // 4 above the forecast in a scale of 2
    const next = c.correct(STEP, POINT);
    const s1 = Math.sqrt(1 - 0.25);
    expect(next.yhat).toBeCloseTo(10 + 0.5 * 2 * 2, 12);
    // Half-bands 4 and 2 drawn towards their mean 3 by φ² = 0.25: 3.75 and 2.25.
    expect(next.lower).toBeCloseTo(next.yhat - 3.75 * s1, 12);
    expect(next.upper).toBeCloseTo(next.yhat + 2.25 * s1, 12);
    expect(next.scale).toBeCloseTo(2 * s1, 12);
    // Three steps later (two samples missing): φ³.
    const later = c.correct(3 * STEP, POINT);
    expect(later.yhat).toBeCloseTo(10 + 0.125 * 2 * 2, 12);
    // Written into caller-owned scratch instead: the same numbers, in that object.
    const scratch = { yhat: 0, lower: 0, upper: 0, scale: 0 };
    expect(c.correct(3 * STEP, POINT, scratch)).toBe(scratch);
    expect(scratch).toEqual(later);
    expect(later.scale).toBeCloseTo(2 * Math.sqrt(1 - 0.125 ** 2), 12);
  });

  it('does not learn from untrusted points, and clips what it learns at 3 one-step sds', () => {
    const c = new OneStepCorrection(STEP);
    c.reset(0.8);
    c.update(0, 1, true);
    c.update(STEP, 50, false); // inside an episode: ignored, the state decays from the point before
    expect(c.correct(2 * STEP, POINT).yhat).toBeCloseTo(10 + 0.64 * 1 * 2, 12);
    // Two steps after the last trusted point: predicted 0.64, sd √(1 − 0.64²) ≈ 0.768, so at most
    // 0.64 + 3·0.768 is learnt.
    c.update(2 * STEP, 50, true);
    const learnt = 0.64 + 3 * Math.sqrt(1 - 0.64 * 0.64);
    expect(c.correct(3 * STEP, POINT).yhat).toBeCloseTo(10 + 0.8 * learnt * 2, 12);
  });

  it('clamps φ to [0, 0.99] and forgets the last residual on reset', () => {
    const c = new OneStepCorrection(STEP);
    c.reset(0.999);
    expect(c.autocorrelation).toBe(0.99);
    c.reset(-0.3);
    expect(c.autocorrelation).toBe(0);
    c.reset(Number.NaN);
    expect(c.autocorrelation).toBe(0);
    c.reset(0.5);
    c.update(0, 2, true);
    c.reset(0.5);
    expect(c.correct(STEP, POINT)).toBe(POINT);
  });
});

describe('OneStepCorrection with a measured one-step ratio', () => {
  it('uses a wider measured ratio one step ahead and tends to the model band far ahead', () => {
    const c = new OneStepCorrection(STEP);
    c.reset(0.6, 0.9); // AR(1) would give 0.8
    c.update(0, 1, true);
    // c = (1 − 0.81)/0.36: one step √(1 − c·0.36) = 0.9; two steps √(1 − c·0.1296).
    expect(c.correct(STEP, POINT).scale).toBeCloseTo(2 * 0.9, 12);
    expect(c.correct(2 * STEP, POINT).scale).toBeCloseTo(2 * Math.sqrt(1 - (0.19 / 0.36) * 0.1296), 12);
  });

  it('uses a measured ratio narrower than AR(1) down to half of AR(1) with the same φ, never below', () => {
    const c = new OneStepCorrection(STEP);
    c.reset(0.6, 0.5); // AR(1) would give 0.8; half of it is 0.4
    c.update(0, 1, true);
    expect(c.correct(STEP, POINT).scale).toBeCloseTo(2 * 0.5, 12);
    const floor = new OneStepCorrection(STEP);
    floor.reset(0.6, 0.3);
    floor.update(0, 1, true);
    expect(floor.correct(STEP, POINT).scale).toBeCloseTo(2 * 0.4, 12);
  });
});
