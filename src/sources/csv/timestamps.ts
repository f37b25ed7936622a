/**
 * Timestamp parsing for dataset files. Kept separate from the CSV reader because the NAB windows file uses the
 * same formats.
 */

/**
 * Epoch numbers below this are seconds, at or above it milliseconds. 1e11 seconds is the year 5138 and 1e11
 * milliseconds is 1973-03-03, so every realistic monitoring timestamp lands on the right side.
 */
export const EPOCH_MS_THRESHOLD = 1e11;

/** What a timestamp error message lists as the accepted formats. */
export const TIMESTAMP_FORMATS_HINT =
  'use ISO 8601 (2024-01-31T12:00:00Z), "YYYY-MM-DD HH:MM:SS" (UTC) or epoch seconds/milliseconds';

// Date, then optionally a 'T' or space, time with optional seconds and any number of fractional digits,
// then an optional zone (Z, ±HH:MM, ±HHMM or ±HH).
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const EPOCH_RE = /^\d+(?:\.\d+)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * Parses one timestamp to epoch milliseconds UTC, or returns `undefined` when the text is not a timestamp.
 *
 * Accepted:
 * - ISO 8601 date-times with `T` or a space between date and time, optional seconds and fractional seconds
 *   (rounded to the millisecond), and an optional offset `Z`, `±HH:MM`, `±HHMM` or `±HH`. No offset means UTC.
 * - A bare date `YYYY-MM-DD` (midnight UTC).
 * - Epoch numbers: below {@link EPOCH_MS_THRESHOLD} they are seconds, otherwise milliseconds.
 *
 * Calendar fields are range-checked (2023-02-29 is rejected, not rolled over).
 */
export function parseTimestamp(text: string): number | undefined {
  const s = text.trim();
  if (EPOCH_RE.test(s)) {
    const n = Number(s);
    if (!Number.isFinite(n)) return undefined;
    return n < EPOCH_MS_THRESHOLD ? Math.round(n * 1000) : Math.round(n);
  }
  const m = ISO_RE.exec(s);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fractionMs = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  // Date.UTC maps years 0-99 to 1900-1999; shifting by one 400-year Gregorian cycle (146097 days) avoids that.
  const utc = Date.UTC(year + 400, month - 1, day, hour, minute, second) - 146_097 * 86_400_000;
  return utc + fractionMs - offsetMinutes * 60_000;
}
