/** Axis and scale arithmetic for the hand-written SVG charts. Pure; no DOM. */

/** A linear map from a data domain onto a pixel range. */
export interface LinearScale {
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  (value: number): number;
}

/**
 * A linear scale. A degenerate domain (min == max, e.g. a single point or a flat line) maps everything to
 * the middle of the range instead of dividing by zero.
 */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const fn = (value: number): number => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0));
  return Object.assign(fn, { domain, range });
}

/**
 * Round-number ticks (1, 2, 5 × 10^k) covering [min, max], about `count` of them, plus the step used.
 * Returns the domain widened to the outer ticks, so the axis starts and ends on a labelled value.
 */
export function niceTicks(
  min: number,
  max: number,
  count = 6,
): { readonly ticks: number[]; readonly step: number; readonly domain: [number, number] } {
  let lo = min;
  let hi = max;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  }
  if (lo === hi) {
    // A flat series still needs an axis; give it one unit (or 10 % of its magnitude) either side.
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / Math.max(1, count));
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Index-based so that floating-point accumulation cannot add or drop the last tick.
  const n = Math.round((end - start) / step);
  for (let i = 0; i <= n; i++) ticks.push(roundTo(start + i * step, step));
  return { ticks, step, domain: [start, end] };
}

/** Formats a value-axis tick with just enough decimals for `step`, switching to k/M/G for large values. */
export function formatTick(value: number, step: number): string {
  const abs = Math.max(Math.abs(value), step);
  for (const [factor, suffix] of SI_SUFFIXES) {
    // Four-digit values stay whole (2500 reads better than 2.5k); from 10 000 on, and for M/G, abbreviate.
    if (abs >= (suffix === 'k' ? factor * 10 : factor))
      return `${trim((value / factor).toFixed(decimalsFor(step / factor)))}${suffix}`;
  }
  return trim(value.toFixed(decimalsFor(step)));
}

/** One tick on the time axis. */
export interface TimeTick {
  readonly ms: number;
  /** Main label, e.g. `06:00` or `11-21`. */
  readonly label: string;
  /** Second line (the date) on the first tick and where the day changes; '' otherwise. */
  readonly sublabel: string;
}

/**
 * UTC ticks at a human interval (1 s … 1 year) chosen so that there are at most `maxTicks` (spans over
 * `maxTicks` years excepted). Sub-day intervals are aligned to UTC midnight so labels read 06:00, 12:00
 * rather than 06:17.
 */
export function timeTicks(startMs: number, endMs: number, maxTicks = 8): TimeTick[] {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) return [];
  const span = endMs - startMs;
  const interval =
    TIME_INTERVALS_MS.find((i) => span / i <= maxTicks - 1) ??
    TIME_INTERVALS_MS[TIME_INTERVALS_MS.length - 1] ??
    DAY_MS;
  const first = Math.ceil(startMs / interval) * interval;
  const ticks: TimeTick[] = [];
  let lastDay = '';
  for (let ms = first; ms <= endMs; ms += interval) {
    const iso = new Date(ms).toISOString();
    const day = iso.slice(0, 10);
    if (interval >= DAY_MS) {
      ticks.push({
        ms,
        label: iso.slice(5, 10),
        sublabel: day.slice(0, 4) !== lastDay.slice(0, 4) ? day.slice(0, 4) : '',
      });
    } else {
      const label = interval < MINUTE_MS ? iso.slice(11, 19) : iso.slice(11, 16);
      ticks.push({ ms, label, sublabel: day !== lastDay ? day : '' });
    }
    lastDay = day;
  }
  return ticks;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const TIME_INTERVALS_MS: readonly number[] = [
  SECOND_MS,
  5 * SECOND_MS,
  15 * SECOND_MS,
  30 * SECOND_MS,
  MINUTE_MS,
  5 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
  28 * DAY_MS,
  91 * DAY_MS,
  365 * DAY_MS,
];

const SI_SUFFIXES: readonly (readonly [number, string])[] = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const exp = Math.floor(Math.log10(rough));
  const base = 10 ** exp;
  const f = rough / base;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * base;
}

function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

function roundTo(value: number, step: number): number {
  const d = decimalsFor(step);
  const r = Number(value.toFixed(d));
  return r === 0 ? 0 : r; // no "-0" labels
}

function trim(fixed: string): string {
  const t = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return t === '-0' ? '0' : t;
}
