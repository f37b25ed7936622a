import type { EpisodeSummary, ThresholdRow } from '../evaluate/types';
import { isFiniteNumber } from './format';

/**
 * The sweep row with the highest finite F1; ties go to the higher threshold (fewer alerts for the same
 * F1). Undefined when the sweep is empty or no row has a positive F1 (no threshold is "best" then).
 */
export function bestF1Row(sweep: readonly ThresholdRow[]): ThresholdRow | undefined {
  let best: ThresholdRow | undefined;
  for (const row of sweep) {
    if (!isFiniteNumber(row.f1) || !isFiniteNumber(row.threshold) || row.f1 <= 0) continue;
    if (best === undefined || row.f1 > best.f1 || (row.f1 === best.f1 && row.threshold > best.threshold)) {
      best = row;
    }
  }
  return best;
}

/** The `limit` episodes with the highest peak score, ties broken by start time (earliest first). */
export function topEpisodes(episodes: readonly EpisodeSummary[], limit: number): EpisodeSummary[] {
  const peak = (e: EpisodeSummary): number => (isFiniteNumber(e.peak_score) ? e.peak_score : -Infinity);
  return [...episodes]
    .sort((a, b) => peak(b) - peak(a) || a.start_ms - b.start_ms || a.id.localeCompare(b.id))
    .slice(0, Math.max(0, limit));
}
