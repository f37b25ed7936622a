import { Random } from '../../../src/domain/random';
import { createForecaster } from '../../../src/model';
import { CYCLE_MIN_POINTS, cycleRamps, resetCycleStarts } from '../../../src/model/resetCycles';
import { DAY_MS, HOUR_MS, MINUTE_MS, MONDAY_MS } from './fixtures';

const STEP = 5 * MINUTE_MS;

/**
 * A heap: a daily wave (`dailyAmp`) plus a sawtooth growing by `growth` over each `periodH`-hour GC cycle and
 * dropping back at its end, plus white noise. Returns the values and the timestamps; `seasonal(t)` is the
 * daily wave alone.
 */
function heap(o: {
  days: number;
  periodH: number;
  growth: number;
  dailyAmp: number;
  noise: number;
  seed: number;
}) {
  const n = Math.round((o.days * DAY_MS) / STEP);
  const rng = new Random(o.seed);
  const ts = Float64Array.from({ length: n }, (_, i) => MONDAY_MS + i * STEP);
  const periodMs = o.periodH * HOUR_MS;
  const seasonal = (t: number): number => o.dailyAmp * Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS);
  const saw = (t: number): number => o.growth * (((t - MONDAY_MS + 0.3 * periodMs) % periodMs) / periodMs);
  const values = Float64Array.from(ts, (t) => 50 + seasonal(t) + saw(t) + o.noise * rng.normal());
  return { ts, values, seasonal, saw, n };
}

describe('reset cycles', () => {
  it('finds where each GC cycle of a heap begins, and nothing in a series without routine resets', () => {
    const h = heap({ days: 14, periodH: 22, growth: 6, dailyAmp: 5, noise: 0.05, seed: 1 });
    const starts = resetCycleStarts(h.values, h.ts, h.n, STEP, 14);
    expect(starts).toBeDefined();
    // Every drop of the sawtooth (where saw falls back) begins a cycle, and nothing else does (index 0 aside).
    const drops: number[] = [];
    for (let i = 1; i < h.n; i++) if (h.saw(h.ts[i]) < h.saw(h.ts[i - 1])) drops.push(i);
    expect(Array.from(starts?.starts ?? []).slice(1)).toEqual(drops.filter((i) => i + 3 < h.n));
    expect(starts?.starts[0]).toBe(0);
    expect(starts?.direction).toBe(-1);

    // The daily wave and its noise alone; then spikes both ways (jumps that come back, or go both ways).
    const smooth = heap({ days: 14, periodH: 22, growth: 0, dailyAmp: 5, noise: 0.05, seed: 2 });
    expect(resetCycleStarts(smooth.values, smooth.ts, smooth.n, STEP, 14)).toBeUndefined();
    const spiky = Float64Array.from(smooth.values);
    for (let i = 100; i < smooth.n; i += 150) spiky[i] += i % 300 === 100 ? 8 : -8;
    expect(resetCycleStarts(spiky, smooth.ts, smooth.n, STEP, 14)).toBeUndefined();
    // Two level shifts in two weeks are incidents, not a routine.
    const shifted = Float64Array.from(smooth.values, (v, i) => v - (i > 1000 ? 8 : 0) - (i > 3000 ? 8 : 0));
    expect(resetCycleStarts(shifted, smooth.ts, smooth.n, STEP, 14)).toBeUndefined();
  });

  it('leaves resets at fixed times of day to the daily shape', () => {
    // A 24-hour and a 12-hour "cycle" in phase with the day: a nightly job's end, not a GC moving through it.
    for (const periodH of [24, 12]) {
      const h = heap({ days: 14, periodH, growth: 6, dailyAmp: 5, noise: 0.05, seed: 5 });
      expect(resetCycleStarts(h.values, h.ts, h.n, STEP, 14)).toBeUndefined();
    }
    // A 23-hour cycle moves an hour a day: two weeks spread its resets over half the day, and it is a cycle.
    const drifting = heap({ days: 14, periodH: 23, growth: 6, dailyAmp: 5, noise: 0.05, seed: 5 });
    expect(resetCycleStarts(drifting.values, drifting.ts, drifting.n, STEP, 14)).toBeDefined();
  });

  it('begins a cycle after a gap as well', () => {
    const h = heap({ days: 14, periodH: 22, growth: 6, dailyAmp: 5, noise: 0.05, seed: 3 });
    // Two hours missing half way through a cycle.
    const keep = Array.from({ length: h.n }, (_, i) => i).filter((i) => i < 2000 || i >= 2024);
    const ts = Float64Array.from(keep, (i) => h.ts[i]);
    const values = Float64Array.from(keep, (i) => h.values[i]);
    const starts = Array.from(resetCycleStarts(values, ts, keep.length, STEP, 14)?.starts ?? []);
    // The drops, at their new indices, and the first point after the gap.
    const drops: number[] = [];
    for (let i = 1; i < keep.length; i++)
      if (h.saw(ts[i]) < h.saw(ts[i - 1]) && i !== 2000 && i + 3 < keep.length) drops.push(i);
    expect(starts).toEqual([0, ...drops, 2000].sort((a, b) => a - b));
  });

  it("takes each cycle's least-squares slope out about its mean time, and leaves short cycles alone", () => {
    const n = 60;
    // 15-minute steps: a 20-point cycle lasts 5 hours (cycles under 3 hours keep their ramps).
    const tDays = Float64Array.from({ length: n }, (_, i) => i / 96);
    const pts = { tDays, y: new Float64Array(n), tow: new Int32Array(n) };
    const starts = Int32Array.of(0, 20, 20 + CYCLE_MIN_POINTS - 1, 40);
    // Residuals: slope 3 per day in the first cycle, 1 in the last (both growing gradually between downward
    // resets), anything in the short one.
    const r = Float64Array.from(tDays, (t, i) => (i < 20 ? 7 + 3 * t : i >= 40 ? t + 2 : (i * 37) % 5));
    const ramp = cycleRamps(pts, n, { starts, direction: -1 }, r, new Float64Array(n));
    if (ramp === undefined) throw new Error('expected ramps');
    const mean = (a: number, b: number): number => tDays.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
    for (let i = 0; i < 20; i++) expect(ramp[i]).toBeCloseTo(3 * (tDays[i] - mean(0, 20)), 12);
    for (let i = 20; i < 40; i++) expect(ramp[i]).toBe(0);
    for (let i = 40; i < n; i++) expect(ramp[i]).toBeCloseTo(tDays[i] - mean(40, n), 12);

    // Not a heap: the long cycles fall between downward resets, or rise by a jump rather than gradually, or
    // most points lie in short cycles.
    const falling = Float64Array.from(tDays, (t, i) => (i < 20 ? -3 * t : i >= 40 ? -1 * t : 0));
    expect(cycleRamps(pts, n, { starts, direction: -1 }, falling, new Float64Array(n))).toBeUndefined();
    const jumping = Float64Array.from(tDays, (_, i) => (i % 20 >= 10 ? 1 : 0));
    expect(cycleRamps(pts, n, { starts, direction: -1 }, jumping, new Float64Array(n))).toBeUndefined();
    const short = Int32Array.from({ length: 10 }, (_, c) => c * 6);
    expect(cycleRamps(pts, n, { starts: short, direction: -1 }, r, new Float64Array(n))).toBeUndefined();
  });

  it("fits a heap's daily shape, not its GC ramps, when the cycle drifts slowly through the day", () => {
    // A 22-hour GC cycle moves two hours a day: over two weeks its ramps favour some hours over others, and
    // a seasonal fit of the raw values put part of them into the daily shape.
    const h = heap({ days: 17, periodH: 22, growth: 6, dailyAmp: 3, noise: 0.05, seed: 4 });
    const train = Math.round((14 * DAY_MS) / STEP);
    const model = createForecaster().fit({
      timestampsMs: h.ts.subarray(0, train),
      values: h.values.subarray(0, train),
      stepMs: STEP,
    });
    // The next three days: the forecast's daily shape (about its mean) against the true daily wave.
    const future = h.ts.subarray(train);
    const yhat = model.predict(future).yhat;
    let mean = 0;
    for (let i = 0; i < future.length; i++) mean += (yhat[i] - h.seasonal(future[i])) / future.length;
    let ss = 0;
    for (let i = 0; i < future.length; i++) ss += (yhat[i] - h.seasonal(future[i]) - mean) ** 2;
    const rmsShapeError = Math.sqrt(ss / future.length);
    // Measured: 0.14 with the ramps taken out, 0.29 without (a tenth of the daily amplitude).
    expect(rmsShapeError).toBeLessThan(0.2);
  });
});
