/**
 * Which points inside anomaly episodes a refit may learn from after all.
 *
 * Refits leave out the points inside episodes so that an incident does not quietly become the model's idea
 * of normal. Unbounded, that rule has two failure modes:
 *
 * - A lasting change (a deploy that doubled the baseline, a sensor moved, a new traffic level) is flagged
 *   for ever: its points are never learnt, so the episode never ends, or keeps reopening, until it has
 *   filled and left the whole training window.
 * - A death spiral: when the model is wrong about a series (too little history, a shape it cannot follow),
 *   it flags much of it; those points are left out, the next model sees less and worse data, flags more,
 *   and so on until it is fitted on a few unrepresentative points.
 *
 * So two bounds, both applied to the refit's snapshot (the history itself keeps its marks):
 * - `acceptAfterMs`: an excluded run (episode points, joined across breaks shorter than {@link joinGapMs})
 *   that has lasted at least this long is taken as the new normal and re-admitted. Its alert has fired; a
 *   user who disagrees has had that long to act.
 * - `maxExcludedFraction`: when the runs still excluded cover more than this fraction of the snapshot's
 *   points, every point is admitted: a model that flags that much of its own history is wrong about the
 *   series, and fitting on what is left only makes it more wrong.
 */
export interface RefitAdmission {
  /** Excluded runs at least this long (ms) are re-admitted. `Infinity` never re-admits. */
  readonly acceptAfterMs: number;
  /** In [0, 1]: beyond this share of excluded points, nothing is excluded. 1 = never. */
  readonly maxExcludedFraction: number;
}

/** Two excluded points closer than this belong to the same run: an episode that paused and resumed. */
export function joinGapMs(stepMs: number): number {
  return Math.max(4 * stepMs, 3_600_000);
}

/**
 * The exclusion mask a refit should use (a new array; `exclude` is not modified).
 *
 * @param timestampsMs ascending sample times of the snapshot
 * @param exclude 1 = the sample lay inside an episode
 * @param stepMs the series' step (a run's duration counts its last sample as one step long)
 */
export function admitForRefit(
  timestampsMs: Float64Array,
  exclude: Uint8Array,
  stepMs: number,
  policy: RefitAdmission,
): Uint8Array {
  const n = Math.min(timestampsMs.length, exclude.length);
  const out = Uint8Array.from(exclude.subarray(0, n));
  const join = joinGapMs(stepMs);
  let excluded = 0;
  let i = 0;
  while (i < n) {
    if (out[i] !== 1) {
      i++;
      continue;
    }
    // The run: excluded points each within `join` of the previous one.
    let last = i;
    let j = i + 1;
    while (j < n && timestampsMs[j] - timestampsMs[last] <= join) {
      if (out[j] === 1) last = j;
      j++;
    }
    const durationMs = timestampsMs[last] - timestampsMs[i] + stepMs;
    if (durationMs >= policy.acceptAfterMs) {
      for (let k = i; k <= last; k++) out[k] = 0;
    } else {
      for (let k = i; k <= last; k++) excluded += out[k];
    }
    i = last + 1;
  }
  if (n > 0 && excluded > policy.maxExcludedFraction * n) out.fill(0);
  return out;
}

/**
 * Defaults (config `model.accept_after`, `model.max_excluded_fraction`). A day: an incident a person is
 * handling rarely lasts that long, while a deliberate change should not be flagged through a second day.
 * A fifth: a calibrated 95% band with the default episode rule leaves well under 1% of a well-modelled
 * series' points in episodes, and a series with real incidents a few percent, so a fifth of the window in
 * episodes means the model is wrong. Measured (bench/nabDiagnose.ts on NAB, `evaluate` on the CPU sample
 * with 5% injected): never capping is far behind on NAB (a model fitted on what it did not flag keeps
 * flagging more); 0.1 scores better there but learns the injected anomalies of the CPU sample (point F1
 * 0.80 → 0.59 at seed 1), 0.2 leaves the CPU sample as without a cap.
 */
export const DEFAULT_REFIT_ADMISSION: RefitAdmission = {
  acceptAfterMs: 86_400_000,
  maxExcludedFraction: 0.2,
};
