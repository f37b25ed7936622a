import { MS_PER_DAY, positiveMod } from '../model/fourier';

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
 * - A schedule mistaken for incidents: a step the model cannot yet follow (a batch job at 02:00, business
 *   hours switching on at 09:00) is flagged at the same time every day; left out every time, it is never
 *   learnt, and it alerts every day for ever.
 *
 * So three bounds, all applied to the refit's snapshot (the history itself keeps its marks):
 * - `acceptAfterMs`: an excluded run (episode points, joined across breaks shorter than {@link joinGapMs})
 *   that has lasted at least this long is taken as the new normal and re-admitted. Its alert has fired; a
 *   user who disagrees has had that long to act.
 * - `maxExcludedFraction`: when the runs still excluded cover more than this fraction of the snapshot's
 *   points, every point is admitted: a model that flags that much of its own history is wrong about the
 *   series, and fitting on what is left only makes it more wrong.
 * - Recurrence: a short excluded run (at most {@link MAX_RECURRING_RUN_MS}) whose start time of day
 *   (within {@link RECURRENCE_SLACK_MS}) is shared by short runs on at least {@link MIN_RECURRING_DAYS}
 *   days and at least {@link RECURRING_DAY_SHARE} of the days the snapshot covers is the series' daily
 *   routine, and is re-admitted. Incidents do not keep an hour: on the simulator's metrics (about one
 *   anomaly a day at random times) half the days flagged at the same hour does not happen by chance.
 */
export interface RefitAdmission {
  /** Excluded runs at least this long (ms) are re-admitted. `Infinity` never re-admits. */
  readonly acceptAfterMs: number;
  /** In [0, 1]: beyond this share of excluded points, nothing is excluded. 1 = never. */
  readonly maxExcludedFraction: number;
  /** Re-admit runs that recur at the same time of day (the third bound). Absent = true. */
  readonly learnRecurring?: boolean;
  /**
   * Before a series' first fit, replay its history through a fresh detector and mark the episodes found as
   * if they had been live (pipeline/seriesRunner.ts). Absent = false.
   */
  readonly screenHistory?: boolean;
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
  const runs: Run[] = [];
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
      runs.push({ first: i, last, startMs: timestampsMs[i], endMs: timestampsMs[last] + stepMs });
    }
    i = last + 1;
  }
  const spanDays = n > 0 ? (timestampsMs[n - 1] - timestampsMs[0] + stepMs) / MS_PER_DAY : 0;
  const recurring =
    policy.learnRecurring === false ? new Uint8Array(runs.length) : recurringRuns(runs, spanDays);
  let excluded = 0;
  for (let r = 0; r < runs.length; r++) {
    const { first, last } = runs[r];
    if (recurring[r] === 1) for (let k = first; k <= last; k++) out[k] = 0;
    else for (let k = first; k <= last; k++) excluded += out[k];
  }
  if (n > 0 && excluded > policy.maxExcludedFraction * n) out.fill(0);
  return out;
}

/** Fewest distinct days an excluded time of day must recur on to count as routine. */
export const MIN_RECURRING_DAYS = 3;
/** Share of the snapshot's days an excluded time of day must recur on to count as routine. */
export const RECURRING_DAY_SHARE = 0.5;
/** Two runs start at the same time of day when their starts are this close on the 24-hour clock, ms. */
export const RECURRENCE_SLACK_MS = 30 * 60_000;
/**
 * Only runs this short can be routine: a schedule the model cannot follow yet shows as a short episode at
 * its step (the one-step band catches up within the hour); an incident that lasts for hours is not excused
 * by having started at the same hour as others.
 */
export const MAX_RECURRING_RUN_MS = 3 * 3_600_000;

interface Run {
  readonly first: number;
  readonly last: number;
  readonly startMs: number;
  /** End of the run's last sample (exclusive), ms. */
  readonly endMs: number;
}

/**
 * 1 for each run whose time of day recurs (see the module comment): among runs no longer than
 * MAX_RECURRING_RUN_MS, the distinct UTC days holding one that starts within RECURRENCE_SLACK_MS of its start
 * on the 24-hour clock, itself included, number at least MIN_RECURRING_DAYS and RECURRING_DAY_SHARE of
 * `spanDays`.
 */
function recurringRuns(runs: readonly Run[], spanDays: number): Uint8Array {
  const out = new Uint8Array(runs.length);
  const needed = Math.max(MIN_RECURRING_DAYS, Math.ceil(RECURRING_DAY_SHARE * spanDays));
  if (runs.length < needed) return out;
  const startOfDay = runs.map((r) => positiveMod(r.startMs, MS_PER_DAY));
  const day = runs.map((r) => Math.floor(r.startMs / MS_PER_DAY));
  const short = runs.map((r) => r.endMs - r.startMs <= MAX_RECURRING_RUN_MS);
  for (let a = 0; a < runs.length; a++) {
    if (!short[a]) continue;
    const days = new Set<number>();
    for (let b = 0; b < runs.length; b++) {
      if (!short[b]) continue;
      // Distance between the two starts on the 24-hour circle.
      const d = Math.abs(startOfDay[a] - startOfDay[b]);
      if (Math.min(d, MS_PER_DAY - d) <= RECURRENCE_SLACK_MS) days.add(day[b]);
    }
    if (days.size >= needed) out[a] = 1;
  }
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
export const DEFAULT_REFIT_ADMISSION: Required<RefitAdmission> = {
  acceptAfterMs: 86_400_000,
  maxExcludedFraction: 0.2,
  learnRecurring: true,
  // See SeriesRunner.fit for what it gains and what it costs.
  screenHistory: true,
};
