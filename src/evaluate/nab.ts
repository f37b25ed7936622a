/**
 * The Numenta Anomaly Benchmark scorer (numenta/NAB v1.1, nab/sweeper.py and nab/optimizer.py), re-implemented
 * row for row so published scoreboard numbers can be reproduced:
 *
 * - Probation: the first min(floor(0.15·N), 0.15·5000) rows of a file are not scored at all.
 * - Scaled sigmoid σ(y) = 2/(1 + e^{5y}) − 1, and −1 when y >= 3.
 * - A row inside a window [a, b] (width w = b − a + 1) has sweep score σ(−(b − i + 1)/w) · A_TP / σ(−1);
 *   a window scores its best (= earliest) detected row, or −A_FN when none was detected.
 * - A row outside every window has sweep score σ(|b' − i| / (w' − 1)) · A_FP, where b', w' belong to the last
 *   window that ended before it, or −A_FP when no window has ended yet. Every detected such row counts.
 * - A row is a detection when its anomaly score >= threshold.
 * - One threshold per profile is chosen over the whole corpus, maximising the summed raw score; ties go to
 *   the highest threshold (NAB's stable sort keeps the first of equal scores in descending-threshold order).
 * - Normalised score = 100 · (raw − null) / (perfect − null), null = the score of never detecting, perfect =
 *   A_TP · number of windows.
 */
import type { NabScores } from './types';
import type { TimeRange } from './events';
import { lowerBound, upperBound } from './events';

/** Weights of one NAB application profile (config/profiles.json; tnWeight is unused by NAB). */
export interface NabCostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** NAB's three application profiles, exactly as in config/profiles.json. */
export const NAB_PROFILES = {
  standard: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 },
} as const satisfies Record<string, NabCostMatrix>;

export type NabProfileName = keyof typeof NAB_PROFILES;

/** Fraction of each file used as the probationary period. */
export const NAB_PROBATION_PERCENT = 0.15;

/** What the scorer needs to know about one data file. */
export interface NabFileLayout {
  /** Row timestamps, epoch ms, ascending. */
  readonly timestampsMs: Float64Array;
  /**
   * Labelled windows [startMs, endMs], inclusive. In the NAB corpus each bound is exactly a row timestamp; a
   * bound that is not is snapped inwards (first row >= start, last row <= end), and a window that then holds
   * no row is ignored.
   */
  readonly windows: readonly TimeRange[];
}

/** One data file with the detector's per-row anomaly likelihood. */
export interface NabFile extends NabFileLayout {
  /** Anomaly likelihood per row, 0..1. Non-finite values never count as a detection. */
  readonly scores: Float64Array;
}

/** Score and row counts of one file (or a corpus) at one threshold, as in NAB's per-file score tables. */
export interface NabFileScore {
  /** Raw (un-normalised) score. */
  readonly score: number;
  /** Counts of post-probation rows: detected in / outside a window, undetected in / outside a window. */
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
  /** tp + tn + fp + fn (rows after the probationary period). */
  readonly total: number;
}

/** The corpus-wide optimum of {@link optimiseNabThreshold}. */
export interface NabThresholdResult extends NabFileScore {
  /** Detect when anomaly score >= threshold; 1.1 means "never detect" (NAB's starting threshold). */
  readonly threshold: number;
}

const NO_WINDOW = -1;
const PROBATION = -2;

/** NAB's scaled sigmoid: +0.98661 at y = −1 (window start), 0 at y = 0, −1 for y >= 3. */
export function nabScaledSigmoid(y: number): number {
  if (y >= 3.0) return -1.0;
  return 2 * (1 / (1 + Math.exp(5 * y))) - 1.0;
}

/** Rows of a file of `rows` rows that are never scored: min(floor(0.15·rows), 0.15·5000). */
export function nabProbationaryLength(rows: number, probationPercent = NAB_PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
}

/** Per-row sweep scores and window membership of one file under one profile. */
export interface NabSweep {
  /** The row's contribution if detected (positive inside a window, <= 0 outside). */
  readonly sweepScore: Float64Array;
  /** Index of the window the row lies in, −1 outside every window, −2 inside the probationary period. */
  readonly window: Int32Array;
  /** Number of windows located on the rows. */
  readonly windows: number;
}

/** Window bounds as row indices, sorted by start. */
function locateWindows(layout: NabFileLayout): { start: Int32Array; end: Int32Array } {
  const sorted = [...layout.windows].sort((a, b) => a[0] - b[0]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [startMs, endMs] of sorted) {
    const s = lowerBound(layout.timestampsMs, startMs);
    const e = upperBound(layout.timestampsMs, endMs) - 1;
    if (s <= e) {
      starts.push(s);
      ends.push(e);
    }
  }
  return { start: Int32Array.from(starts), end: Int32Array.from(ends) };
}

/** Sweeper.calcSweepScore: the weighted score every row would earn if it were a detection. */
export function nabSweep(
  layout: NabFileLayout,
  profile: NabCostMatrix,
  probationPercent = NAB_PROBATION_PERCENT,
): NabSweep {
  const n = layout.timestampsMs.length;
  const { start, end } = locateWindows(layout);
  const sweepScore = new Float64Array(n);
  const window = new Int32Array(n);
  const maxTP = nabScaledSigmoid(-1.0);
  const probation = nabProbationaryLength(n, probationPercent);

  let next = 0;
  let cur = NO_WINDOW;
  let curRight = -1;
  let curWidth = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    if (next < start.length && i === start[next]) {
      cur = next;
      curRight = end[next];
      curWidth = end[next] - start[next] + 1;
      next++;
    }
    if (cur !== NO_WINDOW) {
      const position = -(curRight - i + 1) / curWidth;
      sweepScore[i] = (nabScaledSigmoid(position) * profile.tpWeight) / maxTP;
    } else {
      // A one-row window gives 0/0 in NAB (a Python ZeroDivisionError); here the distance is infinite and
      // the FP costs the full −A_FP, as if no window preceded it.
      const position = prevRight < 0 ? 3.0 : Math.abs(prevRight - i) / (prevWidth - 1);
      sweepScore[i] = nabScaledSigmoid(position) * profile.fpWeight;
    }
    window[i] = i >= probation ? cur : PROBATION;
    if (cur !== NO_WINDOW && i === curRight) {
      prevRight = i;
      prevWidth = curWidth;
      cur = NO_WINDOW;
    }
  }
  return { sweepScore, window, windows: start.length };
}

/** Scores a sweep given which rows are detections. */
function scoreSweep(sweep: NabSweep, detected: (i: number) => boolean, profile: NabCostMatrix): NabFileScore {
  const parts = new Float64Array(sweep.windows).fill(Number.NaN);
  let fpScore = 0;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < sweep.window.length; i++) {
    const w = sweep.window[i];
    if (w === PROBATION) continue;
    // Only windows with a scored row take part, as NAB's scoreParts holds just those.
    if (w >= 0 && Number.isNaN(parts[w])) parts[w] = -profile.fnWeight;
    if (detected(i)) {
      if (w >= 0) {
        tp++;
        parts[w] = Math.max(parts[w], sweep.sweepScore[i]);
      } else {
        fp++;
        fpScore += sweep.sweepScore[i];
      }
    } else if (w >= 0) fn++;
    else tn++;
  }
  let score = fpScore;
  for (let w = 0; w < parts.length; w++) if (!Number.isNaN(parts[w])) score += parts[w];
  return { score, tp, tn, fp, fn, total: tp + tn + fp + fn };
}

/**
 * NAB score of one file given binary detections (1 = the detector alarmed at that row).
 *
 * @param profile e.g. NAB_PROFILES.standard.
 */
export function scoreNabDetections(
  layout: NabFileLayout,
  detections: Uint8Array,
  profile: NabCostMatrix,
  probationPercent = NAB_PROBATION_PERCENT,
): NabFileScore {
  if (detections.length !== layout.timestampsMs.length) {
    throw new Error(`detections length ${detections.length} differs from ${layout.timestampsMs.length} rows`);
  }
  const sweep = nabSweep(layout, profile, probationPercent);
  return scoreSweep(sweep, (i) => detections[i] === 1, profile);
}

/** NAB score of one file at a threshold: a row is a detection when its score >= threshold. */
export function scoreNabFile(
  file: NabFile,
  threshold: number,
  profile: NabCostMatrix,
  probationPercent = NAB_PROBATION_PERCENT,
): NabFileScore {
  const sweep = nabSweep(file, profile, probationPercent);
  return scoreSweep(sweep, (i) => file.scores[i] >= threshold, profile);
}

/**
 * NAB's corpus-wide threshold optimisation (optimizer.optimizeThreshold over Sweeper.calcScoreByThreshold):
 * every distinct anomaly score is tried as a threshold, starting from 1.1 (no detection), and the one with
 * the highest total raw score over all files is returned with its summed counts.
 */
export function optimiseNabThreshold(
  files: readonly NabFile[],
  profile: NabCostMatrix,
  probationPercent = NAB_PROBATION_PERCENT,
): NabThresholdResult {
  let rows = 0;
  const sweeps = files.map((f) => {
    if (f.scores.length !== f.timestampsMs.length) {
      throw new Error(`scores length ${f.scores.length} differs from ${f.timestampsMs.length} rows`);
    }
    const s = nabSweep(f, profile, probationPercent);
    rows += s.window.length;
    return s;
  });

  // Flatten the scorable rows of the corpus; windows get corpus-wide ids.
  const anomaly = new Float64Array(rows);
  const sweepScore = new Float64Array(rows);
  const windowId = new Int32Array(rows);
  let totalWindows = 0;
  let m = 0;
  let tn = 0;
  let fn = 0;
  sweeps.forEach((s, f) => {
    const scores = files[f].scores;
    for (let i = 0; i < s.window.length; i++) {
      const w = s.window[i];
      if (w === PROBATION) continue;
      if (w >= 0) fn++;
      else tn++;
      if (!Number.isFinite(scores[i])) continue;
      anomaly[m] = scores[i];
      sweepScore[m] = s.sweepScore[i];
      windowId[m] = w >= 0 ? totalWindows + w : NO_WINDOW;
      m++;
    }
    totalWindows += s.windows;
  });

  // Every window with a scored row starts as missed (NAB's scoreParts), even if all its scores are NaN.
  const parts = new Float64Array(totalWindows).fill(Number.NaN);
  let partsSum = 0;
  let offset = 0;
  sweeps.forEach((s) => {
    const seen = new Uint8Array(s.windows);
    for (let i = 0; i < s.window.length; i++) if (s.window[i] >= 0) seen[s.window[i]] = 1;
    for (let w = 0; w < s.windows; w++) {
      if (seen[w] === 1) {
        parts[offset + w] = -profile.fnWeight;
        partsSum -= profile.fnWeight;
      }
    }
    offset += s.windows;
  });

  const order = Uint32Array.from({ length: m }, (_, k) => k).sort((a, b) => anomaly[b] - anomaly[a]);
  let fpScore = 0;
  let tp = 0;
  let fp = 0;
  let curThreshold = 1.1;
  let best: NabThresholdResult | undefined;
  const consider = (): void => {
    const score = fpScore + partsSum;
    if (!best || score > best.score) {
      best = { threshold: curThreshold, score, tp, tn, fp, fn, total: tp + tn + fp + fn };
    }
  };
  for (const k of order) {
    if (anomaly[k] !== curThreshold) {
      consider();
      curThreshold = anomaly[k];
    }
    const w = windowId[k];
    if (w >= 0) {
      tp++;
      fn--;
      if (sweepScore[k] > parts[w]) {
        partsSum += sweepScore[k] - parts[w];
        parts[w] = sweepScore[k];
      }
    } else {
      fp++;
      tn--;
      fpScore += sweepScore[k];
    }
  }
  consider();
  // consider() has run at least once, so best is set.
  return best as NabThresholdResult;
}

/** The two reference scores of NAB's normalisation. */
export interface NabBaselines {
  /** Raw score of the detector that never fires: −A_FN per scored window. */
  readonly nullScore: number;
  /** Raw score of the detector that fires at the start of every window: A_TP per window. */
  readonly perfectScore: number;
}

/** Null and perfect raw scores of a corpus under one profile. */
export function nabBaselines(
  files: readonly NabFileLayout[],
  profile: NabCostMatrix,
  probationPercent = NAB_PROBATION_PERCENT,
): NabBaselines {
  let nullScore = 0;
  let windows = 0;
  for (const f of files) {
    const none = new Uint8Array(f.timestampsMs.length);
    nullScore += scoreNabDetections(f, none, profile, probationPercent).score;
    windows += f.windows.length;
  }
  return { nullScore, perfectScore: profile.tpWeight * windows };
}

/** 100 · (raw − null) / (perfect − null): 0 for the null detector, 100 for the perfect one. */
export function normaliseNabScore(raw: number, baselines: NabBaselines): number {
  return (100 * (raw - baselines.nullScore)) / (baselines.perfectScore - baselines.nullScore);
}

/** Normalised NAB scores of a corpus for the three profiles, each at its own corpus-optimal threshold. */
export function nabScores(files: readonly NabFile[], probationPercent = NAB_PROBATION_PERCENT): NabScores {
  const score = (profile: NabCostMatrix): number =>
    normaliseNabScore(
      optimiseNabThreshold(files, profile, probationPercent).score,
      nabBaselines(files, profile, probationPercent),
    );
  return {
    standard: score(NAB_PROFILES.standard),
    reward_low_fp: score(NAB_PROFILES.reward_low_FP_rate),
    reward_low_fn: score(NAB_PROFILES.reward_low_FN_rate),
  };
}
