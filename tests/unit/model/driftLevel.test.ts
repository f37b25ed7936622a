import { Random } from '../../../src/domain/random';
import { DEFAULT_DETECTION_OPTIONS } from '../../../src/detect/defaults';
import { DriftDetector } from '../../../src/detect/drift';
import { SeriesDetector } from '../../../src/detect/seriesDetector';
import type { ForecastPoint } from '../../../src/detect/score';
import { driftLevel } from '../../../src/model/driftLevel';
import { GRID_STEP_MS, GRID_T0_MS, gridTimes } from '../../helpers/grid';

const STEP = GRID_STEP_MS;
const T0 = GRID_T0_MS;
const DAY = 288;
const gaussianTail = (z: number): number => 0.5 * Math.exp(-0.5 * z * z);

describe('driftLevel', () => {
  it('stays below the default h on white Gaussian residuals (the drift rule keeps its sensitivity)', () => {
    const random = new Random(8);
    const n = 14 * DAY;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = random.normal();
    expect(driftLevel(z, gridTimes(n), n, STEP, 0, gaussianTail)).toBeLessThan(
      DEFAULT_DETECTION_OPTIONS.drift.h,
    );
  });

  it('rises above h on a series whose ordinary residuals wander off for hours every day', () => {
    const random = new Random(9);
    const n = 14 * DAY;
    const z = new Float64Array(n);
    // Twice a day a 3-hour excursion at +1.5: the sums climb by ~1 a point, to ~36.
    for (let i = 0; i < n; i++) z[i] = random.normal() + (i % 144 < 36 ? 1.5 : 0);
    const level = driftLevel(z, gridTimes(n), n, STEP, 0, gaussianTail);
    expect(level).toBeGreaterThan(20);
  });
});

describe('DriftDetector minThreshold and the detector that learns it', () => {
  it('raises h, never lowers it', () => {
    const options = DEFAULT_DETECTION_OPTIONS.drift;
    const feed = (d: DriftDetector): number => {
      for (let i = 0; i < 100; i++) if (d.update(1.5).signalled) return i;
      return -1;
    };
    // Sums grow by 1 a point: the default h = 10 signals at the 11th point, a floor of 20 at the 21st.
    expect(options.h).toBe(10);
    expect(feed(new DriftDetector(options))).toBe(10);
    expect(feed(new DriftDetector(options, { minThreshold: 20 }))).toBe(20);
    expect(feed(new DriftDetector(options, { minThreshold: 2 }))).toBe(10);
  });

  it('opens a drift episode later on a series whose model reports a high drift level', () => {
    const BAND: ForecastPoint = { yhat: 0, lower: -1.96, upper: 1.96, scale: 1 };
    const openedAt = (driftLevel: number | undefined): number => {
      const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
      d.onRefit({ metrics: { residualLag1: 0, driftLevel } });
      const random = new Random(2);
      for (let i = 0; i < 200; i++) {
        // A slow upward drift inside the band: +1.5 from point 50 on.
        const v = (i >= 50 ? 1.5 : 0) + 0.1 * random.normal();
        const o = d.observe(T0 + i * STEP, v, BAND, gaussianTail);
        if (o.events.some((e) => e.kind === 'opened')) return i;
      }
      return -1;
    };
    const plain = openedAt(undefined);
    expect(plain).toBeGreaterThan(50);
    expect(plain).toBeLessThan(62);
    expect(openedAt(30)).toBeGreaterThan(plain + 15);
  });
});
