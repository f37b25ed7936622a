/** Edit distance (insertions, deletions, substitutions, adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] ?? 0) + 1,
        (d[i * cols + j - 1] ?? 0) + 1,
        (d[(i - 1) * cols + j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] ?? 0;
}

// Case, `-`, `_` and spaces are ignored so `intervalSeconds` and `interval-seconds` find `interval_seconds`.
const normalise = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The candidate a mistyped key most likely meant, or `undefined` when none is close. "Close" allows about
 * one edit per three characters, so short keys need a near-exact match.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const n = normalise(input);
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = editDistance(n, normalise(c));
    if (dist < bestDist) {
      best = c;
      bestDist = dist;
    }
  }
  const allowed = Math.max(1, Math.floor(n.length / 3));
  return bestDist <= allowed ? best : undefined;
}
