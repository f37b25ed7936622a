import { isRare, NO_SPIKE_LEVELS, RARE_TAIL_PROBABILITY } from '../../../src/detect/rarity';
import type { ForecastPoint } from '../../../src/detect/score';

const MODEL: ForecastPoint = { yhat: 100, lower: 96, upper: 104, scale: 2 };
/** An exponential tail: P(|Z| ≥ |z|) = e^(−|z|). */
const expTail = (z: number): number => Math.exp(-Math.abs(z));

describe('isRare', () => {
  it('needs the tail probability of the judged residual at or below RARE_TAIL_PROBABILITY', () => {
    const zRare = -Math.log(RARE_TAIL_PROBABILITY); // ≈ 9.21 for 1e-4
    expect(isRare(100 + 2 * (zRare + 0.1), MODEL, MODEL, expTail, NO_SPIKE_LEVELS)).toBe(true);
    expect(isRare(100 + 2 * (zRare - 0.1), MODEL, MODEL, expTail, NO_SPIKE_LEVELS)).toBe(false);
    expect(isRare(100 - 2 * (zRare + 0.1), MODEL, MODEL, expTail, NO_SPIKE_LEVELS)).toBe(true);
  });

  it('reads the tail at the judged point (its narrowed scale) and the spike size in the model scale', () => {
    // One-step-corrected point: forecast 110, scale narrowed to 1.
    const judged: ForecastPoint = { yhat: 110, lower: 108, upper: 112, scale: 1 };
    // 12 above the judged forecast: z = 12 at the judged scale (rare), size 6 in model scales.
    expect(isRare(122, judged, MODEL, expTail, { upper: 5.9, lower: -3 })).toBe(true);
    expect(isRare(122, judged, MODEL, expTail, { upper: 6, lower: -3 })).toBe(false);
    // The downward level is separate.
    expect(isRare(98, judged, MODEL, expTail, { upper: 50, lower: -5.9 })).toBe(true);
    expect(isRare(98, judged, MODEL, expTail, { upper: 50, lower: -6 })).toBe(false);
  });

  it('is false for a missing value and true for any miss of a zero-scale forecast', () => {
    expect(isRare(Number.NaN, MODEL, MODEL, expTail, NO_SPIKE_LEVELS)).toBe(false);
    const flat: ForecastPoint = { yhat: 5, lower: 5, upper: 5, scale: 0 };
    expect(isRare(5.001, flat, flat, expTail, { upper: 100, lower: -100 })).toBe(true);
  });
});
