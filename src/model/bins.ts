import { MS_PER_DAY, MS_PER_HOUR, dayOfWeek, fourierInto, isWeekendDay, positiveMod } from './fourier';

/**
 * Time-of-week phase bins. Every point falls in exactly one bin, and all seasonal features are functions of
 * the bin, so the seasonal normal equations are built from per-bin weighted sums (O(bins·p²)) instead of
 * per-point design rows (O(n·p²)).
 */
export interface PhaseBins {
  /** Bin width, ms. Equals the sampling step when the grid is aligned, else 60 s. */
  readonly binMs: number;
  /** Offset of the grid inside the bin, ms (0 when approximate). */
  readonly offsetMs: number;
  /** True when every point sits exactly on a bin's representative time (features are then exact). */
  readonly exact: boolean;
  readonly binsPerDay: number;
  readonly binsPerWeek: number;
  /** Time-of-day bin of each time-of-week bin. */
  readonly todOf: Int32Array;
  /** 1 when the time-of-week bin lies on a Saturday or Sunday (UTC). */
  readonly weekendOf: Uint8Array;
  /** Hour of day (0–23) of each time-of-week bin, for the scale profile. */
  readonly hourOf: Uint8Array;
  /** Representative time of day of each time-of-day bin, as a phase in [0, 1). */
  readonly dayPhaseOf: Float64Array;
  /** Representative time of week of each time-of-week bin, as a phase in [0, 1). */
  readonly weekPhaseOf: Float64Array;
}

/** Finer bins than this per day are merged into 60-s bins: the Gram cost grows with the bin count. */
const MAX_BINS_PER_DAY = 1440;
const APPROX_BIN_MS = 60_000;

/** Picks exact step-wide bins when the (usable) timestamps lie on a day-aligned grid, else 60-s bins. */
export function choosePhaseBins(timestampsMs: Float64Array, n: number, stepMs: number): PhaseBins {
  let binMs = APPROX_BIN_MS;
  let offsetMs = 0;
  let exact = false;
  if (
    n > 0 &&
    Number.isInteger(stepMs) &&
    stepMs > 0 &&
    MS_PER_DAY % stepMs === 0 &&
    MS_PER_DAY / stepMs <= MAX_BINS_PER_DAY
  ) {
    const offset = positiveMod(timestampsMs[0], stepMs);
    // Division, not %, per point: fmod on epoch-sized doubles is slow, and a non-multiple of the step
    // gives a visibly fractional quotient at these magnitudes.
    const t0 = timestampsMs[0];
    let aligned = Number.isInteger(offset);
    for (let i = 0; i < n && aligned; i++) {
      const q = (timestampsMs[i] - t0) / stepMs;
      aligned = q === Math.floor(q);
    }
    if (aligned) {
      binMs = stepMs;
      offsetMs = offset;
      exact = true;
    }
  }
  const key = `${binMs}/${offsetMs}/${exact}`;
  const hit = LAYOUT_CACHE.get(key);
  if (hit !== undefined) return hit;
  const layout = buildLayout(binMs, offsetMs, exact);
  if (LAYOUT_CACHE.size >= TABLE_CACHE_SIZE) {
    const oldest = LAYOUT_CACHE.keys().next();
    if (oldest.done !== true) LAYOUT_CACHE.delete(oldest.value);
  }
  LAYOUT_CACHE.set(key, layout);
  return layout;
}

const LAYOUT_CACHE = new Map<string, PhaseBins>();

function buildLayout(binMs: number, offsetMs: number, exact: boolean): PhaseBins {
  const binsPerDay = Math.round(MS_PER_DAY / binMs);
  const binsPerWeek = 7 * binsPerDay;
  const todOf = new Int32Array(binsPerWeek);
  const weekendOf = new Uint8Array(binsPerWeek);
  const hourOf = new Uint8Array(binsPerWeek);
  const dayPhaseOf = new Float64Array(binsPerDay);
  const weekPhaseOf = new Float64Array(binsPerWeek);
  for (let b = 0; b < binsPerDay; b++) {
    dayPhaseOf[b] = (exact ? offsetMs + b * binMs : (b + 0.5) * binMs) / MS_PER_DAY;
  }
  for (let d = 0; d < 7; d++) {
    for (let b = 0; b < binsPerDay; b++) {
      const tb = d * binsPerDay + b;
      todOf[tb] = b;
      weekendOf[tb] = isWeekendDay(d) ? 1 : 0;
      hourOf[tb] = Math.min(23, Math.floor((dayPhaseOf[b] * MS_PER_DAY) / MS_PER_HOUR));
      weekPhaseOf[tb] = (d + dayPhaseOf[b]) / 7;
    }
  }
  return {
    binMs,
    offsetMs,
    exact,
    binsPerDay,
    binsPerWeek,
    todOf,
    weekendOf,
    hourOf,
    dayPhaseOf,
    weekPhaseOf,
  };
}

/** The time-of-week bin of a timestamp. */
export function towBinOf(bins: PhaseBins, timestampMs: number): number {
  const todMs = positiveMod(timestampMs, MS_PER_DAY);
  const b = bins.exact ? Math.round((todMs - bins.offsetMs) / bins.binMs) : Math.floor(todMs / bins.binMs);
  return dayOfWeek(timestampMs) * bins.binsPerDay + Math.min(bins.binsPerDay - 1, Math.max(0, b));
}

/**
 * Time-of-week bins of the first n (ascending) timestamps. On an exact grid the bin advances by one per
 * step, so only the first point needs calendar arithmetic.
 */
export function towBinsInto(bins: PhaseBins, timestampsMs: Float64Array, n: number, out: Int32Array): void {
  if (n === 0) return;
  if (!bins.exact) {
    for (let i = 0; i < n; i++) out[i] = towBinOf(bins, timestampsMs[i]);
    return;
  }
  const t0 = timestampsMs[0];
  const first = towBinOf(bins, t0);
  const bw = bins.binsPerWeek;
  for (let i = 0; i < n; i++) {
    const steps = Math.round((timestampsMs[i] - t0) / bins.binMs);
    out[i] = (first + (steps % bw)) % bw;
  }
}

/** Fourier features evaluated once per bin: row-major tables, `p` columns each. */
export interface FeatureTables {
  readonly dailyOrder: number;
  readonly weeklyOrder: number;
  readonly weekendOrder: number;
  /** binsPerDay × 2·dailyOrder. */
  readonly daily: Float64Array;
  /** binsPerWeek × 2·weeklyOrder. */
  readonly weekly: Float64Array;
  /** binsPerDay × 2·weekendOrder. */
  readonly weekend: Float64Array;
  /** cos/sin(2π·m·φ) per time-of-day bin, m = 0 … dayHarmonics − 1 (row stride dayHarmonics). */
  readonly dayHarmonics: number;
  readonly dayCos: Float64Array;
  readonly daySin: Float64Array;
  /** cos/sin(2π·m·φ) per time-of-week bin, m = 0 … weekHarmonics − 1. */
  readonly weekHarmonics: number;
  readonly weekCos: Float64Array;
  readonly weekSin: Float64Array;
}

/**
 * Feature tables depend only on the bin layout and the orders, which almost every series in a deployment
 * shares, so a few are memoised (a pure cache: same key, same tables).
 */
const TABLE_CACHE = new Map<string, FeatureTables>();
const TABLE_CACHE_SIZE = 8;

export function featureTablesFor(
  bins: PhaseBins,
  dailyOrder: number,
  weeklyOrder: number,
  weekendOrder: number,
): FeatureTables {
  const key = `${bins.binMs}/${bins.offsetMs}/${bins.exact}/${dailyOrder}/${weeklyOrder}/${weekendOrder}`;
  const hit = TABLE_CACHE.get(key);
  if (hit !== undefined) return hit;
  const tables = buildFeatureTables(bins, dailyOrder, weeklyOrder, weekendOrder);
  if (TABLE_CACHE.size >= TABLE_CACHE_SIZE) {
    const oldest = TABLE_CACHE.keys().next();
    if (oldest.done !== true) TABLE_CACHE.delete(oldest.value);
  }
  TABLE_CACHE.set(key, tables);
  return tables;
}

export function buildFeatureTables(
  bins: PhaseBins,
  dailyOrder: number,
  weeklyOrder: number,
  weekendOrder: number,
): FeatureTables {
  const daily = new Float64Array(bins.binsPerDay * 2 * dailyOrder);
  const weekend = new Float64Array(bins.binsPerDay * 2 * weekendOrder);
  const weekly = new Float64Array(bins.binsPerWeek * 2 * weeklyOrder);
  for (let b = 0; b < bins.binsPerDay; b++) {
    fourierInto(bins.dayPhaseOf[b], dailyOrder, daily, b * 2 * dailyOrder);
    fourierInto(bins.dayPhaseOf[b], weekendOrder, weekend, b * 2 * weekendOrder);
  }
  for (let tb = 0; tb < bins.binsPerWeek; tb++) {
    fourierInto(bins.weekPhaseOf[tb], weeklyOrder, weekly, tb * 2 * weeklyOrder);
  }
  // Products of two harmonics of orders k, l are harmonics k ± l: these tables give every Gram entry.
  const dayHarmonics = Math.max(2 * dailyOrder, dailyOrder + weekendOrder) + 1;
  const weekHarmonics = 2 * weeklyOrder + 1;
  const dayCos = new Float64Array(bins.binsPerDay * dayHarmonics);
  const daySin = new Float64Array(bins.binsPerDay * dayHarmonics);
  const weekCos = new Float64Array(bins.binsPerWeek * weekHarmonics);
  const weekSin = new Float64Array(bins.binsPerWeek * weekHarmonics);
  harmonicTable(bins.dayPhaseOf, dayHarmonics, dayCos, daySin);
  harmonicTable(bins.weekPhaseOf, weekHarmonics, weekCos, weekSin);
  return {
    dailyOrder,
    weeklyOrder,
    weekendOrder,
    daily,
    weekly,
    weekend,
    dayHarmonics,
    dayCos,
    daySin,
    weekHarmonics,
    weekCos,
    weekSin,
  };
}

function harmonicTable(phases: Float64Array, harmonics: number, cos: Float64Array, sin: Float64Array): void {
  for (let b = 0; b < phases.length; b++) {
    const angle = 2 * Math.PI * phases[b];
    for (let m = 0; m < harmonics; m++) {
      cos[b * harmonics + m] = Math.cos(m * angle);
      sin[b * harmonics + m] = Math.sin(m * angle);
    }
  }
}
