import { DEFAULT_DRIFT_OPTIONS, DriftDetector, type DriftStep } from '../../../src/detect';
import type { DriftTuning } from '../../../src/detect/drift';
import type { DriftOptions } from '../../../src/detect/types';
import { Random } from '../../../src/domain/random';

const POINTS_PER_DAY = 288;

/** Index of the first signal for the residuals `zAt(i)`, i < n, or -1. */
function firstSignal(detector: DriftDetector, n: number, zAt: (i: number) => number): number {
  for (let i = 0; i < n; i++) if (detector.update(zAt(i)).signalled) return i;
  return -1;
}

/** Number of alarms (runs of drift = true) over AR(1) noise with unit marginal variance. */
function alarmsOnAr1(
  options: DriftOptions,
  phi: number,
  seed: number,
  n: number,
  tuning: DriftTuning = {},
): number {
  const random = new Random(seed);
  const detector = new DriftDetector(options, tuning);
  const innovationSd = Math.sqrt(1 - phi * phi);
  let e = random.normal();
  let alarms = 0;
  let previous = false;
  for (let i = 0; i < n; i++) {
    e = phi * e + innovationSd * random.normal();
    const { drift } = detector.update(e);
    if (drift && !previous) alarms += 1;
    previous = drift;
  }
  return alarms;
}

describe('DriftDetector', () => {
  it('signals a noise-free ramp of +0.02σ per point at point 57, 42 points before it leaves a 95% band', () => {
    // With k = 0.5 the sum grows from point 26 by 0.02, 0.04, 0.06, …: 0.01·m(m+1) after m points,
    // first above h = 10 at m = 32 (10.56; m = 31 gives 9.92), i.e. point 57. The ramp first exceeds 1.96 at
    // point 99.
    const detector = new DriftDetector(DEFAULT_DRIFT_OPTIONS);
    expect(firstSignal(detector, 200, (i) => 0.02 * i)).toBe(57);
  });

  it('signals a +0.02σ-per-point ramp in N(0,1) noise well before its mean reaches the band edge', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
      const random = new Random(seed);
      const at = firstSignal(
        new DriftDetector(DEFAULT_DRIFT_OPTIONS),
        400,
        (i) => 0.02 * i + random.normal(),
      );
      // Measured: first signals between points 34 and 54 over these seeds.
      expect(at).toBeGreaterThan(20);
      expect(at).toBeLessThan(70);
    }
  });

  it('does not signal on 2,000 points of N(0,1) noise with the default k and h', () => {
    for (const seed of [11, 12, 13, 14, 15]) {
      const random = new Random(seed);
      expect(firstSignal(new DriftDetector(DEFAULT_DRIFT_OPTIONS), 2000, () => random.normal())).toBe(-1);
    }
  });

  it('keeps false alarms on AR(1) noise under 0.1 per day when told the autocorrelation, not when blind', () => {
    // The defaults are in long-run standard deviations: told φ (as the fitted model reports it), the
    // detector widens k, h and the clip by sqrt((1+φ)/(1−φ)). Over 10 seeds × 30 days: 0.013 per day
    // on φ = 0.5 and 0 on φ = 0.9 when told, 1.51 per day on φ = 0.5 when blind (sums tuned for white
    // noise), 0.053 per day on white noise.
    const days = 30;
    const n = days * POINTS_PER_DAY;
    let told = 0;
    let toldHigh = 0;
    let blind = 0;
    let white = 0;
    for (let seed = 1; seed <= 10; seed++) {
      told += alarmsOnAr1(DEFAULT_DRIFT_OPTIONS, 0.5, seed, n, { residualAutocorrelation: 0.5 });
      toldHigh += alarmsOnAr1(DEFAULT_DRIFT_OPTIONS, 0.9, seed, n, { residualAutocorrelation: 0.9 });
      blind += alarmsOnAr1(DEFAULT_DRIFT_OPTIONS, 0.5, seed, n);
      white += alarmsOnAr1(DEFAULT_DRIFT_OPTIONS, 0, seed, n);
    }
    expect(told / (10 * days)).toBeLessThan(0.1);
    expect(toldHigh / (10 * days)).toBeLessThan(0.1);
    expect(white / (10 * days)).toBeLessThan(0.1);
    expect(blind / (10 * days)).toBeGreaterThan(0.5);
  });

  it('widens the clip with k and h, so strongly autocorrelated residuals still signal a large shift', () => {
    // φ = 0.9: long-run sd √19 ≈ 4.36, so k ≈ 2.18, h ≈ 43.6 and the clip ≈ 13.1 (a clip of 3 would stay
    // below k and no shift could ever signal). A shift of 5 adds 5 − 2.18 ≈ 2.82 per point: 15 points make
    // 42.3, 16 make 45.1, so the signal comes at the 16th point (index 15).
    const detector = new DriftDetector(DEFAULT_DRIFT_OPTIONS, { residualAutocorrelation: 0.9 });
    expect(firstSignal(detector, 100, () => 5)).toBe(15);
    const spiked = new DriftDetector(DEFAULT_DRIFT_OPTIONS, { residualAutocorrelation: 0.9 });
    spiked.update(1e9);
    expect(spiked.upperStatistic).toBeCloseTo((3 - 0.5) * Math.sqrt(19), 12);
  });

  it('winsorises residuals at ±3 so a single spike of any size adds only 3 − k', () => {
    const detector = new DriftDetector({ enabled: true, k: 0.75, h: 12 });
    expect(detector.update(1e9).signalled).toBe(false);
    expect(detector.upperStatistic).toBe(2.25);
    expect(detector.update(Infinity).drift).toBe(false);
    expect(detector.upperStatistic).toBe(4.5);
    expect(detector.update(-Infinity).drift).toBe(false);
    expect(detector.upperStatistic).toBe(0.75);
    expect(detector.lowerStatistic).toBe(2.25);
  });

  it('restarts the signalling sum at h/2 after a signal and ends the alarm when it decays to 0', () => {
    const detector = new DriftDetector({ enabled: true, k: 0.75, h: 12 });
    expect(firstSignal(detector, 10, () => 3)).toBe(5); // 2.25 per point: 13.5 > 12 at the 6th
    expect(detector.upperStatistic).toBe(6);
    expect(detector.lowerStatistic).toBe(0);
    const after: DriftStep[] = Array.from({ length: 9 }, () => detector.update(0));
    // 6 − 0.75·n reaches 0 at n = 8: the alarm holds for 7 more points.
    expect(after.map((s) => s.drift)).toEqual([true, true, true, true, true, true, true, false, false]);
    expect(after.every((s) => !s.signalled)).toBe(true);
  });

  it('keeps the alarm up while a drift goes on, re-signalling from the head start', () => {
    const detector = new DriftDetector({ enabled: true, k: 0.75, h: 12 });
    const steps = Array.from({ length: 30 }, () => detector.update(3));
    expect(steps.slice(5).every((s) => s.drift && s.direction === 1)).toBe(true);
    // After the first signal at point 5, each re-signal takes 3 points (6 + 3·2.25 > 12).
    expect(steps.map((s, i) => (s.signalled ? i : -1)).filter((i) => i >= 0)).toEqual([
      5, 8, 11, 14, 17, 20, 23, 26, 29,
    ]);
  });

  it('signals a downward drift with direction -1', () => {
    const detector = new DriftDetector({ enabled: true, k: 0.5, h: 8 });
    const at = firstSignal(detector, 20, () => -2);
    expect(at).toBe(5); // 1.5 per point: 9 > 8 at the 6th
    expect(detector.update(-2)).toEqual({ drift: true, signalled: false, direction: -1 });
  });

  it('widens k and h by sqrt((1+φ)/(1−φ)) when told the residuals are autocorrelated', () => {
    // φ = 0.5: k = 0.5·√3 ≈ 0.866, h = 8·√3 ≈ 13.86; z = 2 adds 1.134 per point, 13 points to cross.
    const white = new DriftDetector({ enabled: true, k: 0.5, h: 8 });
    const correlated = new DriftDetector({ enabled: true, k: 0.5, h: 8 }, { residualAutocorrelation: 0.5 });
    expect(firstSignal(white, 50, () => 2)).toBe(5);
    expect(firstSignal(correlated, 50, () => 2)).toBe(12);
  });

  it('ignores missing residuals and never signals when disabled', () => {
    const detector = new DriftDetector({ enabled: true, k: 0.5, h: 8 });
    detector.update(2);
    detector.update(Number.NaN);
    expect(detector.upperStatistic).toBe(1.5);
    const disabled = new DriftDetector({ ...DEFAULT_DRIFT_OPTIONS, enabled: false });
    expect(firstSignal(disabled, 100, () => 3)).toBe(-1);
  });

  it('forgets its sums and alarm on reset (after a refit)', () => {
    const detector = new DriftDetector({ enabled: true, k: 0.5, h: 8 });
    firstSignal(detector, 20, () => 2);
    detector.reset();
    expect(detector.upperStatistic).toBe(0);
    expect(detector.update(0).drift).toBe(false);
  });
});
