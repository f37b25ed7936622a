import { Random } from '../domain/random';

/** Kinds of anomaly {@link injectAnomalies} can plant. */
export const INJECTION_TYPES = [
  'spike',
  'dip',
  'level_shift',
  'drift',
  'variance_burst',
  'flatline',
] as const;
export type InjectionType = (typeof INJECTION_TYPES)[number];

/** One planted anomaly. Every point in [startIndex, endIndex] was modified and is labelled. */
export interface InjectedEvent {
  readonly type: InjectionType;
  readonly startIndex: number;
  /** Inclusive. */
  readonly endIndex: number;
  /**
   * Size in units of the local noise scale σ (signed: negative = downwards): the offset of a spike, dip or
   * level shift, the final offset of a drift, the noise multiplier of a variance burst (4), and the
   * distance of the stuck value from the local level for a flatline.
   */
  readonly magnitude: number;
}

/** Options of {@link injectAnomalies}. */
export interface InjectOptions {
  /** How many anomalies to plant; fewer are returned when the series has no room left for them. */
  readonly count: number;
  /** Seed of the deterministic generator: the same seed gives the same output. */
  readonly seed: number;
  /** Types to draw from, in rotation (shuffled per round); default: all of INJECTION_TYPES. */
  readonly types?: readonly InjectionType[];
  /** 1 marks points no anomaly may touch (e.g. already-labelled anomalies or a training part). */
  readonly avoid?: Uint8Array;
}

/** The series after injection. */
export interface InjectionResult {
  readonly values: Float64Array;
  /** 1 on every modified point. */
  readonly labels: Uint8Array;
  /** Planted anomalies, by start index. */
  readonly events: readonly InjectedEvent[];
}

/** The series to inject into. */
export interface InjectableSeries {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  readonly stepMs: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Consistency constant turning a MAD into a Gaussian standard deviation. */
const MAD_TO_SIGMA = 1.4826;
/** Placement attempts per anomaly before giving up on it. */
const MAX_ATTEMPTS = 200;

function median(values: Float64Array): number {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  const mid = s.length >>> 1;
  return s.length % 2 === 1 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

function finiteSlice(values: Float64Array, from: number, to: number): Float64Array {
  const lo = Math.max(0, from);
  const hi = Math.min(values.length, to);
  const out: number[] = [];
  for (let i = lo; i < hi; i++) if (Number.isFinite(values[i])) out.push(values[i]);
  return Float64Array.from(out);
}

/**
 * Robust noise scale of a stretch: 1.4826·MAD of the first differences / √2. Differencing removes the
 * local level and most of a daily shape, so a seasonal swing is not mistaken for noise.
 */
function diffSigma(values: Float64Array, from: number, to: number): number {
  const lo = Math.max(1, from);
  const hi = Math.min(values.length, to);
  const diffs: number[] = [];
  for (let i = lo; i < hi; i++) {
    const d = values[i] - values[i - 1];
    if (Number.isFinite(d)) diffs.push(d);
  }
  if (diffs.length === 0) return 0;
  const d = Float64Array.from(diffs);
  const med = median(d);
  for (let k = 0; k < d.length; k++) d[k] = Math.abs(d[k] - med);
  return (MAD_TO_SIGMA * median(d)) / Math.SQRT2;
}

/**
 * Injects seeded synthetic anomalies on top of a series, each sized by the LOCAL level (rolling median) and
 * LOCAL noise scale σ (robust, from differences) around its position, and never clipped:
 *
 * - spike: 1 point, +5..8σ; dip: 1–3 points, −5..8σ;
 * - level_shift: ±4..7σ for 30–180 min;
 * - drift: a linear ramp to ±5..8σ over 2–6 h, then held for 1–3 h;
 * - variance_burst: noise × 4 for 30–90 min (adds √15·σ Gaussian noise, so the total is 4σ);
 * - flatline: stuck at the local level ±0.5..1.5σ for 1–3 h (at least 3 points).
 *
 * Anomalies do not overlap, keep a gap of max(3 points, 1 h) from each other and from `avoid` points, stay
 * off the first and last max(5 points, 2 % of the series), and only cover finite values. Every modified point
 * is labelled. The input is not changed; the same seed gives identical output.
 */
export function injectAnomalies(series: InjectableSeries, options: InjectOptions): InjectionResult {
  const { values: original, stepMs } = series;
  const n = original.length;
  if (!(stepMs > 0)) throw new Error(`stepMs must be positive, got ${stepMs}`);
  const types = options.types && options.types.length > 0 ? options.types : INJECTION_TYPES;
  const rng = new Random(options.seed);
  const values = Float64Array.from(original);
  const labels = new Uint8Array(n);
  // Blocked = touched by an anomaly or its separation gap, by `avoid`, or not finite.
  const blocked = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(original[i]) || (options.avoid && options.avoid[i] === 1)) blocked[i] = 1;
  }
  const gap = Math.max(3, Math.ceil(HOUR_MS / stepMs));
  const margin = Math.max(5, Math.ceil(0.02 * n));
  // ±3 h of context for the local level and noise, and never fewer than 12 points either side.
  const halfContext = Math.max(12, Math.round((3 * HOUR_MS) / stepMs));
  const globalSigma = diffSigma(original, 1, n);
  const pointsFor = (minutes: number): number => Math.max(1, Math.round((minutes * MINUTE_MS) / stepMs));

  // Avoided points also keep the separation gap.
  if (options.avoid) {
    const avoid = options.avoid;
    for (let i = 0; i < n; i++) {
      if (avoid[i] === 1) blocked.fill(1, Math.max(0, i - gap), Math.min(n, i + gap + 1));
    }
  }

  const events: InjectedEvent[] = [];
  let rotation: InjectionType[] = [];
  for (let k = 0; k < options.count; k++) {
    if (rotation.length === 0) rotation = shuffled(types, rng);
    const type = rotation.pop() as InjectionType;
    const plan = planLength(type, rng, pointsFor);
    const lo = margin;
    const hi = n - margin - plan.length; // last allowed start
    if (hi < lo) continue;
    let placed = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !placed; attempt++) {
      const start = rng.int(lo, hi);
      const end = start + plan.length - 1;
      if (!spanFree(blocked, start, end)) continue;
      const context = finiteSlice(original, start - halfContext, end + halfContext + 1);
      const level = median(context);
      let sigma = diffSigma(original, start - halfContext, end + halfContext + 1);
      // A locally flat stretch has zero spread: fall back to the whole series, then to the level itself,
      // so an anomaly is always visible.
      if (!(sigma > 0))
        sigma = globalSigma > 0 ? globalSigma : Math.abs(level) > 0 ? 0.05 * Math.abs(level) : 1;
      const magnitude = apply(type, plan, values, original, start, end, level, sigma, rng);
      labels.fill(1, start, end + 1);
      blocked.fill(1, Math.max(0, start - gap), Math.min(n, end + gap + 1));
      events.push({ type, startIndex: start, endIndex: end, magnitude });
      placed = true;
    }
  }
  events.sort((a, b) => a.startIndex - b.startIndex);
  return { values, labels, events };
}

function shuffled(types: readonly InjectionType[], rng: Random): InjectionType[] {
  const out = [...types];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function spanFree(blocked: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i <= end; i++) if (blocked[i] === 1) return false;
  return true;
}

interface Plan {
  /** Points covered. */
  readonly length: number;
  /** Drift only: points of the ramp (the rest is the hold). */
  readonly ramp: number;
}

function planLength(type: InjectionType, rng: Random, pointsFor: (minutes: number) => number): Plan {
  switch (type) {
    case 'spike':
      return { length: 1, ramp: 0 };
    case 'dip':
      return { length: rng.int(1, 3), ramp: 0 };
    case 'level_shift':
      return { length: pointsFor(rng.uniform(30, 180)), ramp: 0 };
    case 'drift': {
      const ramp = Math.max(3, pointsFor(rng.uniform(120, 360)));
      return { length: ramp + pointsFor(rng.uniform(60, 180)), ramp };
    }
    case 'variance_burst':
      return { length: Math.max(3, pointsFor(rng.uniform(30, 90))), ramp: 0 };
    case 'flatline':
      return { length: Math.max(3, pointsFor(rng.uniform(60, 180))), ramp: 0 };
  }
}

/** Modifies values[start..end] in place and returns the magnitude in σ units. */
function apply(
  type: InjectionType,
  plan: Plan,
  values: Float64Array,
  original: Float64Array,
  start: number,
  end: number,
  level: number,
  sigma: number,
  rng: Random,
): number {
  const sign = (): number => (rng.next() < 0.5 ? -1 : 1);
  switch (type) {
    case 'spike': {
      const k = rng.uniform(5, 8);
      values[start] = original[start] + k * sigma;
      return k;
    }
    case 'dip': {
      const k = -rng.uniform(5, 8);
      for (let i = start; i <= end; i++) values[i] = original[i] + k * sigma;
      return k;
    }
    case 'level_shift': {
      const k = sign() * rng.uniform(4, 7);
      for (let i = start; i <= end; i++) values[i] = original[i] + k * sigma;
      return k;
    }
    case 'drift': {
      const k = sign() * rng.uniform(5, 8);
      // The first ramp point already moves by k/ramp so every labelled point is modified.
      for (let i = start; i <= end; i++) {
        const progress = Math.min(1, (i - start + 1) / plan.ramp);
        values[i] = original[i] + progress * k * sigma;
      }
      return k;
    }
    case 'variance_burst': {
      const extra = Math.sqrt(15) * sigma;
      for (let i = start; i <= end; i++) values[i] = original[i] + extra * rng.normal();
      return 4;
    }
    case 'flatline': {
      // Off the local level by 0.5..1.5σ so the stuck value is not simply where the series would be.
      const k = sign() * rng.uniform(0.5, 1.5);
      const stuck = level + k * sigma;
      for (let i = start; i <= end; i++) values[i] = stuck;
      return k;
    }
  }
}
