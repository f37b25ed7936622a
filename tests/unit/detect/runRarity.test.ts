import { Random } from '../../../src/domain/random';
import { DEFAULT_DETECTION_OPTIONS } from '../../../src/detect/defaults';
import { RunRarity } from '../../../src/detect/runRarity';
import { SeriesDetector } from '../../../src/detect/seriesDetector';
import type { ForecastPoint } from '../../../src/detect/score';

const STEP = 5 * 60_000;
const T0 = 1_700_000_000_000;

describe('RunRarity', () => {
  it('answers true without a level, and needs 4 of the last 5 sizes beyond a learnt one', () => {
    const r = new RunRarity(5, 4, STEP);
    expect([3, 3, 3, 3].map((s, i) => r.observe(T0 + i * STEP, s))).toEqual([true, true, true, true]);
    const q = new RunRarity(5, 4, STEP);
    q.learn(2.5);
    const sizes = [3, 3, 2, 3, 3, 1];
    expect(sizes.map((s, i) => q.observe(T0 + i * STEP, s))).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
    ]);
  });

  it('does not count sizes across missing samples, and ignores a level learnt for another rule', () => {
    const q = new RunRarity(5, 4, STEP);
    q.learn(2.5);
    // Three points, then a gap of 3 samples, then two: the window ending at the last holds only 2 of them.
    const at = [0, 1, 2, 6, 7];
    expect(at.map((k) => q.observe(T0 + k * STEP, 9)).some(Boolean)).toBe(false);
    const other = new RunRarity(6, 4, STEP);
    other.learn(2.5);
    expect(other.observe(T0, 0)).toBe(true);
  });
});

describe('SeriesDetector N-of-M rule: a run opens an episode only when rare for the series', () => {
  const BAND: ForecastPoint = { yhat: 0, lower: -1.96, upper: 1.96, scale: 1 };
  const gaussianTail = (z: number): number => 0.5 * Math.exp(-0.5 * z * z);
  /** Small noise (no exact repeats: the stuck rule), then 6 points at 2.5 scales: band misses below 3 half-bands. */
  const opened = (runLevel: number | undefined): number[] => {
    // Drift off: the CUSUM integrates the same run on its own (its own rule, not this one's).
    const options = {
      ...DEFAULT_DETECTION_OPTIONS,
      drift: { ...DEFAULT_DETECTION_OPTIONS.drift, enabled: false },
    };
    const d = new SeriesDetector('s', options, { stepMs: STEP });
    d.onRefit({ metrics: { runLevel } });
    const at: number[] = [];
    const random = new Random(4);
    for (let i = 0; i < 40; i++) {
      const o = d.observe(
        T0 + i * STEP,
        (i >= 20 && i < 26 ? 2.5 : 0) + 0.1 * random.normal(),
        BAND,
        gaussianTail,
      );
      for (const e of o.events) if (e.kind === 'opened') at.push(i);
    }
    return at;
  };

  it('opens on the 4th miss without a level (older model files) or with one inside the band', () => {
    expect(opened(undefined)).toEqual([23]);
    expect(opened(1.5)).toEqual([23]);
  });

  it('stays quiet when the training history had runs that size more often than the target rate', () => {
    expect(opened(3)).toEqual([]);
  });
});
