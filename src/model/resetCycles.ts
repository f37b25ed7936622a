/**
 * The within-cycle ramps of a series that resets routinely — a heap that grows between GCs and drops back at
 * each — so that the seasonal fit does not mistake them for its daily shape. Pure.
 *
 * A heap's cycle (6-30 hours on the simulated memory metric) is no divisor of a day, and a GC every ~22 hours
 * drifts slowly through the day: over a two-week history its ramps fall on some times of day more often than
 * on others, and the daily and weekly components soak them up (measured offline on the 16 tuning hosts: the
 * forecast's 2-hour means missed the noise-free seasonal curve, within cycles, by 0.42 of the value's units;
 * a least-squares fit with a free slope per cycle missed it by 0.23). The detector then judged the heap
 * against a wrong daily shape: a missing daily peak or a slow leak hid in the misfit.
 *
 * So the fit is told where the cycles are and what each one's slope is: the points between two resets are
 * one cycle, the slope of the first fit's residual over a cycle is that cycle's ramp, and the seasonal fit
 * sees the values with each cycle's ramp taken out (about the cycle's mean time, so each cycle keeps its mean
 * and the trend its course). One backfitting round: a second and third changed one or two events either way
 * over 16 tuning and 16 held-out hosts, for another fit each. The model's residuals keep the ramps — they are what the band must cover and what
 * the detector's reset predictor follows live — so only the seasonal shape changes.
 */
import { MS_PER_DAY } from './fourier';
import type { FitPoints } from './robustFit';
import { forEachReset, JUMP_Z, routineResetDirection } from './resets';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { MAD_TO_SIGMA, medianInPlace, robustSample, robustSampleSize } from './stats';

/**
 * A reset is a persistent one-step jump of more than this many robust standard deviations of the series'
 * one-step changes (a GC drop is tens of them; the noise and the daily swing are far smaller, and a spike
 * does not persist — its way back does, and is left out as a jump from an unsteady level).
 */
export const CYCLE_JUMP_SDS = 10;
/** A cycle shorter than this many points keeps its ramp (a slope from a few points is noise)... */
export const CYCLE_MIN_POINTS = 12;
/**
 * ...or shorter than 3 hours: the daily shape's harmonics (the shortest lasts 2.4 hours at the default order)
 * cannot soak up a ramp much shorter than they are, and a series whose "cycles" last an hour or two is
 * rarely a heap (NAB's quantised ec2_cpu_utilization_c6585a: 8 more false alerts with ramps).
 */
export const CYCLE_MIN_DAYS = 3 / 24;

/**
 * Where the cycles of y[0..n) (normalised values at timestamps ts, samples one `stepMs` apart) begin, and the
 * reset direction, when the series resets routinely one way (see `routineResetDirection`) by jumps of more
 * than {@link CYCLE_JUMP_SDS} robust sds of its one-step changes from a steady level, not at fixed times of
 * day; undefined when it does not. Index 0 and every index after a gap longer than 1.5 steps also begin a
 * cycle. O(n); no fit needed, so most series pay only this scan.
 */
export function resetCycleStarts(
  y: Float64Array,
  ts: Float64Array,
  n: number,
  stepMs: number,
  days: number,
): ResetCycles | undefined {
  if (n < 2 * CYCLE_MIN_POINTS || !(days > 0)) return undefined;
  // The differences and their sample are needed only here.
  const mark = scratchMark();
  try {
    const maxGap = 1.5 * stepMs;
    const diffs = scratchFloat64(n - 1);
    let m = 0;
    for (let i = 1; i < n; i++) if (ts[i] - ts[i - 1] <= maxGap) diffs[m++] = Math.abs(y[i] - y[i - 1]);
    if (m < 2 * CYCLE_MIN_POINTS) return undefined;
    const sample = robustSample(diffs, m, undefined, scratchFloat64(robustSampleSize(m)));
    const sd = MAD_TO_SIGMA * medianInPlace(sample, sample.length);
    if (!(sd > 0) || !Number.isFinite(sd)) return undefined;
    // forEachReset's jumps are beyond JUMP_Z in the units it is given: these units put that at CYCLE_JUMP_SDS sds.
    const unit = (CYCLE_JUMP_SDS * sd) / JUMP_Z;
    const z = (i: number): number => y[i] / unit;
    // Only jumps from a steady level: the way back from a spike also jumps and holds (a spike train made
    // "resets" of its returns, and the spikes then sat at the cycles' ends and tilted their ramps).
    const resets: number[] = [];
    let up = 0;
    let down = 0;
    forEachReset(z, ts, n, stepMs, (i, jump) => {
      if (i >= 2 && !(Math.abs(z(i - 1) - z(i - 2)) < 0.5 * Math.abs(jump))) return;
      resets.push(jump > 0 ? i : -i);
      if (jump > 0) up++;
      else down++;
    });
    const direction = routineResetDirection(up / days, down / days);
    if (direction === 0) return undefined;
    const starts: number[] = [0];
    const resetTimes: number[] = [];
    let gapAt = 1;
    for (const signed of resets) {
      const i = Math.abs(signed);
      // Gaps between the previous reset and this one begin cycles too.
      for (; gapAt < i; gapAt++) if (ts[gapAt] - ts[gapAt - 1] > maxGap) starts.push(gapAt);
      if (Math.sign(signed) !== direction) continue;
      resetTimes.push(ts[i]);
      if (i > starts[starts.length - 1]) starts.push(i);
    }
    for (; gapAt < n; gapAt++) if (ts[gapAt] - ts[gapAt - 1] > maxGap) starts.push(gapAt);
    return lockedToDay(resetTimes) ? undefined : { starts: Int32Array.from(starts), direction };
  } finally {
    scratchRelease(mark);
  }
}

/**
 * Whether resets fall at the same times of day (a nightly job's end, a business day's close: once a day, or
 * k times at fixed hours): then the "cycle" is a daily shape the seasonal components fit whole, and a ramp
 * per cycle would take that shape's slope away from them (NAB's art_daily_small_noise, a daily rise and a
 * sharp drop, gained 4 false alerts). Measured by the resultant length of the resets' phases at 1-4 cycles
 * per day (1 for resets at fixed hours, near 0 for a GC cycle that moves through the day).
 */
function lockedToDay(resetTimes: readonly number[]): boolean {
  if (resetTimes.length < 2) return false;
  for (let k = 1; k <= DAY_LOCK_HARMONICS; k++) {
    let c = 0;
    let s = 0;
    for (const t of resetTimes) {
      const angle = (2 * Math.PI * k * (((t % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY)) / MS_PER_DAY;
      c += Math.cos(angle);
      s += Math.sin(angle);
    }
    if (Math.hypot(c, s) / resetTimes.length >= DAY_LOCK_RESULTANT) return true;
  }
  return false;
}

/** Cycles of 24, 12, 8 and 6 hours are checked for being locked to the day. */
const DAY_LOCK_HARMONICS = 4;
/** Resultant length from which resets count as locked to the time of day (uniform phases: ~1/√count). */
const DAY_LOCK_RESULTANT = 0.7;

/**
 * Each cycle's ramp at its points (written into `out`, n entries): the least-squares slope of `residual` over
 * the cycle's times, times the point's time less the cycle's mean time; 0 in cycles shorter than
 * {@link CYCLE_MIN_POINTS} or {@link CYCLE_MIN_DAYS}. Undefined (and `out` unspecified) when the cycles are
 * not a heap's: unless most of the history lies in cycles that long and three in four of those grow gradually
 * (see GRADUAL_SHARE), the "resets" are something else.
 */
export function cycleRamps(
  pts: FitPoints,
  n: number,
  cycles: ResetCycles,
  residual: Float64Array,
  out: Float64Array,
): Float64Array | undefined {
  const t = pts.tDays;
  const { starts, direction } = cycles;
  let longPoints = 0;
  let longCycles = 0;
  let gradual = 0;
  for (let c = 0; c < starts.length; c++) {
    const a = starts[c];
    const b = c + 1 < starts.length ? starts[c + 1] : n;
    if (b - a < CYCLE_MIN_POINTS || t[b - 1] - t[a] < CYCLE_MIN_DAYS) {
      out.fill(0, a, b);
      continue;
    }
    let tMean = 0;
    let rMean = 0;
    for (let i = a; i < b; i++) {
      tMean += t[i];
      rMean += residual[i];
    }
    tMean /= b - a;
    rMean /= b - a;
    let sxy = 0;
    let sxx = 0;
    for (let i = a; i < b; i++) {
      sxy += (t[i] - tMean) * (residual[i] - rMean);
      sxx += (t[i] - tMean) * (t[i] - tMean);
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    for (let i = a; i < b; i++) out[i] = slope * (t[i] - tMean);
    longPoints += b - a;
    longCycles++;
    // Gradual: the cycle's fitted rise (against the reset direction) is more than twice its largest
    // one-step move that way. (Every cycle "climbs": a cycle ends where a drop begins the next.)
    const rise = -direction * slope * (t[b - 1] - t[a]);
    let largestMove = 0;
    for (let i = a + 1; i < b; i++)
      largestMove = Math.max(largestMove, -direction * (residual[i] - residual[i - 1]));
    if (rise > 0 && largestMove < GRADUAL_SHARE * rise) gradual++;
  }
  if (!(longPoints >= LONG_SHARE * n) || !(gradual >= HEAP_SHARE * longCycles)) return undefined;
  return out;
}

/** A heap's history lies mostly in cycles of at least CYCLE_MIN_POINTS points (see cycleRamps)... */
const LONG_SHARE = 0.5;
/** ...and most of those grow gradually: no single step makes more than this share of the cycle's rise. */
const GRADUAL_SHARE = 0.5;
const HEAP_SHARE = 0.75;

/** Where a series' reset cycles begin, and which way it resets. */
export interface ResetCycles {
  /** Index 0, every reset, and every first point after a gap. */
  readonly starts: Int32Array;
  readonly direction: -1 | 1;
}
