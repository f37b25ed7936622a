/**
 * Value checkers for config leaves. Each turns a plain JS value (as parsed from YAML, or coerced from an
 * environment variable or flag) into the typed value, or explains exactly what was wrong and how to fix it.
 */
import { formatDurationMs, parseDurationMs, parseSizeBytes } from './units';

/** The outcome of checking one value. */
export type Checked =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** Checks one value; `message` of a failure reads after the key path, e.g. `must be a number > 0, got "high"`. */
export type Checker = (value: unknown) => Checked;

const ok = (value: unknown): Checked => ({ ok: true, value });
const fail = (message: string): Checked => ({ ok: false, message });

/** Describes a received value for an error message: strings quoted, structures named. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (the key has no value)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/** Numeric range; `gt`/`lt` are exclusive bounds, `min`/`max` inclusive. */
export interface NumberRange {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly gt?: number;
  readonly lt?: number;
}

/** `must be an integer from 1 to 65535`, `must be a number > 0`, `must be between 0 and 1 exclusive`. */
export function describeRange(r: NumberRange): string {
  const what = r.integer === true ? 'an integer' : 'a number';
  if (r.gt !== undefined && r.lt !== undefined)
    return `must be ${what} between ${r.gt} and ${r.lt} exclusive`;
  if (r.min !== undefined && r.max !== undefined) return `must be ${what} from ${r.min} to ${r.max}`;
  if (r.gt !== undefined && r.max !== undefined) return `must be ${what} > ${r.gt} and <= ${r.max}`;
  if (r.min !== undefined && r.lt !== undefined) return `must be ${what} >= ${r.min} and < ${r.lt}`;
  if (r.gt !== undefined) return `must be ${what} > ${r.gt}`;
  if (r.min !== undefined) return `must be ${what} >= ${r.min}`;
  return `must be ${what}`;
}

function inRange(n: number, r: NumberRange): boolean {
  if (r.integer === true && !Number.isInteger(n)) return false;
  if (r.min !== undefined && n < r.min) return false;
  if (r.max !== undefined && n > r.max) return false;
  if (r.gt !== undefined && n <= r.gt) return false;
  if (r.lt !== undefined && n >= r.lt) return false;
  return true;
}

/** A finite number within `range`. */
export function numberValue(range: NumberRange): Checker {
  const rule = describeRange(range);
  return (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const hint =
        typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? ' (remove the quotes)' : '';
      return fail(`${rule}, got ${describeValue(v)}${hint}`);
    }
    return inRange(v, range) ? ok(v) : fail(`${rule}, got ${v}`);
  };
}

/** `true` or `false` (YAML 1.2: `yes`/`on` are strings, so they are rejected with a hint). */
export function booleanValue(): Checker {
  return (v) => (typeof v === 'boolean' ? ok(v) : fail(`must be true or false, got ${describeValue(v)}`));
}

/** One of a fixed set of strings. */
export function enumValue(choices: readonly string[]): Checker {
  const list = choices.map((c) => JSON.stringify(c)).join(', ');
  return (v) =>
    typeof v === 'string' && choices.includes(v)
      ? ok(v)
      : fail(`must be one of ${list}, got ${describeValue(v)}`);
}

/** A string; `nonEmpty` rejects "" and whitespace. `secret` keeps the value out of messages. */
export function stringValue(
  opts: { nonEmpty?: boolean; secret?: boolean; pattern?: RegExp; rule?: string } = {},
): Checker {
  return (v) => {
    const shown = opts.secret === true ? '(hidden)' : describeValue(v);
    if (typeof v !== 'string') return fail(`must be a string, got ${shown}`);
    if (opts.nonEmpty === true && v.trim() === '') return fail('must not be empty');
    if (opts.pattern !== undefined && !opts.pattern.test(v)) {
      return fail(`${opts.rule ?? `must match ${String(opts.pattern)}`}, got ${shown}`);
    }
    return ok(v);
  };
}

/** An absolute http(s) URL; `allowEmpty` accepts "" (meaning: not configured). */
export function urlValue(opts: { allowEmpty?: boolean } = {}): Checker {
  const rule = 'must be an http:// or https:// URL such as "http://localhost:9090"';
  return (v) => {
    if (typeof v !== 'string') return fail(`${rule}, got ${describeValue(v)}`);
    if (v === '' && opts.allowEmpty === true) return ok(v);
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return fail(`${rule}, got ${describeValue(v)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return fail(`${rule}, got ${describeValue(v)} (scheme ${url.protocol.replace(':', '')})`);
    }
    return ok(v);
  };
}

const DURATION_RULE = 'must be a duration such as 500ms, 30s, 5m, 24h or 14d';
const SECONDS_RULE = 'must be a number of seconds or a duration such as 500ms, 30s, 5m, 24h or 14d';

/**
 * A duration string with units, returned in milliseconds (or seconds with `unit: 's'`). A bare number is
 * accepted as seconds only when `bareSeconds` is set (keys whose name or convention says seconds);
 * elsewhere it is ambiguous and rejected with a hint to add a unit.
 */
export function durationValue(opts: {
  min?: number;
  gt?: number;
  unit?: 'ms' | 's';
  bareSeconds?: boolean;
}): Checker {
  const rule = opts.bareSeconds === true ? SECONDS_RULE : DURATION_RULE;
  const bound =
    opts.gt !== undefined
      ? `must be longer than ${formatDurationMs(opts.gt)}`
      : `must be at least ${formatDurationMs(opts.min ?? 0)}`;
  return (v) => {
    let ms: number | undefined;
    if (typeof v === 'number' && Number.isFinite(v)) {
      if (opts.bareSeconds !== true) {
        return fail(`${rule}, got ${v} (add a unit, e.g. "${v}s" for ${v} seconds)`);
      }
      ms = v * 1000;
    } else if (typeof v === 'string') {
      ms = parseDurationMs(v);
    }
    if (ms === undefined) return fail(`${rule}, got ${describeValue(v)}`);
    const tooSmall = opts.gt !== undefined ? ms <= opts.gt : ms < (opts.min ?? 0);
    if (tooSmall) return fail(`${bound}, got ${describeValue(v)}`);
    return ok(opts.unit === 's' ? ms / 1000 : ms);
  };
}

/** A byte size (`64MiB`, `1GiB`, `500KB`) or a plain number of bytes, at least `min`. */
export function sizeValue(opts: { min?: number }): Checker {
  const rule = 'must be a size such as 64MiB, 1GiB or a number of bytes';
  return (v) => {
    let bytes: number | undefined;
    if (typeof v === 'number') bytes = Number.isInteger(v) ? v : undefined;
    else if (typeof v === 'string') bytes = parseSizeBytes(v);
    if (bytes === undefined) return fail(`${rule}, got ${describeValue(v)}`);
    if (bytes < (opts.min ?? 0))
      return fail(`must be a size of at least ${opts.min ?? 0} bytes, got ${describeValue(v)}`);
    return ok(bytes);
  };
}

/** A list of strings, each checked by `item`. */
export function stringListValue(item: Checker): Checker {
  return (v) => {
    if (!Array.isArray(v)) return fail(`must be a list of strings, got ${describeValue(v)}`);
    const out: unknown[] = [];
    for (const [i, el] of v.entries()) {
      const r = item(el);
      if (!r.ok) return fail(`item ${i}: ${r.message}`);
      out.push(r.value);
    }
    return ok(out);
  };
}
