import { readFileSync } from 'node:fs';

import { UserError } from '../../domain/errors';
import type { LabelledSeries } from '../../domain/timeSeries';
import { parseCsvRecords } from './csvRecords';
import { parseTimestamp, TIMESTAMP_FORMATS_HINT } from './timestamps';

/** Header names recognised as the timestamp column, in order of preference (matched case-insensitively). */
export const TIMESTAMP_COLUMNS: readonly string[] = ['timestamp', 'ds', 'time'];
/** Header names recognised as the value column when `--value-column` is not given, in order of preference. */
export const VALUE_COLUMNS: readonly string[] = ['value', 'cpu_usage', 'y'];
/** Header names recognised as the optional ground-truth column, in order of preference. */
export const LABEL_COLUMNS: readonly string[] = ['label', 'is_anomaly'];

/** How to read a dataset file; everything is optional. */
export interface ReadDatasetOptions {
  /** Name of the value column; default: the first of {@link VALUE_COLUMNS} present. Matched case-insensitively. */
  readonly valueColumn?: string;
  /**
   * Sort the rows by time (stable) and keep only the first row of each repeated timestamp, instead of
   * rejecting the file. Real exports need this: 8 of the 58 NAB files repeat timestamps (a DST change, a
   * rewound hour). Default false: an unsorted or repeated timestamp is an error. The CLI flag is
   * `--repair-timestamps`.
   */
  readonly repairTimestamps?: boolean;
}

/** What `repairTimestamps` changed (both 0 when it was off or nothing needed repair). */
export interface TimestampRepairs {
  /** Rows whose timestamp was earlier than the row before them in the file. */
  readonly outOfOrderRows: number;
  /** Rows dropped because an earlier row (in file order) has the same timestamp. */
  readonly droppedDuplicates: number;
}

/** A dataset file turned into a series, with what was used to read it. */
export interface DatasetCsv {
  /** Points exactly as in the file (no resampling); `labels` is set only when the file has a label column. */
  readonly series: LabelledSeries;
  /** The timestamp text of each row, trimmed, for reports that echo the file's own notation. */
  readonly rawTimestamps: string[];
  /** Column names as written in the header (trimmed). */
  readonly timestampColumn: string;
  readonly valueColumn: string;
  readonly labelColumn?: string;
  /** Kept rows whose value was empty or `NaN` (stored as NaN = missing). */
  readonly missingValues: number;
  readonly repairs: TimestampRepairs;
}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MISSING_VALUES = new Set(['', 'nan']);
// A Map, not an object literal, so a label like "constructor" cannot hit an inherited property.
const LABEL_VALUES: ReadonlyMap<string, 0 | 1> = new Map([
  ['0', 0],
  ['1', 1],
  ['0.0', 0],
  ['1.0', 1],
  ['false', 0],
  ['true', 1],
]);

/**
 * The sampling step: the most common positive difference between consecutive timestamps (the smallest one on a
 * tie), so a few gaps or jittered samples do not change it. Returns 0 for fewer than two timestamps.
 */
export function inferStepMs(timestampsMs: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < timestampsMs.length; i++) {
    const d = timestampsMs[i] - timestampsMs[i - 1];
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [d, c] of counts) {
    if (c > bestCount || (c === bestCount && d < best)) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

interface Columns {
  timestampsMs: Float64Array;
  values: Float64Array;
  labels: Uint8Array | undefined;
  rawTimestamps: string[];
  repairs: TimestampRepairs;
}

/** Stable-sorts the rows by time and keeps the first row (in file order) of each timestamp; a no-op if sorted. */
function repairOrder(
  timestampsMs: Float64Array,
  values: Float64Array,
  labels: Uint8Array | undefined,
  rawTimestamps: string[],
): Columns {
  let outOfOrderRows = 0;
  let repeats = 0;
  for (let i = 1; i < timestampsMs.length; i++) {
    if (timestampsMs[i] < timestampsMs[i - 1]) outOfOrderRows++;
    else if (timestampsMs[i] === timestampsMs[i - 1]) repeats++;
  }
  if (outOfOrderRows === 0 && repeats === 0) {
    return {
      timestampsMs,
      values,
      labels,
      rawTimestamps,
      repairs: { outOfOrderRows: 0, droppedDuplicates: 0 },
    };
  }
  const order = Array.from(timestampsMs, (_, i) => i).sort(
    (a, b) => timestampsMs[a] - timestampsMs[b] || a - b,
  );
  const keep = order.filter((idx, k) => k === 0 || timestampsMs[idx] !== timestampsMs[order[k - 1]]);
  return {
    timestampsMs: Float64Array.from(keep, (i) => timestampsMs[i]),
    values: Float64Array.from(keep, (i) => values[i]),
    labels: labels === undefined ? undefined : Uint8Array.from(keep, (i) => labels[i]),
    rawTimestamps: keep.map((i) => rawTimestamps[i]),
    repairs: { outOfOrderRows, droppedDuplicates: order.length - keep.length },
  };
}

function findColumn(lowerHeader: readonly string[], candidates: readonly string[]): number {
  for (const name of candidates) {
    const idx = lowerHeader.indexOf(name.toLowerCase());
    if (idx >= 0) return idx;
  }
  return -1;
}

/**
 * Reads a dataset CSV file. See {@link parseDatasetCsv} for the format and the errors.
 *
 * @throws UserError when the file cannot be read or is not a valid dataset.
 */
export function readDatasetCsv(path: string, options: ReadDatasetOptions = {}): DatasetCsv {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(`${path}: cannot read the file (${code}); check the path and its permissions`);
  }
  return parseDatasetCsv(text, path, options);
}

/**
 * Parses dataset CSV text (pure; `file` is only used in messages).
 *
 * Format: a header row, then one row per point.
 * - Timestamp column `timestamp`, `ds` or `time`: ISO 8601 (no offset = UTC), `YYYY-MM-DD HH:MM:SS` (UTC) or
 *   epoch seconds / milliseconds (see `parseTimestamp`). Rows must be strictly increasing in time.
 * - Value column `value`, `cpu_usage` or `y`, or `options.valueColumn`. An empty field or `NaN` is a missing
 *   value and becomes NaN (gaps are normal in monitoring data); any other non-number is an error.
 * - Optional ground truth `label` or `is_anomaly`: `0`, `1`, `true` or `false` (also `0.0` / `1.0`).
 * Points are kept as they are: no resampling or interpolation; the step is inferred by {@link inferStepMs}.
 * With `repairTimestamps` the rows are sorted and repeated timestamps dropped instead (see the option).
 *
 * @throws UserError `FILE:LINE: ...` (exit code 2) for an empty file, a header without rows, a single row (no
 *   step can be inferred), a missing timestamp/value column, a row with the wrong number of fields, and an
 *   unparseable, unsorted or duplicate timestamp (unless `repairTimestamps`), a non-numeric value or a bad label.
 */
export function parseDatasetCsv(text: string, file: string, options: ReadDatasetOptions = {}): DatasetCsv {
  const records = parseCsvRecords(text, file);
  if (records.length === 0) {
    throw new UserError(
      `${file}:1: the file is empty; expected a header (e.g. timestamp,value,label) followed by data rows`,
    );
  }
  const headerRecord = records[0];
  const header = headerRecord.fields.map((f) => f.trim());
  const lowerHeader = header.map((h) => h.toLowerCase());
  const found = header.join(', ');
  const headerLine = headerRecord.line;

  const tsIdx = findColumn(lowerHeader, TIMESTAMP_COLUMNS);
  if (tsIdx < 0) {
    throw new UserError(
      `${file}:${headerLine}: no timestamp column (expected one of ${TIMESTAMP_COLUMNS.join(', ')}); columns found: ${found}`,
    );
  }
  let valueIdx: number;
  if (options.valueColumn !== undefined) {
    valueIdx = lowerHeader.indexOf(options.valueColumn.trim().toLowerCase());
    if (valueIdx < 0) {
      throw new UserError(
        `${file}:${headerLine}: value column "${options.valueColumn}" not found; columns found: ${found}; fix --value-column`,
      );
    }
  } else {
    valueIdx = findColumn(lowerHeader, VALUE_COLUMNS);
    if (valueIdx < 0) {
      throw new UserError(
        `${file}:${headerLine}: no value column (expected one of ${VALUE_COLUMNS.join(', ')}); columns found: ${found}; name it with --value-column`,
      );
    }
  }
  const labelIdx = findColumn(lowerHeader, LABEL_COLUMNS);

  const rows = records.length - 1;
  if (rows === 0) {
    throw new UserError(`${file}:${headerLine}: the header has no data rows after it; add at least two rows`);
  }
  if (rows === 1) {
    throw new UserError(
      `${file}:${records[1].line}: only one data row; at least two are needed to infer the sampling step`,
    );
  }

  const timestampsMs = new Float64Array(rows);
  const values = new Float64Array(rows);
  const labels = labelIdx >= 0 ? new Uint8Array(rows) : undefined;
  const rawTimestamps: string[] = new Array<string>(rows);

  for (let r = 0; r < rows; r++) {
    const { line, fields } = records[r + 1];
    const at = `${file}:${line}`;
    if (fields.length !== header.length) {
      throw new UserError(
        `${at}: expected ${header.length} fields (${header.join(',')}) but found ${fields.length}; quote fields that contain commas`,
      );
    }

    const rawTs = fields[tsIdx].trim();
    const ts = parseTimestamp(rawTs);
    if (ts === undefined) {
      throw new UserError(`${at}: cannot parse timestamp "${rawTs}"; ${TIMESTAMP_FORMATS_HINT}`);
    }
    if (r > 0 && options.repairTimestamps !== true) {
      const prev = timestampsMs[r - 1];
      const prevLine = records[r].line;
      if (ts === prev) {
        throw new UserError(
          `${at}: duplicate timestamp "${rawTs}" (same instant as line ${prevLine}); remove or merge the duplicate rows (or pass --repair-timestamps to keep the first)`,
        );
      }
      if (ts < prev) {
        throw new UserError(
          `${at}: timestamp "${rawTs}" is earlier than "${rawTimestamps[r - 1]}" on line ${prevLine}; sort the rows by time (or pass --repair-timestamps)`,
        );
      }
    }
    timestampsMs[r] = ts;
    rawTimestamps[r] = rawTs;

    const rawValue = fields[valueIdx].trim();
    if (MISSING_VALUES.has(rawValue.toLowerCase())) {
      values[r] = NaN;
    } else if (NUMBER_RE.test(rawValue)) {
      values[r] = Number(rawValue);
    } else {
      throw new UserError(
        `${at}: value "${rawValue}" in column "${header[valueIdx]}" is not a number; write a plain number (leave it empty for a missing value)`,
      );
    }

    if (labels !== undefined) {
      const rawLabel = fields[labelIdx].trim();
      const label = LABEL_VALUES.get(rawLabel.toLowerCase());
      if (label === undefined) {
        throw new UserError(
          `${at}: label "${rawLabel}" in column "${header[labelIdx]}" is not 0, 1, true or false; fix the label`,
        );
      }
      labels[r] = label;
    }
  }

  const repaired = repairOrder(timestampsMs, values, labels, rawTimestamps);
  const series: LabelledSeries = {
    timestampsMs: repaired.timestampsMs,
    values: repaired.values,
    stepMs: inferStepMs(repaired.timestampsMs),
    ...(repaired.labels !== undefined ? { labels: repaired.labels } : {}),
  };
  let missingValues = 0;
  for (const v of repaired.values) if (Number.isNaN(v)) missingValues++;
  return {
    series,
    rawTimestamps: repaired.rawTimestamps,
    timestampColumn: header[tsIdx],
    valueColumn: header[valueIdx],
    ...(labelIdx >= 0 ? { labelColumn: header[labelIdx] } : {}),
    missingValues,
    repairs: repaired.repairs,
  };
}
