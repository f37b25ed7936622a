/** Options of {@link formatDatasetCsv}. */
export interface FormatDatasetOptions {
  /**
   * Round values to this many decimals (trailing zeros dropped). Default: none, every value is written in its
   * shortest exact form, so reading the file back gives the same numbers.
   */
  readonly decimals?: number;
}

function formatValue(v: number, decimals: number | undefined): string {
  // An empty field is what the reader takes as a missing value.
  if (Number.isNaN(v)) return '';
  if (decimals === undefined) return String(v);
  const rounded = Number(v.toFixed(decimals));
  // Avoid "-0" for tiny negatives rounded to zero.
  return String(rounded === 0 ? 0 : rounded);
}

/**
 * Formats a series as dataset CSV: header `timestamp,value,label` (or `timestamp,value` without labels), ISO 8601
 * UTC timestamps with milliseconds (`2024-01-01T00:05:00.000Z`), LF line ends, a final newline. NaN values are
 * written as empty fields. The output reads back with `readDatasetCsv` unchanged (unless `decimals` rounds).
 *
 * @throws RangeError when the arrays differ in length (a programming error, not a user one).
 */
export function formatDatasetCsv(
  timestampsMs: ArrayLike<number>,
  values: ArrayLike<number>,
  labels?: ArrayLike<number>,
  options: FormatDatasetOptions = {},
): string {
  const n = timestampsMs.length;
  if (values.length !== n || (labels !== undefined && labels.length !== n)) {
    throw new RangeError(
      `formatDatasetCsv: ${n} timestamps, ${values.length} values, ${labels?.length ?? 'no'} labels`,
    );
  }
  const lines: string[] = [labels === undefined ? 'timestamp,value' : 'timestamp,value,label'];
  for (let i = 0; i < n; i++) {
    const ts = new Date(timestampsMs[i]).toISOString();
    const value = formatValue(values[i], options.decimals);
    lines.push(labels === undefined ? `${ts},${value}` : `${ts},${value},${labels[i] ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}
