import { SHIFT_MIN_MEAN, SHIFT_WINDOW, SustainedShiftDetector } from '../../../src/detect/sustainedShift';

const STEP = 5 * 60_000;

describe('SustainedShiftDetector', () => {
  it('is silent without a learnt level, whatever the residuals', () => {
    const d = new SustainedShiftDetector(STEP);
    let fired = 0;
    for (let i = 0; i < 3 * SHIFT_WINDOW; i++) if (d.update(i * STEP, 5)) fired++;
    expect(fired).toBe(0);
    d.setLevel(0);
    expect(d.update(3 * SHIFT_WINDOW * STEP, 5)).toBe(false);
  });

  it('fires once the full window is one-sided with a mean beyond the level, never below SHIFT_MIN_MEAN', () => {
    const d = new SustainedShiftDetector(STEP);
    d.setLevel(0.2); // below the floor: the floor (1) applies
    const verdicts: boolean[] = [];
    for (let i = 0; i < SHIFT_WINDOW; i++) verdicts.push(d.update(i * STEP, 0.9));
    // A full window at 0.9 < SHIFT_MIN_MEAN stays quiet; the mean is exact.
    expect(verdicts.some((v) => v)).toBe(false);
    expect(d.mean).toBeCloseTo(0.9, 12);
    // Residuals of 1.6 push the mean over 1 at the fourth: (21 * 0.9 + 3 * 1.6) / 24 = 0.9875, then 1.0167.
    expect(SHIFT_MIN_MEAN).toBe(1);
    const first = [...Array<number>(SHIFT_WINDOW).keys()].findIndex((k) =>
      d.update((SHIFT_WINDOW + k) * STEP, 1.6),
    );
    expect(first).toBe(3);
    // A higher learnt level is used as is.
    d.setLevel(1.5);
    expect(d.update(2 * SHIFT_WINDOW * STEP, 1.6)).toBe(false);
  });

  it('needs every residual of the window on the side of its mean (a few large excursions are no shift)', () => {
    const d = new SustainedShiftDetector(STEP);
    d.setLevel(1);
    // 23 residuals of 2 and one of -0.1: mean 1.9, yet not one-sided.
    for (let i = 0; i < SHIFT_WINDOW - 1; i++) d.update(i * STEP, 2);
    expect(d.update((SHIFT_WINDOW - 1) * STEP, -0.1)).toBe(false);
    expect(d.mean).toBeGreaterThan(1.8);
    // Once the negative residual has left the window it fires; downwards too.
    let t = SHIFT_WINDOW;
    for (let i = 0; i < SHIFT_WINDOW - 1; i++) expect(d.update(t++ * STEP, 2)).toBe(false);
    expect(d.update(t++ * STEP, 2)).toBe(true);
    const down = new SustainedShiftDetector(STEP);
    down.setLevel(1);
    let last = false;
    for (let i = 0; i < SHIFT_WINDOW; i++) last = down.update(i * STEP, -1.2);
    expect(last).toBe(true);
  });

  it('restarts the window after a gap longer than the window, and skips missing samples', () => {
    const d = new SustainedShiftDetector(STEP);
    d.setLevel(1);
    for (let i = 0; i < SHIFT_WINDOW - 1; i++) d.update(i * STEP, 2);
    expect(d.update(SHIFT_WINDOW * STEP, Number.NaN)).toBe(false);
    expect(Number.isNaN(d.mean)).toBe(true);
    // The window is not full yet; after a long gap it starts again from one sample.
    expect(d.update(3 * SHIFT_WINDOW * STEP, 2)).toBe(false);
    expect(Number.isNaN(d.mean)).toBe(true);
    let fired = false;
    for (let i = 1; i < SHIFT_WINDOW; i++) fired = d.update((3 * SHIFT_WINDOW + i) * STEP, 2);
    expect(fired).toBe(true);
  });
});
