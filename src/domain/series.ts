/** A Prometheus-style label set. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Canonical identity of a stream: the query name plus the label set in sorted key order, so the same
 * series always maps to the same id whatever order Prometheus returns labels in.
 */
export function canonicalSeriesId(queryName: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  const body = keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',');
  return `${queryName}{${body}}`;
}
