import { Random } from '../../../src/domain/random';
import {
  INJECTION_TYPES,
  injectAnomalies,
  type InjectableSeries,
  type InjectionType,
} from '../../../src/evaluate/inject';

const STEP = 5 * 60_000;
const HOUR_POINTS = 12;

/** n points at 5 min: level + daily sine + Gaussian noise of the given σ (seeded). */
function series(n: number, sigma: (i: number) => number, seed = 1, level = 100): InjectableSeries {
  const rng = new Random(seed);
  const values = Float64Array.from(
    { length: n },
    (_, i) => level + 20 * Math.sin((2 * Math.PI * i) / 288) + sigma(i) * rng.normal(),
  );
  return { timestampsMs: Float64Array.from({ length: n }, (_, i) => i * STEP), values, stepMs: STEP };
}

describe('injectAnomalies', () => {
  const base = series(288 * 14, () => 2);

  it('gives identical output for the same seed and different output for another', () => {
    const a = injectAnomalies(base, { count: 10, seed: 42 });
    const b = injectAnomalies(base, { count: 10, seed: 42 });
    const c = injectAnomalies(base, { count: 10, seed: 43 });
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(b.events).toEqual(a.events);
    expect(c.events).not.toEqual(a.events);
  });

  it('plants the requested count, cycling through every type, without touching the input', () => {
    const before = Float64Array.from(base.values);
    const r = injectAnomalies(base, { count: 12, seed: 5 });
    expect(r.events).toHaveLength(12);
    for (const type of INJECTION_TYPES) expect(r.events.filter((e) => e.type === type)).toHaveLength(2);
    expect(Array.from(base.values)).toEqual(Array.from(before));
  });

  it('labels exactly the modified points, the whole span of every event', () => {
    const r = injectAnomalies(base, { count: 12, seed: 9 });
    const inEvent = new Uint8Array(base.values.length);
    for (const e of r.events) inEvent.fill(1, e.startIndex, e.endIndex + 1);
    for (let i = 0; i < base.values.length; i++) {
      const changed = r.values[i] !== base.values[i] ? 1 : 0;
      if (changed !== r.labels[i] || r.labels[i] !== inEvent[i]) {
        throw new Error(`point ${i}: changed ${changed}, label ${r.labels[i]}, in event ${inEvent[i]}`);
      }
    }
    expect(r.labels.reduce((s, v) => s + v, 0)).toBeGreaterThan(12);
  });

  it('labels every point of a drift, not only its first, and ramps to the full offset before holding', () => {
    const r = injectAnomalies(base, { count: 3, seed: 11, types: ['drift'] });
    expect(r.events).toHaveLength(3);
    for (const e of r.events) {
      const len = e.endIndex - e.startIndex + 1;
      expect(len).toBeGreaterThanOrEqual(3 * HOUR_POINTS); // ≥ 2 h ramp + ≥ 1 h hold
      const offsets = Array.from({ length: len }, (_, k) =>
        Math.abs(r.values[e.startIndex + k] - base.values[e.startIndex + k]),
      );
      for (let k = 1; k < len; k++) expect(offsets[k]).toBeGreaterThanOrEqual(offsets[k - 1] - 1e-9);
      expect(offsets[len - 1]).toBeCloseTo(offsets[len - 2], 9); // holding
      for (let i = e.startIndex; i <= e.endIndex; i++) expect(r.labels[i]).toBe(1);
    }
  });

  it('sizes spikes by the local noise: about 5..8σ where σ = 1 and where σ = 10', () => {
    const n = 288 * 20;
    const twoRegimes = series(n, (i) => (i < n / 2 ? 1 : 10), 3);
    const r = injectAnomalies(twoRegimes, { count: 40, seed: 2, types: ['spike'] });
    expect(r.events.length).toBeGreaterThan(30);
    for (const e of r.events) {
      // Stay clear of the regime boundary, where the local window mixes both scales.
      if (Math.abs(e.startIndex - n / 2) < 40) continue;
      const sigma = e.startIndex < n / 2 ? 1 : 10;
      const jump = (r.values[e.startIndex] - twoRegimes.values[e.startIndex]) / sigma;
      expect(jump).toBeGreaterThan(5 * 0.75);
      expect(jump).toBeLessThan(8 * 1.3);
      expect(e.magnitude).toBeGreaterThanOrEqual(5);
      expect(e.magnitude).toBeLessThan(8);
    }
  });

  it('never clips: spikes on a utilisation series near 1 go above 1', () => {
    const rng = new Random(4);
    const n = 288 * 7;
    const values = Float64Array.from({ length: n }, () => Math.min(1, 0.95 + 0.02 * rng.normal()));
    const util = { timestampsMs: base.timestampsMs.subarray(0, n), values, stepMs: STEP };
    const r = injectAnomalies(util, { count: 5, seed: 1, types: ['spike'] });
    expect(r.events).toHaveLength(5);
    expect(Math.max(...r.values)).toBeGreaterThan(1);
    for (const e of r.events) expect(r.values[e.startIndex] - values[e.startIndex]).toBeGreaterThan(0.05);
  });

  it('still plants a visible spike on a perfectly constant series (σ falls back to 5 % of the level)', () => {
    const constant = {
      timestampsMs: base.timestampsMs,
      values: new Float64Array(base.values.length).fill(0.95),
      stepMs: STEP,
    };
    const r = injectAnomalies(constant, { count: 1, seed: 1, types: ['spike'] });
    const e = r.events[0];
    expect((r.values[e.startIndex] - 0.95) / (0.05 * 0.95)).toBeCloseTo(e.magnitude, 9);
    expect(r.values[e.startIndex]).toBeGreaterThan(1);
  });

  it('keeps events apart by at least an hour, away from avoided points and from both ends', () => {
    const avoid = new Uint8Array(base.values.length);
    avoid.fill(1, 1000, 1100);
    const r = injectAnomalies(base, { count: 30, seed: 8, avoid });
    const margin = Math.ceil(0.02 * base.values.length);
    for (let k = 0; k < r.events.length; k++) {
      const e = r.events[k];
      expect(e.startIndex).toBeGreaterThanOrEqual(margin);
      expect(e.endIndex).toBeLessThan(base.values.length - margin);
      expect(e.endIndex < 1000 - HOUR_POINTS || e.startIndex > 1099 + HOUR_POINTS).toBe(true);
      if (k > 0) expect(e.startIndex - r.events[k - 1].endIndex).toBeGreaterThan(HOUR_POINTS);
    }
  });

  it('gives each type its documented duration', () => {
    const r = injectAnomalies(base, { count: 30, seed: 21 });
    const minutes = (e: { startIndex: number; endIndex: number }): number =>
      (e.endIndex - e.startIndex + 1) * 5;
    // [min, max] minutes per type; drift is a 2-6 h ramp plus a 1-3 h hold. Every type must occur, or its
    // bounds would go unchecked.
    const bounds: Record<InjectionType, readonly [number, number]> = {
      spike: [5, 5],
      dip: [5, 15],
      level_shift: [30, 180],
      drift: [180, 540],
      variance_burst: [30, 90],
      flatline: [60, 180],
    };
    expect(new Set(r.events.map((e) => e.type))).toEqual(new Set(INJECTION_TYPES));
    for (const e of r.events) {
      const m = minutes(e);
      const [lo, hi] = bounds[e.type];
      expect({ type: e.type, inBounds: m >= lo && m <= hi }).toEqual({ type: e.type, inBounds: true });
    }
  });

  it('holds a flatline at one value near the local level', () => {
    const r = injectAnomalies(base, { count: 2, seed: 13, types: ['flatline'] });
    for (const e of r.events) {
      const stuck = r.values[e.startIndex];
      for (let i = e.startIndex; i <= e.endIndex; i++) expect(r.values[i]).toBe(stuck);
      expect(Math.abs(e.magnitude)).toBeGreaterThanOrEqual(0.5);
      expect(Math.abs(e.magnitude)).toBeLessThan(1.5);
    }
  });

  it('returns fewer events, without failing, when the series has no room', () => {
    const tiny = series(40, () => 1);
    const r = injectAnomalies(tiny, { count: 10, seed: 1, types: ['spike'] });
    expect(r.events.length).toBeGreaterThan(0);
    expect(r.events.length).toBeLessThan(10);
  });
});
