import { Random } from '../../../src/domain/random';
import { createForecaster } from '../../../src/model';
import { loadModel, serializeModel } from '../../../src/model/serialize';
import { kthClusterLevel, RUN_MIN_COUNT, runLevel } from '../../../src/model/runLevel';
import { GRID_STEP_MS, gridTimes } from '../../helpers/grid';

const STEP = GRID_STEP_MS;
const DAY = 288;

describe('runLevel', () => {
  it('stays inside the band on independent Gaussian residuals (the N-of-M rule keeps its sensitivity)', () => {
    const random = new Random(5);
    const n = 14 * DAY;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = random.normal();
    // 4 of 5 points beyond 1.96 is a 1-in-30,000 event: the 3rd largest cluster of 4,032 points is far below.
    expect(runLevel(z, gridTimes(n), n, STEP, 0, 1)).toBeLessThan(1.5);
  });

  it('rises to the size of runs the history shows several times a day', () => {
    const random = new Random(6);
    const n = 14 * DAY;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = 0.5 * random.normal();
    // Every 6 hours a run of 6 points at +4: ordinary for this series, 56 clusters in 14 days.
    for (let start = 30; start + 6 < n; start += 72) for (let j = 0; j < 6; j++) z[start + j] = 4;
    const level = runLevel(z, gridTimes(n), n, STEP, 0, 1);
    expect(level).toBeGreaterThanOrEqual(3.9);
    expect(level).toBeLessThanOrEqual(4);
  });

  it('needs RUN_MIN_COUNT clusters, and reads the one-step residual, not the raw one', () => {
    const n = 14 * DAY;
    const z = new Float64Array(n);
    // Two runs only: too few to call them ordinary.
    for (const start of [500, 2000]) for (let j = 0; j < 6; j++) z[start + j] = 5;
    expect(RUN_MIN_COUNT).toBe(3);
    expect(runLevel(z, gridTimes(n), n, STEP, 0, 1)).toBe(0);
    // A slow wave that a φ = 0.95 one-step correction follows: its one-step residuals are small.
    const wave = new Float64Array(n);
    for (let i = 0; i < n; i++) wave[i] = 3 * Math.sin((2 * Math.PI * i) / 72);
    const raw = runLevel(wave, gridTimes(n), n, STEP, 0, 1);
    const corrected = runLevel(wave, gridTimes(n), n, STEP, 0.95, 0.31);
    expect(raw).toBeGreaterThan(2.9);
    expect(corrected).toBeLessThan(raw / 2);
  });

  it('does not count points across a gap as one window', () => {
    const n = 14 * DAY;
    const ts = gridTimes(n);
    const z = new Float64Array(n);
    // Pairs of big points either side of a 2-hour gap, 20 times: no window holds 4 of them.
    const keep: number[] = [];
    for (let i = 0; i < n; i++) keep.push(i);
    const gapped: number[] = [];
    for (let c = 0; c < 20; c++) {
      const at = 100 + c * 180;
      z[at] = z[at + 1] = z[at + 26] = z[at + 27] = 5;
      for (let j = at + 2; j < at + 26; j++) gapped.push(j);
    }
    const drop = new Set(gapped);
    const idx = keep.filter((i) => !drop.has(i));
    const zz = Float64Array.from(idx, (i) => z[i]);
    const tt = Float64Array.from(idx, (i) => ts[i]);
    expect(runLevel(zz, tt, zz.length, STEP, 0, 1)).toBe(0);
  });
});

/** kthClusterLevel's definition, by a full sort (descending value, ties in index order) and a union-find. */
function kthClusterLevelBySort(
  run: Float64Array,
  ts: Float64Array,
  n: number,
  k: number,
  gapMs: number,
): number {
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (run[i] > 0) order.push(i);
  order.sort((a, b) => run[b] - run[a] || a - b);
  const parent = new Int32Array(n).fill(-1);
  const find = (i: number): number => (parent[i] === i ? i : find(parent[i]));
  let count = 0;
  for (const i of order) {
    parent[i] = i;
    count++;
    for (const dir of [-1, 1]) {
      for (let j = i + dir; j >= 0 && j < n && Math.abs(ts[i] - ts[j]) <= gapMs; j += dir) {
        if (parent[j] < 0) continue;
        const a = find(i);
        const b = find(j);
        if (a !== b) {
          parent[a] = b;
          count--;
        }
        break;
      }
    }
    if (count >= k) return run[i];
  }
  return 0;
}

describe('kthClusterLevel', () => {
  it('equals the full-sort definition, with ties, gaps, and answers deep in the order', () => {
    const random = new Random(11);
    for (let trial = 0; trial < 60; trial++) {
      const n = 200 + Math.floor(random.uniform(0, 1) * 3000);
      const ts = gridTimes(n);
      const run = new Float64Array(n);
      // Coarse values make many ties; zeros and NaN are never activated; long dense stretches merge into few
      // clusters, so a large k is reached only after most of the values (several chunks).
      const coarse = trial % 3 === 0;
      for (let i = 0; i < n; i++) {
        const v = random.uniform(0, 1) < 0.1 ? 0 : Math.abs(random.normal()) * (1 + Math.sin(i / 40));
        run[i] = coarse ? Math.round(v * 4) / 4 : v;
      }
      if (trial % 5 === 0) run[7] = Number.NaN;
      if (trial % 7 === 0) run[3] = Number.POSITIVE_INFINITY;
      const k = trial % 2 === 0 ? 1 + (trial % 9) : 5 + Math.floor(random.uniform(0, 1) * 40);
      const gap = (1 + (trial % 6)) * STEP;
      expect(kthClusterLevel(run, ts, n, k, gap)).toBe(kthClusterLevelBySort(run, ts, n, k, gap));
    }
  });
});

describe('the forecaster reports the run level', () => {
  const series = (
    burstEvery: number,
  ): { timestampsMs: Float64Array; values: Float64Array; stepMs: number } => {
    const random = new Random(9);
    const n = 14 * DAY;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      values[i] = 50 + 10 * Math.sin((2 * Math.PI * i) / DAY) + random.normal();
      // Bursts of 8 points, 6 units up with noise, every 101 points (so no seasonal shape can absorb them):
      // 2.85 a day, autocorrelated excursions the one-step correction
      // cannot predict from the point before them.
      if (burstEvery > 0 && i % burstEvery >= 10 && i % burstEvery < 18) values[i] += 6 + random.normal();
    }
    return { timestampsMs: gridTimes(n), values, stepMs: STEP };
  };

  it('is high on a series with frequent bursts, low on a Gaussian one, and survives a model file', () => {
    const bursty = createForecaster().fit(series(101));
    const plain = createForecaster().fit(series(0));
    expect(bursty.metrics.runLevel).toBeGreaterThan(4);
    expect(plain.metrics.runLevel).toBeLessThan(2);
    const loaded = loadModel(JSON.parse(JSON.stringify(serializeModel(bursty))) as unknown, 'm.json');
    expect(loaded.metrics.runLevel).toBe(bursty.metrics.runLevel);
  });
});
