import {
  normalScore,
  normalScoreOfTail,
  shrinkToNormal,
  shrinkToNormalOfTail,
} from '../../../src/detect/normalScore';
import { normalQuantile } from '../../../src/model/stats';

/** P(|N(0,1)| >= |z|) from the project's own normal quantile, inverted by bisection (exact to ~1e-12). */
function normalTail(z: number): number {
  const a = Math.abs(z);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalQuantile(1 - mid / 2) > a) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('normalScore', () => {
  it('gives z back under a standard-normal model', () => {
    for (const z of [-3, -1.2, 0.4, 1.96, 4]) expect(normalScore(z, normalTail)).toBeCloseTo(z, 6);
  });

  it('shrinks residuals of a heavy-tailed model to their normal equivalent', () => {
    // Laplace with unit MAD scale: P(|Z| >= z) = exp(-|z| ln 2). z = 6 has tail 1/64, as rare as |N| >= 2.42.
    const laplace = (z: number): number => Math.exp(-Math.abs(z) * Math.LN2);
    expect(normalScore(6, laplace)).toBeCloseTo(normalQuantile(1 - 1 / 128), 9);
    expect(normalScore(6, laplace)).toBeCloseTo(2.4175, 3);
    expect(normalScore(-6, laplace)).toBeCloseTo(-2.4175, 3);
  });

  it('handles the degenerate cases', () => {
    expect(normalScore(0, normalTail)).toBe(0);
    expect(Number.isNaN(normalScore(Number.NaN, normalTail))).toBe(true);
    expect(normalScore(Number.POSITIVE_INFINITY, normalTail)).toBe(8);
    expect(normalScore(Number.NEGATIVE_INFINITY, normalTail)).toBe(-8);
    expect(normalScore(2, () => 0)).toBe(8);
    expect(normalScore(-2, () => 1)).toBe(0);
    expect(normalScore(50, () => 1e-300)).toBe(8);
  });
});

describe('shrinkToNormal', () => {
  const laplace = (z: number): number => Math.exp(-Math.abs(z) * Math.LN2);

  it('brings heavy-tailed residuals back to their normal score', () => {
    expect(shrinkToNormal(6, laplace)).toBeCloseTo(2.4175, 3);
    expect(shrinkToNormal(-6, laplace)).toBeCloseTo(-2.4175, 3);
  });

  it('never enlarges a residual of a light-tailed model', () => {
    // Uniform on [-2, 2]: P(|Z| >= 1.9) = 0.05, as rare as |N| >= 1.96, yet the CUSUM keeps 1.9.
    const uniform = (z: number): number => Math.max(0, 1 - Math.abs(z) / 2);
    expect(normalScore(1.9, uniform)).toBeCloseTo(1.96, 2);
    expect(shrinkToNormal(1.9, uniform)).toBe(1.9);
    expect(shrinkToNormal(-1.9, uniform)).toBe(-1.9);
  });

  it('keeps NaN for a missing residual', () => {
    expect(Number.isNaN(shrinkToNormal(Number.NaN, laplace))).toBe(true);
  });
});

describe('normalScoreOfTail and shrinkToNormalOfTail', () => {
  const laplace = (z: number): number => Math.exp(-Math.abs(z) * Math.LN2);

  it('give what the tail function gives when handed its probability', () => {
    for (const z of [-6, -1.9, -0.3, 0.7, 2.5, 6]) {
      expect(normalScoreOfTail(z, laplace(z))).toBe(normalScore(z, laplace));
      expect(shrinkToNormalOfTail(z, laplace(z))).toBe(shrinkToNormal(z, laplace));
    }
  });

  it('ignore the probability where the tail is never asked', () => {
    expect(normalScoreOfTail(0, 0.5)).toBe(0);
    expect(normalScoreOfTail(Number.POSITIVE_INFINITY, Number.NaN)).toBe(8);
    expect(Number.isNaN(normalScoreOfTail(Number.NaN, 0.5))).toBe(true);
    expect(shrinkToNormalOfTail(Number.NEGATIVE_INFINITY, Number.NaN)).toBe(-8);
  });
});
