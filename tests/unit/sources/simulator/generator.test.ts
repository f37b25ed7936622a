import { UserError } from '../../../../src/domain/errors';
import {
  ANOMALY_TYPES,
  createSeriesGenerator,
  generateSeries,
  METRIC_KINDS,
  type AnomalyType,
  type GeneratedSeries,
  type GenerateSeriesOptions,
  type MetricKind,
} from '../../../../src/sources/simulator';
import { DayShapeCache } from '../../../../src/sources/simulator/profile';

const STEP = 5 * 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday. */
const START = Date.UTC(2024, 0, 1);

function gen(overrides: Partial<GenerateSeriesOptions> = {}): GeneratedSeries {
  return generateSeries({
    kind: 'cpu',
    seed: 1,
    startMs: START,
    stepMs: STEP,
    points: 21 * 288,
    ...overrides,
  });
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function lagCorrelation(xs: readonly number[], lag: number): number {
  const m = mean(xs);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i] - m) ** 2;
    if (i >= lag) num += (xs[i] - m) * (xs[i - lag] - m);
  }
  return num / den;
}

/** Mean value per UTC hour of day over weekdays or weekend days. */
function hourlyMeans(g: GeneratedSeries, weekend: boolean): number[] {
  const sums = new Array<number>(24).fill(0);
  const counts = new Array<number>(24).fill(0);
  g.series.timestampsMs.forEach((t, i) => {
    const d = new Date(t);
    const isWeekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    if (isWeekend !== weekend) return;
    sums[d.getUTCHours()] += g.series.values[i];
    counts[d.getUTCHours()]++;
  });
  return sums.map((s, h) => s / counts[h]);
}

function argmax(xs: readonly number[]): number {
  return xs.indexOf(Math.max(...xs));
}

function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

describe('generateSeries determinism', () => {
  it('gives byte-identical series, labels and events for the same seed', () => {
    const a = gen({ anomalies: 10 });
    const b = gen({ anomalies: 10 });
    expect(Buffer.from(a.series.values.buffer).equals(Buffer.from(b.series.values.buffer))).toBe(true);
    const labelBytes = (g: GeneratedSeries): Buffer => Buffer.from(g.series.labels ?? new Uint8Array());
    expect(labelBytes(a).equals(labelBytes(b))).toBe(true);
    expect(labelBytes(a).some((l) => l === 1)).toBe(true);
    expect(a.events).toEqual(b.events);
    expect(a.noiseSigma).toBe(b.noiseSigma);
  });

  it('gives a different series for a different seed', () => {
    const a = gen({ seed: 1 });
    const b = gen({ seed: 2 });
    expect(Buffer.from(a.series.values.buffer).equals(Buffer.from(b.series.values.buffer))).toBe(false);
  });

  it('puts the points on the grid with the given step', () => {
    const g = gen({ points: 5 });
    expect(Array.from(g.series.timestampsMs)).toEqual([0, 1, 2, 3, 4].map((i) => START + i * STEP));
    expect(g.series.stepMs).toBe(STEP);
  });
});

describe('the simulated signal', () => {
  // Several seeds, so the properties hold for the drawn host parameters and not for one lucky host.
  const seeds = [1, 2, 3, 4, 5];

  it.each(seeds)('has a strong daily cycle: afternoon peak, night trough (seed %i)', (seed) => {
    const g = gen({ seed, points: 28 * 288 });
    const weekday = hourlyMeans(g, false);
    expect(Math.max(...weekday) - Math.min(...weekday)).toBeGreaterThan(10 * g.noiseSigma);
    expect(argmax(weekday)).toBeGreaterThanOrEqual(11);
    expect(argmax(weekday)).toBeLessThanOrEqual(17);
    const trough = weekday.indexOf(Math.min(...weekday));
    expect(trough < 7 || trough > 20).toBe(true);
  });

  it.each(seeds)('has lower weekends that peak later than weekdays (seed %i)', (seed) => {
    const g = gen({ seed, points: 28 * 288 });
    const weekday = hourlyMeans(g, false);
    const weekend = hourlyMeans(g, true);
    expect(Math.max(...weekend)).toBeLessThan(0.8 * Math.max(...weekday));
    expect(argmax(weekend)).toBeGreaterThan(argmax(weekday));
  });

  it('shares the daily shape between the kinds of one seed (a host peaks together)', () => {
    const peaks = METRIC_KINDS.map((kind) => argmax(hourlyMeans(gen({ kind, points: 28 * 288 }), false)));
    expect(Math.max(...peaks) - Math.min(...peaks)).toBeLessThanOrEqual(1);
  });

  it.each(METRIC_KINDS)('%s noise is autocorrelated and grows with load', (kind: MetricKind) => {
    const g = gen({ kind, points: 28 * 288 });
    const residuals = Array.from(g.series.values, (v, i) => v - g.expected[i]);
    expect(lagCorrelation(residuals, 1)).toBeGreaterThan(0.4);
    // Correlation fades: an hour apart the noise is nearly independent.
    expect(Math.abs(lagCorrelation(residuals, 48))).toBeLessThan(0.2);
    const byHour = (lo: number, hi: number): number[] =>
      residuals.filter((_, i) => {
        const d = new Date(g.series.timestampsMs[i]);
        const h = d.getUTCHours();
        return d.getUTCDay() >= 1 && d.getUTCDay() <= 5 && h >= lo && h < hi;
      });
    const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => x * x)));
    expect(sd(byHour(12, 16))).toBeGreaterThan(1.2 * sd(byHour(0, 4)));
  });

  it('keeps cpu and memory inside 0..100 even with anomalies, and latency positive and right-skewed', () => {
    for (const kind of ['cpu', 'memory'] as const) {
      for (const seed of [1, 2, 3]) {
        const g = gen({ kind, seed, anomalies: 14 });
        expect(Math.min(...g.series.values)).toBeGreaterThan(0);
        expect(Math.max(...g.series.values)).toBeLessThan(100);
      }
    }
    const lat = gen({ kind: 'latency', points: 28 * 288 });
    expect(Math.min(...lat.series.values)).toBeGreaterThan(0);
    const ratios = Array.from(lat.series.values, (v, i) => v / lat.expected[i] - 1);
    const m = mean(ratios);
    const skew = mean(ratios.map((r) => (r - m) ** 3)) / mean(ratios.map((r) => (r - m) ** 2)) ** 1.5;
    expect(skew).toBeGreaterThan(0.05);
  });

  it('gives memory slow growth with GC-like drops', () => {
    const g = gen({ kind: 'memory', points: 14 * 288 });
    const v = g.series.values;
    let drops = 0;
    for (let i = 1; i < v.length; i++) if (v[i - 1] - v[i] > 6 * g.noiseSigma) drops++;
    expect(drops).toBeGreaterThanOrEqual(3);
    expect(drops).toBeLessThan(60);
  });

  it('reports a noise floor that matches the residual spread', () => {
    const g = gen({ points: 14 * 288 });
    const residuals = Array.from(g.series.values, (v, i) => v - g.expected[i]);
    const rms = Math.sqrt(mean(residuals.map((r) => r * r)));
    expect(rms / g.noiseSigma).toBeGreaterThan(0.7);
    expect(rms / g.noiseSigma).toBeLessThan(1.3);
  });
});

describe('labelled anomalies', () => {
  it.each(METRIC_KINDS)('%s: every type appears and exactly the changed points are labelled', (kind) => {
    const withAnomalies = gen({ kind, anomalies: 14 });
    // Same seed, no anomalies: the same noise, so any difference is the anomaly's doing.
    const clean = gen({ kind, anomalies: 0 });
    const types = new Set(withAnomalies.events.map((e) => e.type));
    expect([...types].sort()).toEqual([...ANOMALY_TYPES].sort());

    const labels = withAnomalies.series.labels ?? new Uint8Array();
    let labelled = 0;
    const mismatches: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      const changed = withAnomalies.series.values[i] !== clean.series.values[i];
      if (changed !== (labels[i] === 1)) mismatches.push(i);
      labelled += labels[i];
    }
    expect(mismatches).toEqual([]);
    expect(labelled).toBeGreaterThan(100);
    // Every labelled point belongs to an event, and every event is the run of its labelled points.
    let inEvents = 0;
    for (const e of withAnomalies.events) {
      const first = (e.startMs - START) / STEP;
      const last = (e.endMs - START) / STEP;
      for (let i = first; i <= last; i++) inEvents += labels[i];
      expect(labels[first]).toBe(1);
      expect(labels[last]).toBe(1);
    }
    expect(inEvents).toBe(labelled);
  });

  it('keeps the first two days clean and separates anomalies by at least an hour', () => {
    for (const seed of [1, 2, 3]) {
      const g = gen({ seed, anomalies: 14 });
      expect(g.events[0].startMs).toBeGreaterThanOrEqual(START + 2 * DAY);
      for (let k = 1; k < g.events.length; k++) {
        expect(g.events[k].startMs - g.events[k - 1].endMs).toBeGreaterThan(HOUR);
      }
    }
  });

  it('allows anomalies from the start when the quiet start is 0', () => {
    const g = gen({ anomalies: 20, quietStartMs: 0 });
    expect(g.events[0].startMs).toBeLessThan(START + DAY);
  });

  it('makes anomalies stand out from the local noise, most of them clearly', () => {
    const g = gen({ anomalies: 28, points: 42 * 288, seed: 7 });
    const clean = gen({ anomalies: 0, points: 42 * 288, seed: 7 });
    const localSigma = (i: number): number => {
      // The normal noise around the point, from the anomaly-free twin.
      const lo = Math.max(0, i - 12);
      const r = Array.from(clean.series.values.subarray(lo, i + 12), (v, k) => v - clean.expected[lo + k]);
      return Math.sqrt(mean(r.map((x) => x * x)));
    };
    const peaks = g.events
      .filter((e) => e.type === 'spike' || e.type === 'dip' || e.type === 'level_shift')
      .map((e) => {
        let peak = 0;
        for (let t = e.startMs; t <= e.endMs; t += STEP) {
          const i = (t - START) / STEP;
          peak = Math.max(peak, Math.abs(g.series.values[i] - clean.series.values[i]) / localSigma(i));
        }
        return { peak, subtle: e.subtle };
      });
    expect(peaks.length).toBeGreaterThanOrEqual(8);
    for (const p of peaks) expect(p.peak).toBeGreaterThan(1.5);
    expect(peaks.filter((p) => p.peak > 3).length).toBeGreaterThan(peaks.length / 2);
    expect(g.events.filter((e) => e.subtle).length).toBeLessThan(g.events.length / 2);
  });

  it('draws only the requested types', () => {
    const only: AnomalyType[] = ['flatline', 'missing_peak'];
    const g = gen({ anomalies: 6, anomalyTypes: only });
    expect(g.events).toHaveLength(6);
    expect(new Set(g.events.map((e) => e.type))).toEqual(new Set(only));
  });

  it('freezes a flatline at one value and removes the peak of a missing-peak day', () => {
    const g = gen({ anomalies: 4, anomalyTypes: ['flatline', 'missing_peak'] });
    const clean = gen({ anomalies: 0 });
    const at = (t: number): number => (t - START) / STEP;
    for (const e of g.events) {
      const slice = Array.from(g.series.values.subarray(at(e.startMs), at(e.endMs) + 1));
      if (e.type === 'flatline') {
        expect(new Set(slice).size).toBe(1);
      } else {
        const normal = Array.from(clean.series.values.subarray(at(e.startMs), at(e.endMs) + 1));
        expect(Math.max(...normal) - Math.max(...slice)).toBeGreaterThan(5 * g.noiseSigma);
      }
    }
  });

  it('labels nothing when asked for no anomalies', () => {
    for (const g of [gen(), gen({ anomalies: 0 }), gen({ anomalyRatePerDay: 0 })]) {
      expect(g.events).toEqual([]);
      expect((g.series.labels ?? new Uint8Array()).every((l) => l === 0)).toBe(true);
    }
  });

  it('places Poisson anomalies at about the requested rate', () => {
    const g = gen({ anomalyRatePerDay: 1, points: 60 * 288 });
    // 58 days after the quiet start at 1/day, less the 6-hour gaps and the anomalies' own length.
    expect(g.events.length).toBeGreaterThan(25);
    expect(g.events.length).toBeLessThan(70);
    expect(g.events[0].startMs).toBeGreaterThanOrEqual(START + 2 * DAY);
  });

  it('rejects impossible or contradictory requests with one-line messages', () => {
    expect(userErrorOf(() => gen({ anomalies: 500, points: 3 * 288 }))).toBe(
      'cannot place 500 anomalies in 864 points after the 2 days anomaly-free start (at most 24); ask for fewer anomalies or more points',
    );
    expect(userErrorOf(() => gen({ anomalies: 1, anomalyRatePerDay: 1 }))).toBe(
      'give either an anomaly count or an anomaly rate per day, not both',
    );
    expect(userErrorOf(() => gen({ anomalyTypes: [] }))).toBe(
      'the list of anomaly types is empty; name at least one',
    );
    expect(userErrorOf(() => gen({ anomalyTypes: ['meteor' as AnomalyType] }))).toBe(
      'unknown anomaly type "meteor"; use any of spike, dip, level_shift, drift, variance_burst, missing_peak, flatline',
    );
    expect(userErrorOf(() => gen({ stepMs: 0 }))).toBe(
      'the simulation step must be a positive number of milliseconds, got 0',
    );
    expect(userErrorOf(() => gen({ anomalyRatePerDay: -1 }))).toBe(
      'the anomaly rate must be 0 or more per day, got -1',
    );
  });
});

describe('createSeriesGenerator', () => {
  const options = { kind: 'latency' as const, seed: 3, stepMs: STEP, startMs: START, anomalyRatePerDay: 1 };

  it('gives the same points as generateSeries when called at each step', () => {
    const g = generateSeries({ ...options, points: 10 * 288 });
    const stream = createSeriesGenerator(options);
    for (let i = 0; i < 10 * 288; i++) {
      const p = stream.next(START + i * STEP);
      if (p.value !== g.series.values[i] || p.label !== g.series.labels?.[i]) {
        throw new Error(`point ${i} differs: ${p.value}/${p.label} vs ${g.series.values[i]}`);
      }
    }
    expect(g.events.length).toBeGreaterThan(0);
  });

  it('gives bit-identical readings with cached day shapes, through nextValue and skip', () => {
    // The backfill path (cached shapes, value-only readings, fast-forwarding) against plain `next`, at the
    // daemon's 30 s step with anomalies (flatlines read the skipped reading's latent value).
    // Memory and latency take their turn with storage another host's generator has just filled (a
    // simulator's backfill shares one between its series): what that one left must not show.
    const shared = DayShapeCache.forStep(30_000);
    if (shared === undefined) throw new Error('30 s divides a day');
    expect(DayShapeCache.forStep(7_000)).toBeUndefined();
    for (const kind of ['cpu', 'memory', 'latency'] as const) {
      const o = { kind, seed: 11, stepMs: 30_000, startMs: START, anomalyRatePerDay: 4, quietStartMs: 0 };
      const plain = createSeriesGenerator(o);
      const before = createSeriesGenerator({ ...o, seed: 99, cacheDayShapes: shared });
      for (let i = 0; i < 2880; i++) before.nextValue(START + i * 30_000);
      const cached = createSeriesGenerator({ ...o, cacheDayShapes: kind === 'cpu' ? true : shared });
      let differing = 0;
      let anomalous = 0;
      for (let i = 0; i < 4 * 2880; i++) {
        const t = START + i * 30_000;
        const p = plain.next(t);
        anomalous += p.label;
        if (i % 7 === 3) cached.skip(t);
        else if (cached.nextValue(t) !== p.value) differing++;
      }
      expect(differing).toBe(0);
      expect(anomalous).toBeGreaterThan(0);
    }
  });

  it('accepts irregular, late and repeated timestamps after a backfill', () => {
    const stream = createSeriesGenerator(options);
    for (let i = 0; i < 3 * 288; i++) stream.next(START + i * STEP);
    const live = [
      3 * DAY + 7_123,
      3 * DAY + 400_000,
      3 * DAY + 400_000,
      3 * DAY + 350_000,
      3 * DAY + 2 * HOUR,
    ];
    for (const offset of live) {
      const p = stream.next(START + offset);
      expect(Number.isFinite(p.value)).toBe(true);
      expect(p.value).toBeGreaterThan(0);
      expect(p.noiseSigma).toBeGreaterThan(0);
    }
  });

  it('puts the anomalies at the same times whatever the call spacing', () => {
    const everyStep = createSeriesGenerator(options);
    const everyThird = createSeriesGenerator(options);
    const types = (gen: typeof everyStep, stride: number): string[] => {
      const out: string[] = [];
      for (let i = 0; i < 20 * 288; i += stride) {
        const p = gen.next(START + i * STEP);
        if (i % 3 === 0) out.push(p.anomalyType ?? '-');
      }
      return out;
    };
    const a = types(everyStep, 1);
    const b = types(everyThird, 3);
    // Spikes may land between the sparse calls; count the points where an anomaly is active on both.
    const agree = a.filter((t, i) => t === b[i]).length;
    expect(agree / a.length).toBeGreaterThan(0.97);
    expect(a.some((t) => t !== '-')).toBe(true);
  });

  it('sets anomalyType exactly on labelled points', () => {
    const stream = createSeriesGenerator({ ...options, anomalyRatePerDay: 3 });
    let labelled = 0;
    for (let i = 0; i < 10 * 288; i++) {
      const p = stream.next(START + i * STEP);
      expect(p.anomalyType === undefined).toBe(p.label === 0);
      labelled += p.label;
    }
    expect(labelled).toBeGreaterThan(0);
  });
});

describe('long-running simulation', () => {
  it('stays in a plausible range a year after the start', () => {
    for (const kind of METRIC_KINDS) {
      for (const seed of [1, 2, 3, 4]) {
        const stream = createSeriesGenerator({ kind, seed, stepMs: STEP, startMs: START });
        const early = stream.next(START + 14 * HOUR).expected;
        const late = stream.next(START + 364 * DAY + 14 * HOUR).expected;
        if (kind === 'latency') expect(late / early).toBeLessThan(2);
        else expect(Math.abs(late - early)).toBeLessThan(30);
      }
    }
  });
});
