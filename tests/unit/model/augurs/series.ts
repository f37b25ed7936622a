import { Random } from '../../../../src/domain/random';
import type { TrainingInput } from '../../../../src/model/types';

/** 2024-01-01T00:00:00Z, a Monday. */
export const MONDAY_MS = 1_704_067_200_000;
export const DAY_MS = 86_400_000;
export const FIVE_MINUTES_MS = 300_000;

/** Level 100, daily cycle ±10, weekly cycle ±8 (high on Thursday, low on Sunday): peak to peak 36. */
export const AMPLITUDE = 36;
const NOISE_SD = 1.5;

/**
 * The noiseless signal at t (UTC, t >= MONDAY_MS): a daily sine plus a smooth weekly cycle. (A square
 * weekend drop would test Prophet's order-3 weekly Fourier series rather than the adapter: its trend
 * absorbs the unexplained drop at the end of the history and the forecast plunges.)
 */
export function signalAt(t: number): number {
  const tod = (t % DAY_MS) / DAY_MS;
  const tow = ((t - MONDAY_MS) % (7 * DAY_MS)) / (7 * DAY_MS); // 0 = Monday 00:00
  return 100 + 10 * Math.sin(2 * Math.PI * tod) + 8 * Math.cos(2 * Math.PI * (tow - 3 / 7));
}

/** `days` days of 5-minute samples from Monday 2024-01-01 (+ offsetDays), with seeded N(0, 1.5²) noise. */
export function dailyWeeklySeries(
  days: number,
  seed: number,
  offsetDays = 0,
  stepMs = FIVE_MINUTES_MS,
): TrainingInput {
  const n = Math.round((days * DAY_MS) / stepMs);
  const rng = new Random(seed);
  const startMs = MONDAY_MS + offsetDays * DAY_MS;
  const timestampsMs = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestampsMs[i] = startMs + i * stepMs;
    values[i] = signalAt(timestampsMs[i]) + NOISE_SD * rng.normal();
  }
  return { timestampsMs, values, stepMs };
}

/** Timestamps of one whole day, `dayIndex` days after Monday 2024-01-01. */
export function dayTimestamps(dayIndex: number, stepMs = FIVE_MINUTES_MS): Float64Array {
  const n = DAY_MS / stepMs;
  return Float64Array.from({ length: n }, (_, i) => MONDAY_MS + dayIndex * DAY_MS + i * stepMs);
}

export function meanAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

export function mean(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  return sum / a.length;
}

/** Share of actual[i] inside [lower[i], upper[i]]. */
export function coverage(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
): number {
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside++;
  return inside / actual.length;
}

/**
 * The training series with NaN at some points and huge excluded spikes at others, and the same series with
 * all those points removed: a forecaster that ignores NaN and excluded points fits both identically.
 */
export function corruptedAndClean(input: TrainingInput): { corrupted: TrainingInput; clean: TrainingInput } {
  const n = input.values.length;
  const values = Float64Array.from(input.values);
  const exclude = new Uint8Array(n);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 97 === 5 || (i >= 1000 && i < 1030)) values[i] = Number.NaN;
    else if (i % 101 === 7) {
      values[i] = 1e6;
      exclude[i] = 1;
    } else keep.push(i);
  }
  return {
    corrupted: { timestampsMs: input.timestampsMs, values, stepMs: input.stepMs, exclude },
    clean: {
      timestampsMs: Float64Array.from(keep, (i) => input.timestampsMs[i]),
      values: Float64Array.from(keep, (i) => input.values[i]),
      stepMs: input.stepMs,
    },
  };
}
