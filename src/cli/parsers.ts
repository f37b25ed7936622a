import { InvalidArgumentError } from 'commander';
import type { LogLevel, SourceMode } from '../config/types';
import { parseDurationMs } from '../config/units';
import type { InjectSpec } from './contexts';

// Flag parsers: each rejects a bad value with a message naming what is expected, so commander prints
// `error: option '--x <v>' argument 'y' is invalid. <message>` and exits 2.

export function parseNumberIn(min: number, max: number, { exclusiveMin = false } = {}) {
  return (raw: string): number => {
    const v = Number(raw);
    const lowOk = exclusiveMin ? v > min : v >= min;
    if (raw.trim() === '' || !Number.isFinite(v) || !lowOk || v > max) {
      throw new InvalidArgumentError(`Expected a number ${exclusiveMin ? '>' : '>='} ${min} and <= ${max}.`);
    }
    return v;
  };
}

export function parseInteger(min: number) {
  return (raw: string): number => {
    const v = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || v < min)
      throw new InvalidArgumentError(`Expected a whole number >= ${min}.`);
    return v;
  };
}

export function parseRatio(raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !(v > 0 && v < 1)) {
    throw new InvalidArgumentError('Expected a fraction between 0 and 1 (exclusive), e.g. 0.8.');
  }
  return v;
}

export function parseInject(raw: string): InjectSpec {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(raw.trim());
  if (pct) {
    const fraction = Number(pct[1]) / 100;
    if (fraction > 0 && fraction < 0.5) return { fraction };
  } else if (/^\d+$/.test(raw.trim()) && Number(raw) > 0) {
    return { count: Number(raw) };
  }
  throw new InvalidArgumentError(
    'Expected a count of anomalies (e.g. 20) or a share of points (e.g. 5%, below 50%).',
  );
}

export function parseStep(raw: string): number {
  const ms = parseDurationMs(raw) ?? NaN;
  if (!(ms >= 1000)) throw new InvalidArgumentError('Expected a duration of at least 1s, e.g. 30s, 5m, 1h.');
  return ms;
}

export function parseTimestamp(raw: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`);
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError('Expected an ISO 8601 time, e.g. 2026-01-05T00:00:00Z.');
  return ms;
}

export function parseChoice<T extends string>(choices: readonly T[]) {
  return (raw: string): T => {
    const hit = choices.find((c) => c === raw);
    if (hit === undefined) throw new InvalidArgumentError(`Expected one of: ${choices.join(', ')}.`);
    return hit;
  };
}

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
export const SOURCE_MODES: readonly SourceMode[] = ['auto', 'prometheus', 'simulator'];
