import { escape } from '@influxdata/influxdb-client';
import type { Labels } from '../domain/series';
import { FIELD, MEASUREMENT, RESERVED_TAGS, TAG } from './schema';
import type { PointRecord } from './types';

/**
 * Line protocol for the anomalyd schema (see schema.ts), timestamps in milliseconds (`precision=ms`).
 *
 * Tag escaping uses the influxdb-client's `escape.tag` (commas, equals, spaces, newlines). String fields are
 * escaped here because the library's `escape.quoted` leaves newlines raw, which would split the line.
 */

/** Options of {@link toLines}. */
export interface LineOptions {
  /** Series labels written as tags; empty = all labels. */
  readonly tagAllowlist: readonly string[];
  /** When given, incremented for every field / line left out because its value is NaN or ±Infinity. */
  readonly skipped?: SkipCounter;
}

/** What {@link toLines} left out because line protocol cannot represent it. */
export interface SkipCounter {
  /** Fields omitted because their value was NaN or ±Infinity. */
  fields: number;
  /** Lines omitted because no field was left (or the timestamp was not finite). */
  lines: number;
}

/**
 * Tag keys that InfluxDB itself reserves (`time` is rejected, `_`-prefixed names clash with Flux columns).
 * A label with such a name is written with the `label_` prefix, like labels colliding with our own tags.
 */
const INFLUX_RESERVED_TAGS: ReadonlySet<string> = new Set([
  ...RESERVED_TAGS,
  'time',
  '_measurement',
  '_field',
  '_value',
  '_time',
  '_start',
  '_stop',
]);

/** Prefix given to a label whose name collides with a reserved tag, e.g. `series` → `label_series`. */
export const LABEL_COLLISION_PREFIX = 'label_';

type FieldValue =
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string };

/** Escapes a string field value (quotes included): backslash and double quote escaped, newlines made `\n`. */
export function escapeStringField(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/\r?\n/g, '\\n')}"`;
}

/** Formats a float so line protocol reads it as a float (`1` is a float without an `i` suffix). */
function formatFloat(v: number): string {
  // Number#toString gives the shortest round-tripping form; exponent forms (1e+21) are valid line protocol.
  return String(v);
}

function formatField(f: FieldValue): string | undefined {
  switch (f.kind) {
    case 'float':
      return Number.isFinite(f.value) ? formatFloat(f.value) : undefined;
    case 'int':
      return Number.isFinite(f.value) ? `${Math.trunc(f.value)}i` : undefined;
    case 'bool':
      return f.value ? 'true' : 'false';
    case 'string':
      return escapeStringField(f.value);
  }
}

/**
 * The label tags of a record: all labels (or only the allow-listed ones), reserved names prefixed, empty
 * values left out (Prometheus treats an empty label as absent and line protocol cannot carry it).
 */
export function labelTags(labels: Labels, tagAllowlist: readonly string[]): Array<[string, string]> {
  const allow = tagAllowlist.length === 0 ? undefined : new Set(tagAllowlist);
  const out: Array<[string, string]> = [];
  const used = new Set<string>(INFLUX_RESERVED_TAGS);
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (value === '' || (allow !== undefined && !allow.has(name))) continue;
    let key = name;
    while (used.has(key)) key = `${LABEL_COLLISION_PREFIX}${key}`;
    used.add(key);
    out.push([key, value]);
  }
  return out;
}

function compareKeys([a]: readonly [string, string], [b]: readonly [string, string]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `,k=v,...` with keys sorted (InfluxDB's recommendation: cheaper series-key parsing, deterministic lines). */
function tagText(tags: ReadonlyArray<readonly [string, string]>): string {
  return [...tags]
    .filter(([, v]) => v !== '')
    .sort(compareKeys)
    .map(([k, v]) => `,${escape.tag(k)}=${escape.tag(v)}`)
    .join('');
}

function line(
  measurement: string,
  tags: string,
  fields: ReadonlyArray<readonly [string, FieldValue]>,
  timestampMs: number,
  skipped: SkipCounter | undefined,
): string | undefined {
  const parts: string[] = [];
  for (const [name, value] of fields) {
    const formatted = formatField(value);
    if (formatted === undefined) {
      if (skipped) skipped.fields += 1;
      continue;
    }
    parts.push(`${escape.tag(name)}=${formatted}`);
  }
  if (parts.length === 0) {
    if (skipped) skipped.lines += 1;
    return undefined;
  }
  return `${escape.measurement(measurement)}${tags} ${parts.join(',')} ${timestampMs}`;
}

/**
 * Turns one scored observation into line protocol: an `actual` line, plus `forecast` and `anomaly` lines when
 * the record carries them. Fields whose value is NaN/±Infinity are left out (counted in `opts.skipped`), a
 * line left without fields is dropped (counted too). Timestamps are integer epoch milliseconds.
 */
export function toLines(record: PointRecord, opts: LineOptions): string[] {
  const ts = record.timestampMs;
  if (!Number.isFinite(ts)) {
    if (opts.skipped) opts.skipped.lines += 1 + (record.forecast ? 1 : 0) + (record.anomaly ? 1 : 0);
    return [];
  }
  const timestampMs = Math.trunc(ts);
  const base: Array<[string, string]> = [
    ...labelTags(record.labels, opts.tagAllowlist),
    [TAG.series, record.seriesId],
    [TAG.query, record.query],
    [TAG.source, record.source],
  ];
  // Tags are escaped once per record and shared by its lines.
  const baseTags = tagText(base);
  const modelTags = record.forecast
    ? tagText([...base, [TAG.modelVersion, record.forecast.modelVersion]])
    : baseTags;

  const out: Array<string | undefined> = [
    line(
      MEASUREMENT.actual,
      baseTags,
      [[FIELD.actual.value, { kind: 'float', value: record.actual }]],
      timestampMs,
      opts.skipped,
    ),
  ];
  const f = record.forecast;
  if (f) {
    out.push(
      line(
        MEASUREMENT.forecast,
        modelTags,
        [
          [FIELD.forecast.yhat, { kind: 'float', value: f.yhat }],
          [FIELD.forecast.yhatLower, { kind: 'float', value: f.lower }],
          [FIELD.forecast.yhatUpper, { kind: 'float', value: f.upper }],
        ],
        timestampMs,
        opts.skipped,
      ),
    );
  }
  const a = record.anomaly;
  if (a) {
    const A = FIELD.anomaly;
    out.push(
      line(
        MEASUREMENT.anomaly,
        modelTags,
        [
          [A.isAnomaly, { kind: 'bool', value: a.isAnomaly }],
          [A.score, { kind: 'float', value: a.score }],
          [A.confidence, { kind: 'float', value: a.confidence }],
          [A.threshold, { kind: 'float', value: a.threshold }],
          [A.direction, { kind: 'int', value: a.direction }],
          [A.severity, { kind: 'string', value: a.severity }],
          [A.episodeId, { kind: 'string', value: a.episodeId }],
        ],
        timestampMs,
        opts.skipped,
      ),
    );
  }
  return out.filter((l): l is string => l !== undefined);
}

/** Number of lines (InfluxDB points) in a line-protocol body: non-empty lines. */
export function countLines(body: string): number {
  let n = 0;
  for (const l of body.split('\n')) if (l.trim() !== '') n += 1;
  return n;
}
