import { envelopeDownsample, minMaxDownsample } from '../../../src/report/charts/downsample';

function series(n: number, f: (i: number) => number): { xs: Float64Array; ys: Float64Array } {
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = 1_700_000_000_000 + i * 60_000;
    ys[i] = f(i);
  }
  return { xs, ys };
}

describe('minMaxDownsample', () => {
  it('keeps at most two points per bucket however long the input', () => {
    const { xs, ys } = series(100_000, (i) => Math.sin(i / 50));
    const segments = minMaxDownsample(xs, ys, 500);
    const total = segments.reduce((acc, s) => acc + s.length, 0);
    expect(total).toBeLessThanOrEqual(1000);
    expect(total).toBeGreaterThan(500);
  });

  it('keeps a one-point spike and a one-point dip that averaging would erase', () => {
    const { xs, ys } = series(50_000, (i) => (i === 31_337 ? 1000 : i === 7_001 ? -1000 : 0));
    const ysOut = minMaxDownsample(xs, ys, 200)
      .flat()
      .map((p) => p.y);
    expect(ysOut).toContain(1000);
    expect(ysOut).toContain(-1000);
  });

  it('emits points in time order', () => {
    const { xs, ys } = series(10_000, (i) => ((i * 7919) % 101) - 50);
    const out = minMaxDownsample(xs, ys, 100).flat();
    for (let i = 1; i < out.length; i++) expect(out[i]?.x).toBeGreaterThan(out[i - 1]?.x ?? Infinity);
  });

  it('splits into segments at missing data instead of drawing across it', () => {
    const { xs, ys } = series(10, (i) => (i === 4 || i === 5 ? NaN : i));
    const segments = minMaxDownsample(xs, ys, 100);
    expect(segments.map((s) => s.map((p) => p.y))).toEqual([
      [0, 1, 2, 3],
      [6, 7, 8, 9],
    ]);
  });

  it('splits long series at buckets that hold no finite value', () => {
    const { xs, ys } = series(10_000, (i) => (i >= 5_000 && i < 5_500 ? NaN : 1));
    expect(minMaxDownsample(xs, ys, 100)).toHaveLength(2);
  });

  it('returns nothing for an empty or all-NaN series', () => {
    expect(minMaxDownsample(new Float64Array(0), new Float64Array(0), 10)).toEqual([]);
    const { xs, ys } = series(5000, () => NaN);
    expect(minMaxDownsample(xs, ys, 10)).toEqual([]);
  });
});

describe('envelopeDownsample', () => {
  it('keeps the widest band of each bucket and at most one entry per bucket', () => {
    const { xs } = series(10_000, () => 0);
    const lower = Float64Array.from({ length: 10_000 }, (_, i) => (i === 1234 ? -50 : -1));
    const upper = Float64Array.from({ length: 10_000 }, (_, i) => (i === 8765 ? 70 : 1));
    const segments = envelopeDownsample(xs, lower, upper, 250);
    const flat = segments.flat();
    expect(flat.length).toBeLessThanOrEqual(250);
    expect(Math.min(...flat.map((p) => p.lo))).toBe(-50);
    expect(Math.max(...flat.map((p) => p.hi))).toBe(70);
  });

  it('leaves a gap where either edge is missing', () => {
    const { xs } = series(6, () => 0);
    const lower = Float64Array.from([0, 0, NaN, 0, 0, 0]);
    const upper = Float64Array.from([1, 1, 1, 1, NaN, 1]);
    expect(envelopeDownsample(xs, lower, upper, 100).map((s) => s.length)).toEqual([2, 1, 1]);
  });
});
