import type { EvaluationResult } from '../evaluate/types';

/** JSON value after {@link toStableJsonValue}: only finite numbers, keys in sorted order. */
export type StableJsonValue =
  null | boolean | number | string | StableJsonValue[] | { [key: string]: StableJsonValue };

/**
 * Renders `evaluation_report.json`: the result pretty-printed with two-space indentation, object keys sorted
 * at every level (so two runs diff cleanly however the object was assembled), non-finite numbers (NaN,
 * ±Infinity) written as `null` and absent optional fields (`nab`) omitted. Ends with a newline.
 */
export function renderJsonReport(result: EvaluationResult): string {
  return `${JSON.stringify(toStableJsonValue(result), null, 2)}\n`;
}

/**
 * Converts any value into plain JSON data: sorted keys, finite numbers only, typed arrays as arrays,
 * `undefined` members dropped (as JSON.stringify would) and `undefined` array slots as `null`.
 */
export function toStableJsonValue(value: unknown): StableJsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map((v) => toStableJsonValue(v));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => toStableJsonValue(v));
  }
  if (typeof value === 'object') {
    const out: { [key: string]: StableJsonValue } = {};
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      out[key] = toStableJsonValue(member);
    }
    return out;
  }
  // Functions and symbols have no JSON form; JSON.stringify would drop them too.
  return null;
}
