/**
 * What a series' resets look like in its training history (a heap dropping back at each GC, a cache flush):
 * how often they happen each way and how big they are (`resetRates`, over the jumps `forEachReset` finds),
 * whether they are its routine and which way (`routineResetDirection`, what the detector and the fit's reset
 * cycles go by), and what the series does between them (`resetGrowth`). Pure.
 */
import { DriftDetector } from '../detect/drift';
import { DRIFT_LEVEL_K } from './driftLevel';
import { excursionLevel, RUN_RATE_PER_DAY } from './runLevel';
import { scratchFloat64, scratchMark, scratchRelease } from './scratch';
import { centralInterval, medianInPlace } from './stats';

/**
 * A one-step change of the standardised residual larger than this (in units of the residual's own robust
 * scale: the whole normal spread is about ±2) is a jump.
 */
export const JUMP_Z = 2;
/**
 * Resets per day in one direction from which they are the series' routine (a heap dropping back at GC every
 * 6-30 hours is 0.8-4 a day; two level shifts in a two-week history are 0.14 a day): the detector judges such
 * a series by the reset predictor, and the fit learns the growth between resets for it only from this rate.
 */
export const ROUTINE_RESETS_PER_DAY = 0.5;
/** A jump is a reset when, this many steps later, the residual still holds at least half of it. */
const RESET_HOLD_STEPS = 3;

/**
 * Resets per day of history, upward and downward: jumps of the standardised residual z(i) (one-step changes
 * beyond {@link JUMP_Z}, between samples one step apart) that persist — {@link RESET_HOLD_STEPS} steps
 * later the residual still holds at least half of the jump. A spike jumps and comes back, so it is no reset;
 * a heap dropping back at each GC, a cache flush or a log rotation jumps every few hours, always the same
 * way, and stays there (1-4 a day down and almost none up on the simulated memory metric, while heavy-tailed
 * noise on the simulated cpu and latency metrics resets both ways about equally). A detector learns from
 * these rates which sudden moves are the series' routine, and from the resets' median size (|jump| in z units,
 * 0 with none) how big a routine one is.
 */
export function resetRates(
  z: (i: number) => number,
  ts: Float64Array,
  n: number,
  stepMs: number,
  days: number,
): { up: number; down: number; upSize: number; downSize: number } {
  if (!(days > 0)) return { up: 0, down: 0, upSize: 0, downSize: 0 };
  const ups: number[] = [];
  const downs: number[] = [];
  forEachReset(z, ts, n, stepMs, (_i, jump) => {
    if (jump > 0) ups.push(jump);
    else downs.push(-jump);
  });
  // The median size (0 with none) tells a routine reset (a GC drops the whole cycle's growth) from a
  // smaller dip.
  const median = (a: number[]): number =>
    a.length === 0 ? 0 : medianInPlace(Float64Array.from(a), a.length);
  return { up: ups.length / days, down: downs.length / days, upSize: median(ups), downSize: median(downs) };
}

/**
 * Calls `visit(i, jump)` for every reset of z (see {@link resetRates}): a jump z(i) − z(i − 1) beyond
 * {@link JUMP_Z} between samples one step apart that still holds half its size {@link RESET_HOLD_STEPS} steps
 * later.
 */
export function forEachReset(
  z: (i: number) => number,
  ts: Float64Array,
  n: number,
  stepMs: number,
  visit: (i: number, jump: number) => void,
): void {
  const maxGap = 1.5 * stepMs;
  for (let i = 1; i + RESET_HOLD_STEPS < n; i++) {
    if (ts[i + RESET_HOLD_STEPS] - ts[i - 1] > (RESET_HOLD_STEPS + 1) * maxGap - stepMs) continue;
    const before = z(i - 1);
    const jump = z(i) - before;
    if (!(Math.abs(jump) > JUMP_Z)) continue;
    const held = (z(i + RESET_HOLD_STEPS) - before) / jump;
    if (!(held >= 0.5)) continue;
    visit(i, jump);
  }
}

/**
 * Resets (persistent jumps, see {@link resetRates}) are the series' routine at {@link ROUTINE_RESETS_PER_DAY}
 * or more a day one way and at most this share as many the other way (a series that resets both ways is
 * noisy, not resetting).
 */
const RESET_MAX_OTHER_SHARE = 0.25;

/** The direction in which a series routinely resets, from its training history's jump rates; 0 if none. */
export function routineResetDirection(up: number | undefined, down: number | undefined): -1 | 0 | 1 {
  if (up === undefined || down === undefined || !Number.isFinite(up) || !Number.isFinite(down)) return 0;
  if (down >= ROUTINE_RESETS_PER_DAY && up <= RESET_MAX_OTHER_SHARE * down) return -1;
  if (up >= ROUTINE_RESETS_PER_DAY && down <= RESET_MAX_OTHER_SHARE * up) return 1;
  return 0;
}

/** Fewer one-step pairs than this learn nothing (NaN). */
const MIN_GROWTH_PAIRS = 30;

/**
 * What a series that resets routinely (a heap dropping back at each GC) does between its resets, from the
 * standardised residual z(i) of its training history (samples one step apart, jumps beyond 2 z left out):
 * - `growth`: the median one-step change of z, i.e. how far the residual climbs (or falls) per step between
 *   resets — a heap's allocation rate in model units. A seasonal model cannot know where in its cycle a
 *   heap is, so its residual is the sawtooth itself; an AR(1) correction (φ ≈ 0.98) lags the climb.
 * - `ratio`: the central `width` interval of the errors of the predictor "previous residual + growth",
 *   relative to the same interval of the residual itself (as `residualOneStepRatio` is for AR(1)): the
 *   width of the band around that predictor in units of the model's band.
 * NaN for both with too few pairs or a residual with no spread.
 */
export function resetGrowth(
  z: Float64Array,
  ts: Float64Array,
  n: number,
  stepMs: number,
  width: number,
): { growth: number; ratio: number; leakLevel: number } {
  // Every buffer below comes from the arena, released on every way out.
  const mark = scratchMark();
  try {
    const none = { growth: Number.NaN, ratio: Number.NaN, leakLevel: Number.NaN };
    // The steady changes between resets, NaN where there is none (a gap, a jump): the growth is their median,
    // and the leak level replays them.
    const maxGap = 1.5 * stepMs;
    const steady = scratchFloat64(n, Number.NaN);
    const changes = scratchFloat64(Math.max(0, n - 1));
    let m = 0;
    for (let i = 1; i < n; i++) {
      const d = z[i] - z[i - 1];
      if (!Number.isFinite(d) || ts[i] - ts[i - 1] > maxGap || Math.abs(d) > JUMP_Z) continue;
      steady[i] = d;
      changes[m++] = d;
    }
    if (m < MIN_GROWTH_PAIRS) return none;
    // Quantiles by selection, not by sorting: the same numbers, in a fraction of the time.
    const levels = scratchFloat64(n);
    let f = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(z[i])) levels[f++] = z[i];
    const span = centralInterval(levels, f, width);
    if (!(span > 0)) return none;
    // The errors of "previous + growth" are the changes less the growth: their interval is the changes'.
    const errorSpan = centralInterval(changes, m, width);
    const growth = medianInPlace(changes, m);
    const ratio = errorSpan / span;
    if (!Number.isFinite(ratio) || !Number.isFinite(growth) || !(ratio > 0)) return none;
    return { growth, ratio, leakLevel: leakLevel(steady, ts, n, stepMs, growth, ratio) };
  } finally {
    scratchRelease(mark);
  }
}

/**
 * How high the detector's leak CUSUM (detect/seriesDetector.ts: the predictor's one-step errors
 * (Δz − growth) / ratio, in units of the predictor's band) climbs on the training history, as
 * model/driftLevel.ts learns it for the drift CUSUM: the height its sums reach in fewer than
 * max(3, RUN_RATE_PER_DAY × days) separate excursions (the run level's rate, 0.1 a day: at the drift level's
 * 0.5 the leak rule added 0.09-0.1 false alarms per series-day on the simulated heaps). Jumps (resets) feed
 * nothing, as in the detector, which judges them against the model.
 */
function leakLevel(
  steady: Float64Array,
  ts: Float64Array,
  n: number,
  stepMs: number,
  growth: number,
  ratio: number,
): number {
  const cusum = new DriftDetector({ enabled: true, k: DRIFT_LEVEL_K, h: Number.POSITIVE_INFINITY });
  const sums = scratchFloat64(n);
  sums[0] = 0;
  for (let i = 1; i < n; i++) {
    const d = steady[i];
    if (Number.isFinite(d)) cusum.update((d - growth) / ratio);
    sums[i] = Math.max(cusum.upperStatistic, cusum.lowerStatistic);
  }
  return excursionLevel(sums, ts, n, stepMs, RUN_RATE_PER_DAY, stepMs);
}
