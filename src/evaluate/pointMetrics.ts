import type { PointMetrics } from './types';

/**
 * A ratio whose denominator is zero had nothing to get wrong, so it counts as perfect (1). This is the one
 * 0/0 rule used across evaluate/: precision with nothing flagged is 1, recall with nothing labelled is 1.
 */
export function vacuousRatio(numerator: number, denominator: number): number {
  return denominator === 0 ? 1 : numerator / denominator;
}

/**
 * F1 as 2·TP / (2·TP + FP + FN), which equals the harmonic mean of precision and recall whenever both are
 * defined and needs no special case when TP = 0. When there was nothing to flag and nothing was flagged
 * (TP = FP = FN = 0) it is 1, in line with {@link vacuousRatio}.
 */
export function f1FromCounts(tp: number, fp: number, fn: number): number {
  return vacuousRatio(2 * tp, 2 * tp + fp + fn);
}

/** Harmonic mean of a precision and a recall in [0, 1]; 0 when both are 0. */
export function harmonicF1(precision: number, recall: number): number {
  const sum = precision + recall;
  return sum === 0 ? 0 : (2 * precision * recall) / sum;
}

/**
 * Point-wise confusion counts and precision / recall / F1.
 *
 * @param flagged 1 where the detector flagged the point.
 * @param label 1 where the point is labelled anomalous; absent means "no ground truth", scored as all-normal.
 * @param include optional mask: only points with include[i] = 1 are counted (e.g. the test part).
 *
 * 0/0 cases (see {@link vacuousRatio}): precision is 1 when nothing was flagged, recall is 1 when nothing is
 * labelled, and F1 = 2TP/(2TP+FP+FN) is 1 only when there was nothing to find and nothing was flagged.
 */
export function pointMetrics(flagged: Uint8Array, label?: Uint8Array, include?: Uint8Array): PointMetrics {
  if (label && label.length !== flagged.length) {
    throw new Error(`label length ${label.length} differs from flag length ${flagged.length}`);
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < flagged.length; i++) {
    if (include && include[i] !== 1) continue;
    const f = flagged[i] === 1;
    const l = label !== undefined && label[i] === 1;
    if (f && l) tp++;
    else if (f) fp++;
    else if (l) fn++;
    else tn++;
  }
  return {
    precision: vacuousRatio(tp, tp + fp),
    recall: vacuousRatio(tp, tp + fn),
    f1: f1FromCounts(tp, fp, fn),
    tp,
    fp,
    fn,
    tn,
  };
}
