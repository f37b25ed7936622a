import { Random } from '../../../src/domain/random';
import type { TimeSeries } from '../../../src/domain/timeSeries';

/** 2024-01-01T00:00:00Z, a Monday. */
export const MONDAY_MS = 1_704_067_200_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface SyntheticSpec {
  /** Length of the series, days. */
  readonly days: number;
  readonly stepMs?: number;
  readonly startMs?: number;
  readonly level?: number;
  readonly slopePerDay?: number;
  /** Amplitude of the daily cycle: a·sin(2π·tod) + a/3·cos(4π·tod), tod in days. */
  readonly dailyAmp?: number;
  /** Amplitude of the weekly cycle: w·cos(2π·time-of-week). */
  readonly weeklyAmp?: number;
  /** Saturdays and Sundays get their daily cycle multiplied by this (1 = same as weekdays). */
  readonly weekendFactor?: number;
  /** Standard deviation of the (stationary) noise. */
  readonly noiseSd?: number;
  /** AR(1) coefficient of the noise, in [0, 1). */
  readonly ar?: number;
  readonly seed?: number;
}

/** The noiseless signal of a spec at one timestamp. */
export function signalAt(spec: SyntheticSpec, t: number): number {
  const start = spec.startMs ?? MONDAY_MS;
  const tDays = (t - start) / DAY_MS;
  const tod = (((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
  const dow = Math.floor(((((t - 4 * DAY_MS) % (7 * DAY_MS)) + 7 * DAY_MS) % (7 * DAY_MS)) / DAY_MS);
  const tow = ((((t - 4 * DAY_MS) % (7 * DAY_MS)) + 7 * DAY_MS) % (7 * DAY_MS)) / (7 * DAY_MS);
  const a = spec.dailyAmp ?? 0;
  const weekendFactor = dow >= 5 ? (spec.weekendFactor ?? 1) : 1;
  return (
    (spec.level ?? 100) +
    (spec.slopePerDay ?? 0) * tDays +
    weekendFactor * (a * Math.sin(2 * Math.PI * tod) + (a / 3) * Math.cos(4 * Math.PI * tod)) +
    (spec.weeklyAmp ?? 0) * Math.cos(2 * Math.PI * tow)
  );
}

/** A regular series following `spec`, with seeded Gaussian AR(1) noise. */
export function synthesize(spec: SyntheticSpec): TimeSeries {
  const stepMs = spec.stepMs ?? 5 * MINUTE_MS;
  const start = spec.startMs ?? MONDAY_MS;
  const n = Math.round((spec.days * DAY_MS) / stepMs);
  const rng = new Random(spec.seed ?? 1);
  const phi = spec.ar ?? 0;
  const sd = spec.noiseSd ?? 0;
  const innovation = sd * Math.sqrt(1 - phi * phi);
  const timestampsMs = new Float64Array(n);
  const values = new Float64Array(n);
  let e = sd * rng.normal();
  for (let i = 0; i < n; i++) {
    const t = start + i * stepMs;
    if (i > 0) e = phi * e + innovation * rng.normal();
    timestampsMs[i] = t;
    values[i] = signalAt(spec, t) + e;
  }
  return { timestampsMs, values, stepMs };
}

/** The first `n` points of a series (a copy). */
export function head(series: TimeSeries, n: number): TimeSeries {
  return {
    timestampsMs: series.timestampsMs.slice(0, n),
    values: series.values.slice(0, n),
    stepMs: series.stepMs,
  };
}

/** Points [from, to) of a series (a copy). */
export function slice(series: TimeSeries, from: number, to: number): TimeSeries {
  return {
    timestampsMs: series.timestampsMs.slice(from, to),
    values: series.values.slice(from, to),
    stepMs: series.stepMs,
  };
}
