import { readFileSync } from 'node:fs';

import { UserError } from '../../domain/errors';
import { parseTimestamp, TIMESTAMP_FORMATS_HINT } from './timestamps';

/** An anomaly window, epoch milliseconds UTC, both ends inclusive (as NAB defines them). */
export type AnomalyWindow = [startMs: number, endMs: number];

const MAX_KEYS_LISTED = 5;

/**
 * Reads the labelled anomaly windows for one dataset from a JSON file. See {@link parseWindowsJson}.
 *
 * @throws UserError when the file cannot be read, is not JSON, has no entry for the dataset or holds a bad window.
 */
export function readWindowsFile(path: string, datasetPath: string): AnomalyWindow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(`${path}: cannot read the file (${code}); check the --labels path`);
  }
  return parseWindowsJson(text, path, datasetPath);
}

/** `FILE:LINE` when V8's message gives a position (`at position N` or `line L column C`), else `FILE`. */
function jsonErrorLocation(file: string, text: string, message: string): string {
  const lineCol = /line (\d+) column/.exec(message);
  if (lineCol !== null) return `${file}:${lineCol[1]}`;
  const pos = /at position (\d+)/.exec(message);
  if (pos === null) return file;
  let line = 1;
  const end = Math.min(Number(pos[1]), text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return `${file}:${line}`;
}

function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** True when one path is a whole-segment suffix of the other (`a/b/x.csv` matches `b/x.csv` and `x.csv`). */
function suffixMatches(datasetPath: string, key: string): boolean {
  const d = normalisePath(datasetPath);
  const k = normalisePath(key);
  if (d === k) return true;
  return d.endsWith(`/${k}`) || k.endsWith(`/${d}`);
}

function selectEntry(json: unknown, file: string, datasetPath: string): { where: string; value: unknown } {
  if (Array.isArray(json)) return { where: 'the top-level array', value: json };
  if (json === null || typeof json !== 'object') {
    throw new UserError(
      `${file}:1: expected an object of {"<dataset path>": [[start, end], ...]} or an array of [start, end] pairs`,
    );
  }
  const obj = json as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) return { where: `key "${keys[0]}"`, value: obj[keys[0]] };
  const matches = keys.filter((k) => suffixMatches(datasetPath, k));
  if (matches.length === 0) {
    const some = keys.slice(0, MAX_KEYS_LISTED).join(', ');
    const more = keys.length > MAX_KEYS_LISTED ? `, ... (${keys.length} keys)` : '';
    throw new UserError(
      `${file}: no entry for dataset "${datasetPath}"; keys look like: ${some}${more}; name the dataset by a path ending in one of them`,
    );
  }
  // The longest key is the most specific match (e.g. "realKnownCause/nyc_taxi.csv" over "nyc_taxi.csv").
  const longest = Math.max(...matches.map((k) => normalisePath(k).length));
  const best = matches.filter((k) => normalisePath(k).length === longest);
  if (best.length > 1) {
    throw new UserError(
      `${file}: dataset "${datasetPath}" matches several keys (${best.join(', ')}); give a longer dataset path`,
    );
  }
  return { where: `key "${best[0]}"`, value: obj[best[0]] };
}

function toMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? parseTimestamp(String(v)) : undefined;
  if (typeof v === 'string') return parseTimestamp(v);
  return undefined;
}

/**
 * Parses a labelled-windows JSON document (pure; `file` is only used in messages). Accepted shapes:
 * - NAB `combined_windows.json`: `{"realKnownCause/nyc_taxi.csv": [["2014-10-30 15:30:00.000000", "..."], ...]}`;
 * - the same with `{"windows": [...], ...}` objects as values (`datasets/nab/labels.json`);
 * - an object with a single key (used whatever the dataset is called);
 * - a bare array of `[start, end]` pairs.
 * The key is chosen by path suffix: `datasets/nab/realKnownCause/nyc_taxi.csv` matches the key
 * `realKnownCause/nyc_taxi.csv`. Timestamps use the CSV formats (see `parseTimestamp`).
 *
 * @returns the windows in file order, each `[startMs, endMs]`.
 */
export function parseWindowsJson(text: string, file: string, datasetPath: string): AnomalyWindow[] {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    // V8 quotes the offending text, line breaks included; the message must stay on one line.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
    throw new UserError(
      `${jsonErrorLocation(file, text, message)}: not valid JSON (${message}); fix the syntax`,
    );
  }
  const { where, value } = selectEntry(json, file, datasetPath);
  let pairs: unknown = value;
  if (pairs !== null && typeof pairs === 'object' && !Array.isArray(pairs) && 'windows' in pairs) {
    pairs = pairs.windows;
  }
  if (!Array.isArray(pairs)) {
    throw new UserError(`${file}: ${where} must hold an array of [start, end] pairs`);
  }
  return pairs.map((pair: unknown, i): AnomalyWindow => {
    const at = `${file}: ${where}, window ${i + 1}`;
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new UserError(`${at}: expected a [start, end] pair, got ${JSON.stringify(pair)}`);
    }
    const start = toMs(pair[0]);
    const end = toMs(pair[1]);
    if (start === undefined || end === undefined) {
      const bad = JSON.stringify(start === undefined ? pair[0] : pair[1]);
      throw new UserError(`${at}: cannot parse timestamp ${bad}; ${TIMESTAMP_FORMATS_HINT}`);
    }
    if (end < start) {
      throw new UserError(`${at}: ends before it starts (${JSON.stringify(pair)}); swap start and end`);
    }
    return [start, end];
  });
}
