import { ResetPredictor } from '../../../src/detect/resetPredictor';
import type { MutableForecastPoint } from '../../../src/detect/oneStep';
import type { ForecastPoint } from '../../../src/detect/score';

const STEP = 300_000;
const POINT: ForecastPoint = { yhat: 10, lower: 6, upper: 12, scale: 2 };
const scratch = (): MutableForecastPoint => ({ yhat: 0, lower: 0, upper: 0, scale: 0 });

describe('ResetPredictor', () => {
  it('is inactive and leaves the point alone until a model teaches it a growth and a ratio below 1', () => {
    const p = new ResetPredictor(STEP);
    expect(p.active).toBe(false);
    p.update(0, 1, true);
    expect(p.correct(STEP, POINT, scratch())).toBe(POINT);
    p.learn(0.1, 1);
    expect(p.active).toBe(false);
    p.learn(Number.NaN, 0.1);
    expect(p.active).toBe(false);
    p.learn(0.1, 0.1);
    expect(p.active).toBe(true);
    // learn() forgets the old residual: nothing to predict from yet.
    expect(p.correct(STEP, POINT, scratch())).toBe(POINT);
  });

  it('predicts the last residual plus the growth per step, with a band of ratio·√k of the mean half-band', () => {
    const p = new ResetPredictor(STEP);
    p.learn(0.05, 0.1);
    p.update(0, 1.5, true); // 3 above the forecast in a scale of 2
    const next = p.correct(STEP, POINT, scratch());
    expect(next.yhat).toBeCloseTo(10 + (1.5 + 0.05) * 2, 12);
    // Half-bands 4 and 2, mean 3, times 0.1.
    expect(next.lower).toBeCloseTo(next.yhat - 0.3, 12);
    expect(next.upper).toBeCloseTo(next.yhat + 0.3, 12);
    expect(next.scale).toBeCloseTo(0.2, 12);
    // Two samples missing: three steps of growth, band √3 wider.
    const later = p.correct(3 * STEP, POINT, scratch());
    expect(later.yhat).toBeCloseTo(10 + (1.5 + 0.15) * 2, 12);
    expect(later.upper - later.yhat).toBeCloseTo(0.3 * Math.sqrt(3), 12);
    // Beyond 6 steps (or once √k·ratio reaches 1) the model's own point.
    expect(p.correct(7 * STEP, POINT, scratch())).toBe(POINT);
  });

  it('follows a steady climb exactly, clips news at the band edge, restarts on resync and ignores episodes', () => {
    const p = new ResetPredictor(STEP);
    p.learn(0.05, 0.1);
    for (let i = 0; i <= 10; i++) p.update(i * STEP, 0.05 * i, true);
    expect(p.correct(11 * STEP, POINT, scratch()).yhat).toBeCloseTo(10 + 0.55 * 2, 12);
    // A jump of 2 z is news: the trusted residual moves at most one band half (0.1 · 1.96 z) past the prediction.
    p.update(11 * STEP, 2.55, true);
    expect(p.correct(12 * STEP, POINT, scratch()).yhat).toBeCloseTo(10 + (0.55 + 0.196 + 0.05) * 2, 12);
    // An untrusted point (inside an episode) teaches nothing.
    p.update(12 * STEP, 5, false);
    expect(p.correct(13 * STEP, POINT, scratch()).yhat).toBeCloseTo(10 + (0.746 + 0.1) * 2, 12);
    // A reset restarts from the new value whole.
    p.update(13 * STEP, -1, true, true);
    expect(p.correct(14 * STEP, POINT, scratch()).yhat).toBeCloseTo(10 + (-1 + 0.05) * 2, 12);
  });
});
