import { Random } from '../../../src/domain/random';
import {
  VARIANCE_CLIP,
  VARIANCE_RATIO,
  VARIANCE_WINDOW,
  VarianceBurstDetector,
} from '../../../src/detect/varianceBurst';

const STEP = 60_000;
/** Median |Δz| of white N(0, 1) noise: |N(0, 2)|'s median, √2 · 0.6745. */
const WHITE_DIFF_MEDIAN = Math.SQRT2 * 0.6745;

describe('VarianceBurstDetector', () => {
  it('averages the last window of clipped |Δz| over the reference', () => {
    const d = new VarianceBurstDetector(STEP);
    d.setReference(0.5);
    // z alternates 0, 1: every |Δz| is 1, i.e. 2 reference units.
    for (let i = 0; i <= VARIANCE_WINDOW; i++) d.update(i * STEP, i % 2);
    expect(d.ratio).toBeCloseTo(2, 12);
    // One jump of 100 counts as VARIANCE_CLIP reference units (2.5 in z), not 100.
    d.update((VARIANCE_WINDOW + 1) * STEP, 100);
    expect(d.ratio).toBeCloseTo((2 * (VARIANCE_WINDOW - 1) + VARIANCE_CLIP) / VARIANCE_WINDOW, 12);
  });

  it('stays silent on white noise and signals when the noise grows sixfold', () => {
    const d = new VarianceBurstDetector(STEP);
    d.setReference(WHITE_DIFF_MEDIAN);
    const random = new Random(5);
    let quiet = 0;
    for (let i = 0; i < 20_000; i++) if (d.update(i * STEP, random.normal())) quiet++;
    expect(quiet).toBe(0);
    let burst = 0;
    for (let i = 20_000; i < 20_060; i++) if (d.update(i * STEP, 6 * random.normal())) burst++;
    // 60 noisy samples; the window needs some of them before the statistic climbs.
    expect(burst).toBe(39);
  });

  it('is silent without a reference, and restarts its differences at a gap or a missing value', () => {
    const silent = new VarianceBurstDetector(STEP);
    for (let i = 0; i < 50; i++) expect(silent.update(i * STEP, i % 2 === 0 ? 10 : -10)).toBe(false);
    const d = new VarianceBurstDetector(STEP);
    d.setReference(1);
    // Pairs across a gap or a NaN never enter the window: only the 1-apart pairs below do.
    d.update(0, 0);
    d.update(10 * STEP, 50);
    d.update(11 * STEP, Number.NaN);
    for (let i = 12; i < 12 + VARIANCE_WINDOW + 1; i++) d.update(i * STEP, i % 2);
    expect(d.ratio).toBeCloseTo(1, 12);
    expect(d.update((13 + VARIANCE_WINDOW) * STEP, VARIANCE_RATIO * 10)).toBe(false);
  });
});
