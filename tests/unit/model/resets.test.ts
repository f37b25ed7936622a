import { resetGrowth } from '../../../src/model/resets';
import { Random } from '../../../src/domain/random';

const STEP = 300_000;

/** A sawtooth residual: climbs `growth` per step with noise of sd `noise`, drops by `drop` every `cycle` steps. */
function sawtooth(n: number, growth: number, noise: number, cycle: number, seed: number): Float64Array {
  const random = new Random(seed);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = -1.5 + growth * (i % cycle) + noise * random.normal();
  return z;
}

describe('resetGrowth', () => {
  const n = 4032;
  const ts = Float64Array.from({ length: n }, (_, i) => i * STEP);

  it("learns a sawtooth's growth per step, its one-step error ratio and a leak level", () => {
    // 3 z of growth over 144 steps (12 hours) then a drop back: growth 0.0208 per step.
    const z = sawtooth(n, 3 / 144, 0.02, 144, 1);
    const { growth, ratio, leakLevel } = resetGrowth(z, ts, n, STEP, 0.95);
    expect(growth).toBeCloseTo(3 / 144, 3);
    // One-step errors are differences of the noise, sd 0.02·√2: central 95% ±0.055 against the residual's
    // own ±1.43 or so (a uniform climb over 3 z).
    expect(ratio).toBeGreaterThan(0.03);
    expect(ratio).toBeLessThan(0.05);
    expect(leakLevel).toBeGreaterThan(0);
    // A noisier climb: a wider predictor band.
    expect(resetGrowth(sawtooth(n, 3 / 144, 0.05, 144, 1), ts, n, STEP, 0.95).ratio).toBeGreaterThan(ratio);
  });

  it('learns nothing from too little history or a constant residual', () => {
    const z = sawtooth(20, 0.02, 0.02, 144, 2);
    expect(Number.isNaN(resetGrowth(z, ts, 20, STEP, 0.95).growth)).toBe(true);
    expect(Number.isNaN(resetGrowth(new Float64Array(n), ts, n, STEP, 0.95).ratio)).toBe(true);
  });
});
