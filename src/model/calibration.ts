import { dayOfWeek, dayPhase, isWeekendDay } from './fourier';
import {
  MAD_TO_SIGMA,
  ROBUST_SAMPLE_SIZE,
  medianInPlace,
  normalQuantile,
  robustSample,
  robustSampleSize,
  sortedQuantile,
  sortedQuantilesInPlace,
} from './stats';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';

/**
 * Interval calibration: a time-of-day residual scale profile, and the empirical distribution of
 * out-of-sample residuals standardised by it (a quantile table with generalised-Pareto tails).
 */

/** Hours per day: the scale profile has one bin per UTC hour. */
export const PROFILE_BINS = 24;

/**
 * Probabilities at which the standardised residual distribution is tabulated (model file version 1). Dense
 * in the tails because that is where scores and tail probabilities are read.
 */
export const QUANTILE_PROBABILITIES: readonly number[] = (() => {
  const lower = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25,
    0.3, 0.35, 0.4, 0.45,
  ];
  return [...lower, 0.5, ...lower.map((p) => 1 - p).reverse()];
})();

/** Fewer points than this per hour bin fall back to the overall scale (a median of a few is too noisy). */
const MIN_POINTS_PER_HOUR = 8;
/**
 * A day type gets its own hour profile only with at least this many (sampled) points: two full weekend days
 * of 5-minute data, so each hour's median rests on ~24 points.
 */
const MIN_POINTS_PER_DAY_TYPE = 2 * PROFILE_BINS * 12;
/** The weekend gets its own hour profile only when its hours are typically this much noisier than weekdays'. */
const WEEKEND_SPLIT_RATIO = 1.5;
/** Hour bins never go below this fraction of the overall scale: a quiet hour must not make bands vanish. */
const MIN_PROFILE_FRACTION = 0.25;
/** Below this many out-of-sample points the empirical quantiles are replaced by a scaled normal. */
export const MIN_CALIBRATION_POINTS = 30;
/** Shape of the generalised-Pareto tail beyond the table: slightly heavier than exponential, never 0. */
const TAIL_SHAPE = 0.1;
const MIN_TAIL_SCALE = 0.05;
/** Cells of `TailModel`'s lookup grid: about as many as table entries, so a cell holds one or two. */
const TAIL_CELLS = 64;
/** The grid of a table without one. */
const NO_CELLS = new Uint8Array(0);

/**
 * Robust scale of `unit`·residual per UTC hour (point i lies in hour `hourOfBin[binOfPoint[i]]`, 0–23):
 * 1.4826·median|r| per hour, circularly smoothed (1-2-1 twice) and kept at least 25% of the overall scale
 * and at least `floor`. Flat when the history spans fewer than two days, since one day cannot tell a busy
 * hour from a noisy one.
 *
 * With `weekendOfBin` (1 for a weekend bin), enough of both day types and weekend hours typically 1.5 times
 * as noisy as weekday hours, the profile has
 * 2 × {@link PROFILE_BINS} entries: weekday hours, then weekend hours (an hour short of points in one day
 * type takes the pooled hour's scale; a weekend hour never goes below the pooled one). A weekend noisier than
 * the weekdays (a batch-heavy Saturday) otherwise gets the weekdays' band, and no quantile can fix that: one
 * day type is then over-covered and the other under-covered.
 */
export function scaleProfile(
  binOfPoint: Int32Array,
  hourOfBin: Uint8Array,
  residual: Float64Array,
  n: number,
  byHour: boolean,
  floor: number,
  unit = 1,
  weekendOfBin?: Uint8Array,
): Float64Array {
  // Its samples and hour buckets (up to 64 KB each for a 14-day series) come from the scratch arena:
  // allocated afresh at every fit, a daemon's start-up left them as resident holes in the C heap.
  const mark = scratchMark();
  try {
    const profile = new Float64Array(PROFILE_BINS);
    const sample = robustSample(residual, n, 0, scratchFloat64(robustSampleSize(n)));
    const overall = Math.max(unit * MAD_TO_SIGMA * medianInPlace(sample, sample.length), floor);
    if (!Number.isFinite(overall)) return profile.fill(Number.NaN);
    profile.fill(overall);
    if (!byHour) return profile;
    const stride = Math.max(1, Math.ceil(n / (2 * ROBUST_SAMPLE_SIZE)));
    const hourly = (dayType: number, fallback: Float64Array): Float64Array | undefined => {
      // Counting sort by hour (of a systematic sample for long series), then a median per hour.
      const count = new Int32Array(PROFILE_BINS + 1);
      const take = (i: number): boolean => dayType < 0 || weekendOfBin?.[binOfPoint[i]] === dayType;
      for (let i = 0; i < n; i += stride) if (take(i)) count[hourOfBin[binOfPoint[i]] + 1]++;
      for (let h = 0; h < PROFILE_BINS; h++) count[h + 1] += count[h];
      if (dayType >= 0 && count[PROFILE_BINS] < MIN_POINTS_PER_DAY_TYPE) return undefined;
      const fill = count.slice();
      const buf = scratchFloat64(count[PROFILE_BINS]);
      for (let i = 0; i < n; i += stride) {
        if (take(i)) buf[fill[hourOfBin[binOfPoint[i]]]++] = Math.abs(residual[i]);
      }
      const raw = new Float64Array(PROFILE_BINS);
      for (let h = 0; h < PROFILE_BINS; h++) {
        const size = count[h + 1] - count[h];
        raw[h] =
          size >= MIN_POINTS_PER_HOUR
            ? unit * MAD_TO_SIGMA * medianInPlace(buf.subarray(count[h], count[h + 1]), size)
            : fallback[h];
      }
      const tmp = new Float64Array(PROFILE_BINS);
      for (let pass = 0; pass < 2; pass++) {
        for (let h = 0; h < PROFILE_BINS; h++) {
          tmp[h] =
            0.25 * raw[(h + PROFILE_BINS - 1) % PROFILE_BINS] +
            0.5 * raw[h] +
            0.25 * raw[(h + 1) % PROFILE_BINS];
        }
        raw.set(tmp);
      }
      for (let h = 0; h < PROFILE_BINS; h++) raw[h] = Math.max(raw[h], MIN_PROFILE_FRACTION * overall, floor);
      return raw;
    };
    const pooled = hourly(-1, profile) ?? profile;
    if (weekendOfBin === undefined) return pooled;
    const weekday = hourly(0, pooled);
    const weekend = hourly(1, pooled);
    if (weekday === undefined || weekend === undefined) return pooled;
    // Split only for a clearly noisier weekend: otherwise the split buys only estimation noise (a weekend
    // hour's median rests on a few days) and the weekend's in-sample optimism, and the pooled profile is kept.
    const ratios = Float64Array.from(weekend, (w, h) => w / weekday[h]);
    if (!(medianInPlace(ratios, PROFILE_BINS) >= WEEKEND_SPLIT_RATIO)) return pooled;
    const split = new Float64Array(2 * PROFILE_BINS);
    split.set(weekday, 0);
    // The weekend half never goes below the pooled hour: its in-sample residuals come from a weekend shape
    // fitted on a few days, which absorbs part of their noise (a heap's weekend band from them covered 0.79),
    // so a narrower weekend scale is as likely the fit's optimism as a quiet weekend.
    for (let h = 0; h < PROFILE_BINS; h++) split[PROFILE_BINS + h] = Math.max(weekend[h], pooled[h]);
    return split;
  } finally {
    scratchRelease(mark);
  }
}

/** The hour profile that applies on a day of the given type (a pooled profile applies to both). */
export function profileOfDay(profile: Float64Array, weekend: boolean): Float64Array {
  return profile.length === 2 * PROFILE_BINS ? profile.subarray(weekend ? PROFILE_BINS : 0) : profile;
}

/**
 * Scale at a timestamp: linear interpolation between hour-bin centres, wrapping at midnight within the day
 * type's profile.
 */
export function profileAt(profile: Float64Array, timestampMs: number): number {
  return profileAtPhase(profileOfDay(profile, isWeekendDay(dayOfWeek(timestampMs))), dayPhase(timestampMs));
}

/** Scale at a time of day given as a phase in [0, 1). */
export function profileAtPhase(profile: Float64Array, phase: number): number {
  const x = phase * PROFILE_BINS - 0.5;
  const i0 = Math.floor(x);
  const f = x - i0;
  const a = profile[(i0 + PROFILE_BINS) % PROFILE_BINS];
  const b = profile[(i0 + 1) % PROFILE_BINS];
  return a + f * (b - a);
}

/** The calibrated distribution of standardised residuals. */
export interface ResidualDistribution {
  /** Lower band multiplier: the (1 − width)/2 quantile of z. */
  readonly qLow: number;
  /** Upper band multiplier: the (1 + width)/2 quantile of z. */
  readonly qHigh: number;
  /** z at each of {@link QUANTILE_PROBABILITIES}, non-decreasing. */
  readonly quantiles: Float64Array;
  /** Number of standardised residuals the distribution was estimated from. */
  readonly count: number;
  /**
   * z at each of {@link QUANTILE_PROBABILITIES} over the hold-out tail's out-of-sample residuals alone, when
   * the band pools them with the history's in-sample residuals: the distribution the sustained-shift rule
   * reads residuals under (`FittedModel.shiftTailProbability`). Absent in older model files.
   */
  readonly holdoutQuantiles?: Float64Array;
}

/**
 * Calibrates from standardised residuals `z` (NaN entries are skipped; `z` is reordered in place). With at least
 * {@link MIN_CALIBRATION_POINTS} values the table and band multipliers are empirical quantiles; with fewer
 * they come from a normal with the sample's median and robust spread (never narrower than N(0, 1)).
 */
export function calibrateResiduals(z: Float64Array, intervalWidth: number): ResidualDistribution {
  // Compacts and reorders `z` in place: callers hand over a scratch array they no longer need.
  let m = 0;
  for (let i = 0; i < z.length; i++) if (Number.isFinite(z[i])) z[m++] = z[i];
  const pLow = (1 - intervalWidth) / 2;
  const pHigh = (1 + intervalWidth) / 2;
  if (m < MIN_CALIBRATION_POINTS) {
    const sorted = z.subarray(0, m).sort();
    const centre = m > 0 ? sortedQuantile(sorted, 0.5) : 0;
    const dev = new Float64Array(m);
    for (let i = 0; i < m; i++) dev[i] = Math.abs(sorted[i] - centre);
    const spread = Math.max(1, m > 2 ? MAD_TO_SIGMA * medianInPlace(dev, m) : 1);
    return normalDistribution(centre, spread, intervalWidth, m);
  }
  // The table's probabilities and the band's two, by selection rather than a sort (see sortedQuantilesInPlace).
  const all = sortedQuantilesInPlace(z, m, [...QUANTILE_PROBABILITIES, pLow, pHigh]);
  const quantiles = all.slice(0, QUANTILE_PROBABILITIES.length);
  const [qLow, qHigh] = all.subarray(QUANTILE_PROBABILITIES.length);
  return { qLow, qHigh, quantiles, count: m };
}

/** A normal N(centre, spread²) residual distribution (fallback models and tiny calibration sets). */
export function normalDistribution(
  centre: number,
  spread: number,
  intervalWidth: number,
  count: number,
): ResidualDistribution {
  const quantiles = Float64Array.from(QUANTILE_PROBABILITIES, (p) => centre + spread * normalQuantile(p));
  return {
    qLow: centre + spread * normalQuantile((1 - intervalWidth) / 2),
    qHigh: centre + spread * normalQuantile((1 + intervalWidth) / 2),
    quantiles,
    count,
  };
}

/**
 * Tail probabilities under a tabulated distribution. Built once per model (pure function of the table), so
 * a saved and a loaded model answer identically.
 */
export class TailModel {
  private readonly q: Float64Array;
  private readonly p: readonly number[];
  private readonly lowerScale: number;
  private readonly upperScale: number;
  private readonly upperAtZero: number;
  private readonly lowerAtZero: number;
  /**
   * With `lookup`, a guess of the table interval a z falls in, per cell of a uniform grid over
   * [q[0], q[last]] (see `cdfInside`): a binary search over the 41 entries takes six unpredictable branches
   * per call, and a fit asks this twice per history point (40,000 points at 1 minute). Without it, bisection:
   * the grid cost a model ~280 bytes of heap per table (two per model: 5.7 MB at 10,000 series, measured),
   * more than the daemon's scoring of one point per series a cycle gains from it.
   */
  private readonly cellStart: Uint8Array;
  private readonly cellsPerUnit: number;

  /** @param lookup build the lookup grid (for a table read many thousand times, as a fit's statistics do) */
  constructor(quantiles: Float64Array, lookup = false) {
    this.q = quantiles;
    this.p = QUANTILE_PROBABILITIES;
    const last = quantiles.length - 1;
    const range = quantiles[last] - quantiles[0];
    this.cellsPerUnit = lookup && range > 0 && Number.isFinite(range) ? TAIL_CELLS / range : 0;
    // (A table with no spread, or an infinite one, gets no grid and bisects.)
    this.cellStart = this.cellsPerUnit > 0 ? new Uint8Array(TAIL_CELLS) : NO_CELLS;
    for (let c = 0, lo = 0; c < this.cellStart.length; c++) {
      const from = quantiles[0] + c / this.cellsPerUnit;
      while (lo + 1 < last && quantiles[lo + 1] <= from) lo++;
      this.cellStart[c] = lo;
    }
    // GPD scale from the outer table points: for an exponential tail, Δz / Δlog(tail prob).
    this.upperScale = Math.max(
      (quantiles[last] - quantiles[last - 4]) / Math.log((1 - this.p[last - 4]) / (1 - this.p[last])),
      MIN_TAIL_SCALE,
    );
    this.lowerScale = Math.max(
      (quantiles[4] - quantiles[0]) / Math.log(this.p[4] / this.p[0]),
      MIN_TAIL_SCALE,
    );
    this.upperAtZero = this.upperTail(0);
    this.lowerAtZero = this.lowerTail(0);
  }

  /**
   * Two-sided tail probability of a standardised residual z: P(Z ≥ z | Z ≥ 0) for z > 0 and
   * P(Z ≤ z | Z ≤ 0) for z < 0, which is P(|Z| ≥ |z|) for a distribution symmetric about 0 and stays
   * consistent with asymmetric bands. In (0, 1] for finite z, 1 at z = 0, non-increasing in |z|; NaN for NaN.
   */
  probability(z: number): number {
    if (Number.isNaN(z)) return Number.NaN;
    if (z === 0) return 1;
    const p = z > 0 ? this.upperTail(z) / this.upperAtZero : this.lowerTail(z) / this.lowerAtZero;
    if (!(p > 0)) return Number.MIN_VALUE;
    return Math.min(1, p);
  }

  /** P(Z ≥ z), from the table with a GPD tail above the last entry. Never 0 for finite z below ~1e30. */
  private upperTail(z: number): number {
    const q = this.q;
    const last = q.length - 1;
    if (z >= q[last]) return (1 - this.p[last]) * gpdSurvival(z - q[last], this.upperScale);
    if (z <= q[0]) return 1 - this.lowerTail(z);
    return 1 - this.cdfInside(z);
  }

  /** P(Z ≤ z), mirrored. */
  private lowerTail(z: number): number {
    const q = this.q;
    if (z <= q[0]) return this.p[0] * gpdSurvival(q[0] - z, this.lowerScale);
    if (z >= q[q.length - 1]) return 1 - this.upperTail(z);
    return this.cdfInside(z);
  }

  /** Linear interpolation of the CDF for q[0] < z < q[last]. */
  private cdfInside(z: number): number {
    const q = this.q;
    const last = q.length - 1;
    // The largest index with q[lo] <= z (lo < last, as z < q[last]): from the grid's guess, a step or two
    // either way (the guess may be off by one where rounding puts z in a neighbouring cell).
    let lo = 0;
    if (this.cellsPerUnit > 0) {
      const cell = Math.min(TAIL_CELLS - 1, Math.max(0, Math.floor((z - q[0]) * this.cellsPerUnit)));
      lo = this.cellStart[cell];
      while (lo > 0 && q[lo] > z) lo--;
      while (lo + 1 < last && q[lo + 1] <= z) lo++;
    } else {
      let top = last;
      while (top - lo > 1) {
        const mid = (lo + top) >> 1;
        if (q[mid] <= z) lo = mid;
        else top = mid;
      }
    }
    const hi = lo + 1;
    const width = q[hi] - q[lo];
    const f = width > 0 ? (z - q[lo]) / width : 1;
    return this.p[lo] + f * (this.p[hi] - this.p[lo]);
  }
}

function gpdSurvival(excess: number, scale: number): number {
  return Math.pow(1 + (TAIL_SHAPE * excess) / scale, -1 / TAIL_SHAPE);
}
