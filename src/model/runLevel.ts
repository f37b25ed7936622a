/**
 * How far outside the forecast a run of points has to be before the N-of-M rule (4 of 5 points outside the
 * band) is news for this series, learnt from the training history.
 *
 * On Gaussian-like residuals 4 of 5 points outside a 95% band is a 1-in-30,000 event. Real metrics have
 * autocorrelated, heavy-tailed residuals that the one-step correction only partly absorbs: a tweet volume,
 * a traffic sensor or a temperature wanders outside its band in clusters several times a day, and on the
 * NAB corpus those clusters opened ~730 false episodes. The training history shows how often such runs
 * happen: the residuals are replayed through the same one-step correction the detector applies, and the
 * level is the size that the N-of-M rule's points reach in fewer than k separate clusters of the history,
 * k = max(RUN_MIN_COUNT, RUN_RATE_PER_DAY × days). The detector then opens an N-of-M episode only when its
 * points also lie beyond that level (a raise, never a cut: the band rule still has to fire). On a series
 * whose runs outside the band are as rare as the band promises, the level lies inside the band and
 * changes nothing.
 *
 * The residuals are in-sample (the robust fit gives anomalies zero weight, so those keep their size, but
 * ordinary residuals are a little smaller than out of sample): the level errs towards today's sensitivity.
 */
import { replayOneStep } from './oneStepReplay';
import { scratchFloat64, scratchInt32, scratchMark, scratchRelease } from './scratch';
import { selectInPlace } from './stats';

/** The N-of-M rule the level is learnt for: the default episode rule (4 of the last 5 points). */
export const RUN_WINDOW = 5;
/**
 * The one-step correction's clip in the run level's replay: 3 one-step deviations, the correction's default,
 * with which the run level was tuned (the detector trusts innovations only up to TRUSTED_CLIP = 2; replaying
 * with 2 is untested here).
 */
const RUN_REPLAY_CLIP = 3;
export const RUN_MIN_POINTS = 4;
// runStatistic reads the window's smallest or second smallest value: it assumes exactly this.
if (RUN_WINDOW - RUN_MIN_POINTS !== 1) throw new Error('runLevel: RUN_WINDOW must be RUN_MIN_POINTS + 1');
/** Runs at least as large as the level may happen at most this often in the history (per day). */
export const RUN_RATE_PER_DAY = 0.1;
/**
 * ...and the level is never below the RUN_MIN_COUNT-th largest cluster: one or two excursions in a short
 * history are what the rule should still catch when they recur.
 */
export const RUN_MIN_COUNT = 3;

const DAY_MS = 86_400_000;

/**
 * The run level of standardised residuals z[0..n) (non-finite = gap) at timestamps ts, in units of the
 * one-step-corrected residual (`(actual − yhat′) / scale′`, what the detector computes per point), or 0
 * when the history is too short to say (fewer than RUN_MIN_COUNT clusters at any level).
 *
 * @param phi lag-1 autocorrelation of the residuals and `oneStepRatio` their one-step spread, as the
 *   detector will use them (`metrics.residualLag1`, `metrics.residualOneStepRatio`)
 */
export function runLevel(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  phi: number,
  oneStepRatio: number,
): number {
  if (n < RUN_WINDOW || !(stepMs > 0)) return 0;
  const mark = scratchMark();
  const run = runStatistic(z, ts, n, stepMs, phi, oneStepRatio);
  const level = excursionLevel(run, ts, n, stepMs, RUN_RATE_PER_DAY, RUN_WINDOW * stepMs);
  scratchRelease(mark);
  return level;
}

/**
 * The level every learnt level shares (run, drift, burst, shift): the height a statistic reaches in fewer
 * than max(RUN_MIN_COUNT, ratePerDay × days of history) separate excursions ({@link kthClusterLevel},
 * points within gapMs of each other being one excursion).
 */
export function excursionLevel(
  statistic: Float64Array,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  ratePerDay: number,
  gapMs: number,
): number {
  const days = (ts[n - 1] - ts[0] + stepMs) / DAY_MS;
  const k = Math.max(RUN_MIN_COUNT, Math.ceil(ratePerDay * days));
  return kthClusterLevel(statistic, ts, n, k, gapMs);
}

/**
 * The level L at which the points with run > L form fewer than k clusters, and do so at every higher
 * level too: lowering a level from the top adds points, which start clusters, join them or merge two (points
 * within gapMs of each other are one cluster: one episode, give or take the merge gap). Points are
 * activated in descending order of their run statistic, the clusters counted with a union-find; L is the
 * value whose activation first brings the count to k. 0 when it never does (too few excursions in the
 * history to call any of them ordinary). O(n log n) at worst, O(n) when the answer lies among the largest few hundred values.
 */
export function kthClusterLevel(
  run: Float64Array,
  ts: ArrayLike<number>,
  n: number,
  k: number,
  gapMs: number,
): number {
  // The answer is almost always among the largest few hundred values, so instead of sorting all n the
  // values are visited in chunks: the `chunk` largest not yet visited (found by selection, O(n)), sorted,
  // activated; the chunk grows fourfold until the count reaches k or the values run out. Every value equal
  // to a chunk's threshold joins that chunk, so ties are never split, and within a chunk the order is the
  // full sort's (descending value, ties by ascending index): the result is the same number.
  const mark = scratchMark();
  try {
    return kthClusterLevelIn(run, ts, n, k, gapMs, scratchFloat64(n), scratchInt32(n, -1));
  } finally {
    scratchRelease(mark);
  }
}

/** {@link kthClusterLevel} with its buffers (any contents; parent filled with -1) given. */
function kthClusterLevelIn(
  run: Float64Array,
  ts: ArrayLike<number>,
  n: number,
  k: number,
  gapMs: number,
  rest: Float64Array,
  parent: Int32Array, // -1 = not active
): number {
  let remaining = 0;
  for (let i = 0; i < n; i++) if (run[i] > 0) rest[remaining++] = run[i];
  const order: number[] = [];
  let count = 0;
  let above = Number.NaN; // values ≥ this were visited (NaN: nothing yet, so no bound)
  let chunk = Math.max(CLUSTER_CHUNK, 4 * k);
  while (remaining > 0) {
    // Threshold of this chunk: its smallest value (all remaining values when they fit in one chunk).
    const from = chunk >= remaining ? 0 : selectInPlace(rest, remaining, remaining - chunk);
    order.length = 0;
    for (let i = 0; i < n; i++) {
      const v = run[i];
      if (v > 0 && v >= from && !(v >= above)) order.push(i);
    }
    // (Infinite values are all in the first chunk: their difference is NaN, ordered by index like ties.)
    order.sort((a, b) => run[b] - run[a] || a - b);
    for (const i of order) {
      parent[i] = i;
      count++;
      // Join the nearest active point on each side within the gap (the points are in time order).
      for (let j = i - 1; j >= 0 && ts[i] - ts[j] <= gapMs; j--) {
        if (parent[j] < 0) continue;
        if (unionRoots(parent, i, j)) count--;
        break;
      }
      for (let j = i + 1; j < n && ts[j] - ts[i] <= gapMs; j++) {
        if (parent[j] < 0) continue;
        if (unionRoots(parent, i, j)) count--;
        break;
      }
      if (count >= k) return run[i];
    }
    if (from <= 0) break;
    above = from;
    let kept = 0;
    for (let j = 0; j < remaining; j++) if (rest[j] < from) rest[kept++] = rest[j];
    remaining = kept;
    chunk *= 4;
  }
  return 0;
}

/** Values visited in the first chunk of {@link kthClusterLevel}. */
const CLUSTER_CHUNK = 256;

/** Root of i's cluster in a union-find forest (path compression). */
function findRoot(parent: Int32Array, i: number): number {
  let r = i;
  while (parent[r] !== r) r = parent[r];
  while (parent[i] !== r) {
    const next = parent[i];
    parent[i] = r;
    i = next;
  }
  return r;
}

/** Joins the clusters of i and j; true when they were two. */
function unionRoots(parent: Int32Array, i: number, j: number): boolean {
  const a = findRoot(parent, i);
  const b = findRoot(parent, j);
  if (a === b) return false;
  parent[a] = b;
  return true;
}

/**
 * Per point, the RUN_MIN_POINTS-th largest |one-step residual| among the points of the last RUN_WINDOW
 * samples (time-bounded exactly as the episode tracker bounds its window), 0 with fewer points.
 */
function runStatistic(
  z: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  stepMs: number,
  phi: number,
  oneStepRatio: number,
): Float64Array {
  // Both arrays come from the arena: the caller (runLevel) holds the mark. (Why the clip: RUN_REPLAY_CLIP.)
  const e = replayOneStep(z, ts, n, stepMs, phi, oneStepRatio, RUN_REPLAY_CLIP, scratchFloat64(n));
  for (let i = 0; i < n; i++) e[i] = Math.abs(e[i]);
  const horizon = (RUN_WINDOW - 0.5) * stepMs;
  const out = scratchFloat64(n);
  // The RUN_MIN_POINTS-th largest of the window's `count` finite values is its (count − RUN_MIN_POINTS)-th
  // smallest, and with a window one point longer than the rule needs that is its smallest (count = 4) or
  // second smallest (count = 5): two running minima, no sort (an insertion sort per point was a tenth of a
  // 1-minute fit's statistics). Only comparisons: the same value as sorting.
  for (let i = 0; i < n; i++) {
    let count = 0;
    let least = Number.POSITIVE_INFINITY;
    let second = Number.POSITIVE_INFINITY;
    for (let j = i; j >= 0 && j > i - RUN_WINDOW && ts[i] - ts[j] <= horizon; j--) {
      const v = e[j];
      if (!Number.isFinite(v)) continue;
      count++;
      if (v < least) {
        second = least;
        least = v;
      } else if (v < second) second = v;
    }
    out[i] = count < RUN_MIN_POINTS ? 0 : count === RUN_MIN_POINTS ? least : second;
  }
  return out;
}
