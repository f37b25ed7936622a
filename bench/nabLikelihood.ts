/**
 * How the detector's output becomes NAB's per-row anomaly likelihood (0..1). None of these look at labels;
 * NAB's own corpus-wide threshold optimisation then picks the cut.
 */
export const NAB_MAPPINGS = ['alert', 'alert_score', 'episode_rows', 'point_score'] as const;
/**
 * - `alert`: 1 at the row where an episode opens (the moment the product alerts), else 0. What the product does.
 * - `alert_score`: at an opening row, s/(1+s) of that row's score s (a monotone map), else 0: alerts ranked by
 *   how far outside the band they opened, so the corpus threshold can drop weak openings.
 * - `episode_rows`: 1 on every row inside an episode (NAB then counts each such row outside a window as a FP).
 * - `point_score`: s/(1+s) on every row, episodes ignored (a bare point-wise detector, for reference).
 */
export type NabMapping = (typeof NAB_MAPPINGS)[number];

/** The mapping the product's alerting corresponds to: reported as the headline NAB score. */
export const PRODUCT_NAB_MAPPING: NabMapping = 'alert';

/** The detector's output over the evaluated (post-training) rows. */
export interface DetectorRows {
  /** 1 where an episode opened. */
  readonly alerts: Uint8Array;
  /** Deviation score per row, >= 0 (NaN/negative treated as 0). */
  readonly score: Float64Array;
  /** 1 for rows inside an episode. */
  readonly isAnomaly: Uint8Array;
}

/** s/(1+s): 0 at 0, 0.5 at the band edge, → 1; monotone, so thresholds on it are thresholds on s. */
export function squash(score: number): number {
  if (!(score > 0)) return 0;
  if (!Number.isFinite(score)) return 1;
  return score / (1 + score);
}

/**
 * Per-row likelihood for a whole NAB file: `trainRows` leading rows (the probationary part the model
 * trained on) get 0, then one value per evaluated row. Always within [0, 1].
 */
export function nabLikelihood(mapping: NabMapping, trainRows: number, rows: DetectorRows): Float64Array {
  const m = rows.alerts.length;
  if (rows.score.length !== m || rows.isAnomaly.length !== m) {
    throw new Error(`detector rows disagree in length: ${m}, ${rows.score.length}, ${rows.isAnomaly.length}`);
  }
  const out = new Float64Array(trainRows + m);
  for (let i = 0; i < m; i++) {
    let v: number;
    switch (mapping) {
      case 'alert':
        v = rows.alerts[i] === 1 ? 1 : 0;
        break;
      case 'alert_score':
        v = rows.alerts[i] === 1 ? squash(rows.score[i]) : 0;
        break;
      case 'episode_rows':
        v = rows.isAnomaly[i] === 1 ? 1 : 0;
        break;
      case 'point_score':
        v = squash(rows.score[i]);
        break;
    }
    out[trainRows + i] = v;
  }
  return out;
}
