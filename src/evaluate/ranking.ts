import type { Curve, ThresholdRow } from './types';
import { f1FromCounts, vacuousRatio } from './pointMetrics';

/** Default score thresholds of the sweep: 0.5 to 5 in steps of 0.25 (score is in half-band units). */
export const DEFAULT_SWEEP_THRESHOLDS: readonly number[] = Array.from(
  { length: 19 },
  (_, k) => 0.5 + 0.25 * k,
);

/** Default maximum number of points kept in a plotted ROC or PR curve. */
export const DEFAULT_MAX_CURVE_POINTS = 200;

/** Scores split by class, each sorted ascending; points with a non-finite score are left out. */
interface SplitScores {
  readonly positives: Float64Array;
  readonly negatives: Float64Array;
}

function splitScores(score: Float64Array, label: Uint8Array, include?: Uint8Array): SplitScores {
  if (label.length !== score.length) {
    throw new Error(`label length ${label.length} differs from score length ${score.length}`);
  }
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < score.length; i++) {
    if ((include && include[i] !== 1) || !Number.isFinite(score[i])) continue;
    if (label[i] === 1) nPos++;
    else nNeg++;
  }
  const positives = new Float64Array(nPos);
  const negatives = new Float64Array(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < score.length; i++) {
    if ((include && include[i] !== 1) || !Number.isFinite(score[i])) continue;
    if (label[i] === 1) positives[p++] = score[i];
    else negatives[q++] = score[i];
  }
  positives.sort();
  negatives.sort();
  return { positives, negatives };
}

/**
 * Distinct score levels from the highest down, with how many positives / negatives sit at each level.
 * Grouping ties into one step is what makes both AUCs independent of the order of tied points.
 */
interface Levels {
  readonly score: Float64Array;
  readonly pos: Float64Array;
  readonly neg: Float64Array;
  readonly length: number;
}

function descendingLevels({ positives, negatives }: SplitScores): Levels {
  const cap = positives.length + negatives.length;
  const score = new Float64Array(cap);
  const pos = new Float64Array(cap);
  const neg = new Float64Array(cap);
  let i = positives.length - 1;
  let j = negatives.length - 1;
  let k = 0;
  while (i >= 0 || j >= 0) {
    const s = Math.max(i >= 0 ? positives[i] : -Infinity, j >= 0 ? negatives[j] : -Infinity);
    let cp = 0;
    let cn = 0;
    while (i >= 0 && positives[i] === s) {
      cp++;
      i--;
    }
    while (j >= 0 && negatives[j] === s) {
      cn++;
      j--;
    }
    score[k] = s;
    pos[k] = cp;
    neg[k] = cn;
    k++;
  }
  return { score, pos, neg, length: k };
}

/*
 * Every function below leaves out points whose score is not finite (no forecast, so no score): they are
 * neither ranked nor counted as positives or negatives.
 */

/**
 * ROC AUC by the Mann–Whitney U statistic with average ranks for ties: the probability that a random
 * anomalous point scores above a random normal one, ties counting one half. null when either class is
 * absent (among points with a finite score).
 */
export function rocAuc(score: Float64Array, label: Uint8Array, include?: Uint8Array): number | null {
  const split = splitScores(score, label, include);
  const nP = split.positives.length;
  const nN = split.negatives.length;
  if (nP === 0 || nN === 0) return null;
  // Walking the levels from the top: each positive beats every negative below its level and ties half of
  // those at its level. Identical to the rank-sum formula with average ranks, without materialising ranks.
  const lv = descendingLevels(split);
  let negBelow = nN;
  let u = 0;
  for (let k = 0; k < lv.length; k++) {
    negBelow -= lv.neg[k];
    u += lv.pos[k] * (negBelow + 0.5 * lv.neg[k]);
  }
  return u / (nP * nN);
}

/**
 * PR AUC as average precision: Σ_k (R_k − R_{k−1}) · P_k over the distinct score levels from the highest
 * down (step-wise, no interpolation; tied points enter together). null when either class is absent.
 */
export function prAuc(score: Float64Array, label: Uint8Array, include?: Uint8Array): number | null {
  const split = splitScores(score, label, include);
  const nP = split.positives.length;
  if (nP === 0 || split.negatives.length === 0) return null;
  const lv = descendingLevels(split);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let k = 0; k < lv.length; k++) {
    tp += lv.pos[k];
    fp += lv.neg[k];
    ap += (lv.pos[k] / nP) * (tp / (tp + fp));
  }
  return ap;
}

/** Keeps at most maxPoints points of a curve, evenly spaced by index, always keeping both ends. */
export function downsampleCurve(x: readonly number[], y: readonly number[], maxPoints: number): Curve {
  const n = x.length;
  if (n <= maxPoints || maxPoints < 2) return { x: [...x], y: [...y] };
  const xs: number[] = [];
  const ys: number[] = [];
  let last = -1;
  for (let k = 0; k < maxPoints; k++) {
    const idx = Math.round((k * (n - 1)) / (maxPoints - 1));
    if (idx === last) continue;
    xs.push(x[idx]);
    ys.push(y[idx]);
    last = idx;
  }
  return { x: xs, y: ys };
}

/**
 * ROC curve (x = false-positive rate, y = true-positive rate), one point per distinct score level from
 * (0, 0) to (1, 1), downsampled to at most maxPoints. Empty when either class is absent.
 */
export function rocCurve(
  score: Float64Array,
  label: Uint8Array,
  maxPoints = DEFAULT_MAX_CURVE_POINTS,
  include?: Uint8Array,
): Curve {
  const split = splitScores(score, label, include);
  const nP = split.positives.length;
  const nN = split.negatives.length;
  if (nP === 0 || nN === 0) return { x: [], y: [] };
  const lv = descendingLevels(split);
  const x = [0];
  const y = [0];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < lv.length; k++) {
    tp += lv.pos[k];
    fp += lv.neg[k];
    x.push(fp / nN);
    y.push(tp / nP);
  }
  return downsampleCurve(x, y, maxPoints);
}

/**
 * Precision–recall curve (x = recall, y = precision), one point per distinct score level from the highest
 * down, starting at (0, 1), downsampled to at most maxPoints. Empty when either class is absent.
 */
export function prCurve(
  score: Float64Array,
  label: Uint8Array,
  maxPoints = DEFAULT_MAX_CURVE_POINTS,
  include?: Uint8Array,
): Curve {
  const split = splitScores(score, label, include);
  const nP = split.positives.length;
  if (nP === 0 || split.negatives.length === 0) return { x: [], y: [] };
  const lv = descendingLevels(split);
  const x = [0];
  const y = [1];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < lv.length; k++) {
    tp += lv.pos[k];
    fp += lv.neg[k];
    x.push(tp / nP);
    y.push(tp / (tp + fp));
  }
  return downsampleCurve(x, y, maxPoints);
}

/** Number of values in an ascending array that are strictly greater than t. */
function countAbove(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}

/**
 * Point metrics at each threshold of a grid. A point is flagged when its score EXCEEDS the threshold
 * (score > threshold), matching ScoredPoint.isAnomaly. Precision, recall and F1 follow the 0/0 rules of
 * pointMetrics; fpr is 0 when there are no negatives, tpr equals recall.
 */
export function thresholdSweep(
  score: Float64Array,
  label: Uint8Array,
  thresholds: readonly number[] = DEFAULT_SWEEP_THRESHOLDS,
  include?: Uint8Array,
): ThresholdRow[] {
  const { positives, negatives } = splitScores(score, label, include);
  return thresholds.map((threshold) => {
    const tp = countAbove(positives, threshold);
    const fp = countAbove(negatives, threshold);
    const fn = positives.length - tp;
    const recall = vacuousRatio(tp, positives.length);
    return {
      threshold,
      precision: vacuousRatio(tp, tp + fp),
      recall,
      f1: f1FromCounts(tp, fp, fn),
      fpr: negatives.length === 0 ? 0 : fp / negatives.length,
      tpr: recall,
      flagged: tp + fp,
    };
  });
}

/**
 * The row with the highest F1; among equal F1 the highest threshold (fewest alerts). undefined for an
 * empty sweep.
 */
export function bestF1Row(rows: readonly ThresholdRow[]): ThresholdRow | undefined {
  let best: ThresholdRow | undefined;
  for (const row of rows) {
    if (!best || row.f1 > best.f1 || (row.f1 === best.f1 && row.threshold > best.threshold)) best = row;
  }
  return best;
}
