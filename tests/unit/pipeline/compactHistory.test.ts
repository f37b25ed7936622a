import { routineResetDirection } from '../../../src/model/resets';
import { createForecaster } from '../../../src/model/forecaster';
import { BUCKET_MS, CompactHistory, RAW_TAIL_MS } from '../../../src/pipeline/compactHistory';
import { createSeriesGenerator } from '../../../src/sources/simulator/generator';

const STEP = 30_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function meanSd(values: ArrayLike<number>): { mean: number; sd: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i] - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / values.length) };
}

/** Snapshot values whose timestamps fall in [fromMs, toMs). */
function between(
  snap: { timestampsMs: Float64Array; values: Float64Array },
  fromMs: number,
  toMs: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < snap.values.length; i++) {
    if (snap.timestampsMs[i] >= fromMs && snap.timestampsMs[i] < toMs) out.push(snap.values[i]);
  }
  return out;
}

describe('CompactHistory', () => {
  it('keeps every bucket count through full, partial and empty buckets, few or many partial ones', () => {
    // Full buckets are a bit each and partial counts a small map until a count per bucket is cheaper:
    // both forms must give back exactly the samples pushed, per bucket.
    for (const partialEvery of [97, 3]) {
      const h = new CompactHistory(STEP, 2 * DAY);
      const perBucket = new Map<number, number>();
      const n = (2 * DAY) / STEP;
      for (let i = 0; i < n; i++) {
        const bucket = Math.floor((i * STEP) / BUCKET_MS);
        // Some buckets miss one or two samples, every 50th bucket is empty (a gap).
        if (bucket % 50 === 49) continue;
        if (bucket % partialEvery === 1 && i % 20 < 1 + (bucket % 2)) continue;
        h.push(T0 + i * STEP, 10 + Math.sin(i / 30) + (i % 5) * 0.1);
        perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
      }
      const snap = h.snapshot(2 * DAY);
      const got = new Map<number, number>();
      for (const t of snap.timestampsMs) {
        const bucket = Math.floor((t - T0) / BUCKET_MS);
        got.set(bucket, (got.get(bucket) ?? 0) + 1);
      }
      const firstKept = Math.floor((snap.timestampsMs[0] - T0) / BUCKET_MS);
      const expected = [...perBucket].filter(([b]) => b > firstKept);
      expect(expected.filter(([, c]) => c > 0 && c < 20).length).toBeGreaterThan(partialEvery === 3 ? 64 : 1);
      for (const [b, c] of expected) expect([b, got.get(b) ?? 0]).toEqual([b, c]);
    }
  });

  it('keeps recent samples raw and folded buckets with their exact count, mean and spread', () => {
    const h = new CompactHistory(STEP, DAY);
    const raw: number[] = [];
    for (let i = 0; i < 240; i++) {
      // A ramp with a wobble: bucket means and spreads differ from bucket to bucket.
      const v = 100 + i * 0.5 + 3 * Math.sin(i * 0.7) + (i % 7);
      raw.push(v);
      h.push(T0 + i * STEP, v);
    }
    const snap = h.snapshot(DAY);
    expect(snap.values.length).toBe(240);
    expect(Array.from(snap.timestampsMs)).toEqual(raw.map((_, i) => T0 + i * STEP));
    // The newest bucket and the raw tail are returned exactly.
    const tailFrom = T0 + 240 * STEP - RAW_TAIL_MS;
    for (let i = 0; i < 240; i++) {
      if (T0 + i * STEP >= tailFrom + BUCKET_MS) expect(snap.values[i]).toBe(raw[i]);
    }
    // The oldest bucket (20 samples) was folded: mean exact, spread within the 2.2% coding step.
    const folded = between(snap, T0, T0 + BUCKET_MS);
    const truth = meanSd(raw.slice(0, 20));
    const got = meanSd(folded);
    expect(folded).toHaveLength(20);
    expect(got.mean).toBeCloseTo(truth.mean, 4);
    expect(Math.abs(got.sd / truth.sd - 1)).toBeLessThan(0.023);
    expect(folded).not.toEqual(raw.slice(0, 20));
  });

  it('keeps bucket means of a spike and of constant stretches (16-bit codes with escapes)', () => {
    const h = new CompactHistory(STEP, DAY);
    const raw: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      // Noise, a 1e6 spike for one bucket, then a constant stretch of many buckets (a frozen exporter).
      const v = i >= 400 && i < 420 ? 1e6 + i : i >= 800 && i < 1_800 ? 42 : 50 + Math.sin(i * 1.3);
      raw.push(v);
      h.push(T0 + i * STEP, v);
    }
    const snap = h.snapshot(DAY);
    for (const b of [0, 20, 40, 60, 90]) {
      const from = T0 + b * BUCKET_MS;
      const got = meanSd(between(snap, from, from + BUCKET_MS));
      const truth = meanSd(raw.slice(b * 20, b * 20 + 20));
      // Coding steps are 1/32 of the day's (or the bucket's own, if larger) spread: ~0.7 here, 5.8 in the spike.
      expect(Math.abs(got.mean - truth.mean)).toBeLessThan(0.02 * Math.max(truth.sd, 1));
    }
    expect(h.bytes).toBeLessThan(12_000);
  });

  it('keeps excluded samples flagged, whole buckets at a time, so a refit can still learn them back', () => {
    const h = new CompactHistory(STEP, DAY);
    // 200 samples at 30 s; samples 40..59 (20 minutes, two whole buckets) lie inside an episode.
    const inEpisode = (i: number): boolean => i >= 40 && i < 60;
    for (let i = 0; i < 200; i++) h.push(T0 + i * STEP, inEpisode(i) ? 1_000 : 10 + (i % 3), inEpisode(i));
    let snap = h.snapshot(DAY);
    // Every sample is there (none was dropped) ...
    expect(snap.values).toHaveLength(200);
    // ... the episode's buckets are flagged whole and keep their level (mean 1,000) ...
    const episodeFrom = T0 + 40 * STEP;
    const episodeTo = T0 + 60 * STEP;
    const episode = between(snap, episodeFrom, episodeTo);
    expect(meanSd(episode).mean).toBeCloseTo(1_000, 6);
    for (let i = 0; i < snap.values.length; i++) {
      const t = snap.timestampsMs[i];
      expect(snap.exclude[i]).toBe(t >= episodeFrom && t < episodeTo ? 1 : 0);
    }
    expect(between(snap, T0, T0 + BUCKET_MS)).toHaveLength(20);
    // An episode that opened 75 minutes back flags the folded buckets it touches and the raw tail.
    const from = T0 + 200 * STEP - 75 * 60_000;
    h.excludeFrom(from);
    snap = h.snapshot(DAY);
    let flagged = 0;
    for (let i = 0; i < snap.values.length; i++) {
      const t = snap.timestampsMs[i];
      if (t >= Math.floor(from / BUCKET_MS) * BUCKET_MS) {
        expect(snap.exclude[i]).toBe(1);
        flagged++;
      }
    }
    expect(flagged).toBeGreaterThanOrEqual(150);
    expect(snap.values).toHaveLength(200);
  });

  it('marks a closed range: whole folded buckets it reaches into, single raw samples in the tail', () => {
    const h = new CompactHistory(STEP, DAY);
    for (let i = 0; i < 200; i++) h.push(T0 + i * STEP, 10 + (i % 3));
    // Samples 45..52 (inside folded bucket 2: samples 40..59) and 195..197 (the raw tail).
    h.excludeRange(T0 + 45 * STEP, T0 + 52 * STEP);
    h.excludeRange(T0 + 195 * STEP, T0 + 197 * STEP);
    const snap = h.snapshot(DAY);
    expect(snap.values).toHaveLength(200);
    for (let i = 0; i < snap.values.length; i++) {
      const k = Math.round((snap.timestampsMs[i] - T0) / STEP);
      const expected = (k >= 40 && k < 60) || (k >= 195 && k <= 197) ? 1 : 0;
      expect([k, snap.exclude[i]]).toEqual([k, expected]);
    }
  });

  it('gives the forecaster the same fit and calibration as the raw 14 days at 30 s, in ~12 KB', () => {
    const forecaster = createForecaster();
    for (const kind of ['cpu', 'latency'] as const) {
      const g = createSeriesGenerator({ kind, seed: 3, stepMs: STEP, startMs: T0, anomalyRatePerDay: 0.5 });
      const n = (14 * DAY) / STEP;
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      const h = new CompactHistory(STEP, 14 * DAY + 2 * STEP);
      for (let i = 0; i < n; i++) {
        ts[i] = T0 + i * STEP;
        vs[i] = g.next(ts[i]).value;
        h.push(ts[i], vs[i]);
      }
      expect(h.bytes).toBeLessThan(12_000);
      const snap = h.snapshot(14 * DAY);
      const exact = forecaster.fit({ timestampsMs: ts, values: vs, stepMs: STEP });
      const compact = forecaster.fit({ ...snap, stepMs: STEP });
      expect(compact.components).toEqual(exact.components);
      const next = Float64Array.from({ length: 2880 }, (_, i) => T0 + (n + i) * STEP);
      const a = exact.predict(next);
      const b = compact.predict(next);
      let dy = 0;
      let wa = 0;
      let wb = 0;
      for (let i = 0; i < next.length; i++) {
        dy += Math.abs(a.yhat[i] - b.yhat[i]);
        wa += a.upper[i] - a.lower[i];
        wb += b.upper[i] - b.lower[i];
      }
      // On the model's scale, the forecast is the same to 0.1% of the band and the band within 3% (4% for
      // latency, fitted on the log scale, where a bucket's spread, kept symmetric in the series' units, comes
      // out slightly skewed: 3.2%).
      expect(compact.valueTransform?.kind).toBe(exact.valueTransform?.kind);
      expect(exact.valueTransform?.kind).toBe(kind === 'latency' ? 'log' : undefined);
      expect(dy / wa).toBeLessThan(0.001);
      expect(Math.abs(wb / wa - 1)).toBeLessThan(kind === 'latency' ? 0.04 : 0.03);
      const m = (x: typeof exact): Record<string, number> => x.metrics as unknown as Record<string, number>;
      expect(Math.abs(m(compact).residualLag1 - m(exact).residualLag1)).toBeLessThan(0.04);
      expect(Math.abs(m(compact).repeatRate - m(exact).repeatRate)).toBeLessThan(
        0.1 * m(exact).repeatRate + 1e-4,
      );
    }
  });

  it("keeps a heap's GC drops as steps where they happened, so the fit still sees its routine resets", () => {
    // A 1-minute heap (the simulator's memory metric: growth, then a drop at each GC, 1-3 a day). Spread as
    // noise over its bucket, a drop became jumps both ways: the fit read 0.2-0.8 upward "resets" a day
    // (none in the raw samples) and no longer judged the heap by its resets.
    const step = 60_000;
    const days = 14;
    const n = (days * DAY) / step;
    const g = createSeriesGenerator({
      kind: 'memory',
      seed: 202,
      stepMs: step,
      startMs: T0,
      anomalyRatePerDay: 0,
    });
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    const h = new CompactHistory(step, days * DAY + 2 * step);
    for (let i = 0; i < n; i++) {
      ts[i] = T0 + i * step;
      vs[i] = g.next(ts[i]).value;
      h.push(ts[i], vs[i]);
    }
    const snap = h.snapshot(days * DAY);
    expect(snap.values).toHaveLength(n);
    // Every raw drop much larger than the usual change (a GC), the snapshot drops at the same minute, by
    // at least half as much; and nowhere does it rise by a quarter of a typical GC's drop (the raw series
    // never rises by a twentieth of it).
    const changes = Array.from({ length: n - 1 }, (_, i) => Math.abs(vs[i + 1] - vs[i])).sort(
      (a, b) => a - b,
    );
    const big = 10 * changes[Math.floor(changes.length / 2)];
    const gcDrops: number[] = [];
    let largestRise = 0;
    for (let i = 1; i < n; i++) {
      const raw = vs[i] - vs[i - 1];
      const got = snap.values[i] - snap.values[i - 1];
      largestRise = Math.max(largestRise, got);
      if (raw < -big) {
        gcDrops.push(-raw);
        expect([i, got < 0.5 * raw]).toEqual([i, true]);
      }
    }
    const drops = gcDrops.length;
    const typicalDrop = gcDrops.sort((a, b) => a - b)[Math.floor(drops / 2)];
    expect(largestRise).toBeLessThan(0.25 * typicalDrop);
    expect(drops).toBeGreaterThanOrEqual(days);
    // The fit on the snapshot sees the resets as the raw fit does: down only, as often.
    const forecaster = createForecaster();
    const exact = forecaster.fit({ timestampsMs: ts, values: vs, stepMs: step }).metrics;
    const compact = forecaster.fit({ ...snap, stepMs: step }).metrics;
    expect(routineResetDirection(exact.resetsUpPerDay, exact.resetsDownPerDay)).toBe(-1);
    expect(routineResetDirection(compact.resetsUpPerDay, compact.resetsDownPerDay)).toBe(-1);
    expect(Math.abs((compact.resetsDownPerDay ?? 0) / (exact.resetsDownPerDay ?? 1) - 1)).toBeLessThan(0.25);
    // The steps cost a map entry each (~16 bytes): the history stays small.
    expect(h.bytes).toBeLessThan(12_000);
  });

  it('keeps a quantised series repeating as often as it did', () => {
    const h = new CompactHistory(STEP, DAY);
    let repeats = 0;
    let previous = Number.NaN;
    for (let i = 0; i < 2_000; i++) {
      const v = Math.round(50 + 4 * Math.sin(i / 40) + ((i * 7919) % 13) / 13);
      if (v === previous) repeats++;
      previous = v;
      h.push(T0 + i * STEP, v);
    }
    const snap = h.snapshot(DAY);
    let synthRepeats = 0;
    for (let i = 1; i < snap.values.length; i++) if (snap.values[i] === snap.values[i - 1]) synthRepeats++;
    // Only repeats across bucket edges are not kept (1 pair in 20).
    expect(synthRepeats).toBeGreaterThan(0.85 * repeats);
    expect(synthRepeats).toBeLessThanOrEqual(repeats);
  });

  it('keeps the repeats of a flatline in a noisy series, in less than a count per bucket, and forgets them', () => {
    // A 3-hour stuck exporter (18 buckets of exact repeats) inside 14 days of noise that never repeats.
    const window = 14 * DAY;
    const n = window / STEP;
    const h = new CompactHistory(STEP, window);
    const stuckFrom = 1_000;
    const stuckTo = stuckFrom + (3 * 3_600_000) / STEP;
    let held = 0;
    for (let i = 0; i < n; i++) {
      const noisy = 50 + Math.sin(i / 30) + ((i * 7919) % 1009) / 997;
      if (i === stuckFrom) held = noisy;
      h.push(T0 + i * STEP, i >= stuckFrom && i < stuckTo ? held : noisy);
    }
    const noRepeats = new CompactHistory(STEP, window);
    for (let i = 0; i < n; i++)
      noRepeats.push(T0 + i * STEP, 50 + Math.sin(i / 30) + ((i * 7919) % 1009) / 997);
    const repeatsIn = (values: Float64Array): number => {
      let r = 0;
      for (let i = 1; i < values.length; i++) if (values[i] === values[i - 1]) r++;
      return r;
    };
    const snap = h.snapshot(window);
    const original = stuckTo - stuckFrom - 1;
    expect(repeatsIn(snap.values)).toBeGreaterThan(0.85 * original);
    expect(repeatsIn(snap.values)).toBeLessThanOrEqual(original);
    expect(repeatsIn(noRepeats.snapshot(window).values)).toBe(0);
    // 18 buckets' repeats in a map: well under a count per bucket (2,016 buckets in 14 days).
    const extra = h.bytes - noRepeats.bytes;
    expect(extra).toBeGreaterThan(0);
    expect(extra).toBeLessThan((window / BUCKET_MS) * 0.25);
    // Once the flatline leaves the window, its repeats go with it.
    for (let i = n; i < 2 * n; i++) {
      const v = 50 + Math.sin(i / 30) + ((i * 7919) % 1009) / 997;
      h.push(T0 + i * STEP, v);
      noRepeats.push(T0 + i * STEP, v);
    }
    expect(repeatsIn(h.snapshot(window).values)).toBe(0);
    expect(h.bytes).toBe(noRepeats.bytes);
  });

  it('is deterministic and forgets what falls out of the window or behind a long gap', () => {
    const build = (): CompactHistory => {
      const h = new CompactHistory(STEP, DAY);
      for (let i = 0; i < 4_000; i++) h.push(T0 + i * STEP, Math.sin(i / 30) + ((i * 31) % 17) / 17);
      return h;
    };
    const a = build().snapshot(DAY);
    // Snapshots share one synthesiser: one of another series in between (a coarser step, a longer window,
    // other samples) must leave no trace in the next.
    const other = new CompactHistory(2 * STEP, 3 * DAY);
    for (let i = 0; i < 6_000; i++) other.push(T0 + i * 2 * STEP, 100 + 40 * Math.cos(i / 50) + (i % 13));
    expect(other.snapshot(3 * DAY).values.length).toBeGreaterThan((4 * 1_440) / 2);
    const b = build().snapshot(DAY);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    // One day at 30 s.
    expect(a.values.length).toBeLessThanOrEqual(2_880);
    expect(a.values.length).toBeGreaterThan(2_860);
    expect(a.timestampsMs[0]).toBeGreaterThan(T0 + 4_000 * STEP - DAY - STEP);
    const h = build();
    h.push(T0 + 10 * DAY, 7);
    const after = h.snapshot(DAY);
    expect(Array.from(after.values)).toEqual([7]);
    expect(h.push(T0 + 10 * DAY - 2 * RAW_TAIL_MS, 1)).toBe(false);
  });
});
