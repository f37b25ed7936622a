/**
 * Calendar phases (UTC) and Fourier features. Seasonal features depend only on the phase, which is what lets
 * the fit aggregate points into phase bins instead of touching a design row per point.
 */

export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const MS_PER_WEEK = 7 * MS_PER_DAY;
/** 1970-01-05T00:00Z was a Monday: the origin of the time-of-week phase and of day-of-week numbering. */
const MONDAY_EPOCH_MS = 4 * MS_PER_DAY;

/** Non-negative remainder. */
export function positiveMod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

/** Time of day in [0, 1), UTC. */
export function dayPhase(timestampMs: number): number {
  return positiveMod(timestampMs, MS_PER_DAY) / MS_PER_DAY;
}

/** Time of week in [0, 1), UTC, 0 at Monday 00:00. */
export function weekPhase(timestampMs: number): number {
  return positiveMod(timestampMs - MONDAY_EPOCH_MS, MS_PER_WEEK) / MS_PER_WEEK;
}

/** Day of week, 0 = Monday … 6 = Sunday (UTC). */
export function dayOfWeek(timestampMs: number): number {
  return Math.floor(positiveMod(timestampMs - MONDAY_EPOCH_MS, MS_PER_WEEK) / MS_PER_DAY);
}

/** Saturday or Sunday, UTC. */
export function isWeekendDay(day: number): boolean {
  return day >= 5;
}

/**
 * Writes the 2·order Fourier features [sin 2πφ, cos 2πφ, sin 4πφ, cos 4πφ, …] of phase φ into `out` at
 * `offset`. Harmonics come from the angle-addition recurrence (one sin/cos pair per call); its rounding
 * error grows like order·ε, negligible for the orders used here (≤ ~50).
 */
export function fourierInto(phase: number, order: number, out: Float64Array, offset: number): void {
  if (order <= 0) return;
  const angle = 2 * Math.PI * phase;
  const s1 = Math.sin(angle);
  const c1 = Math.cos(angle);
  let s = s1;
  let c = c1;
  for (let k = 0; k < order; k++) {
    out[offset + 2 * k] = s;
    out[offset + 2 * k + 1] = c;
    const sNext = s * c1 + c * s1;
    c = c * c1 - s * s1;
    s = sNext;
  }
}

/** Dot product of 2·order coefficients with the Fourier features of `phase`, without allocating. */
export function fourierDot(phase: number, order: number, coef: Float64Array): number {
  if (order <= 0) return 0;
  const angle = 2 * Math.PI * phase;
  const s1 = Math.sin(angle);
  const c1 = Math.cos(angle);
  let s = s1;
  let c = c1;
  let acc = 0;
  for (let k = 0; k < order; k++) {
    acc += coef[2 * k] * s + coef[2 * k + 1] * c;
    const sNext = s * c1 + c * s1;
    c = c * c1 - s * s1;
    s = sNext;
  }
  return acc;
}
