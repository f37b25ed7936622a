import type { EventMetrics } from './types';
import { harmonicF1, vacuousRatio } from './pointMetrics';

/** A closed time range [startMs, endMs], epoch milliseconds. */
export type TimeRange = readonly [startMs: number, endMs: number];

/** A ground-truth event located on the evaluated points. */
export interface LabelledEvent {
  /** Event start, epoch ms: the first labelled point, or the window's own start. */
  readonly startMs: number;
  /** Event end, epoch ms (inclusive). */
  readonly endMs: number;
  /** First and last point index inside the event; startIndex > endIndex when no point falls inside. */
  readonly startIndex: number;
  readonly endIndex: number;
}

const MS_PER_DAY = 86_400_000;

/** First index whose timestamp is >= t (timestamps ascending). */
export function lowerBound(timestampsMs: Float64Array, t: number): number {
  let lo = 0;
  let hi = timestampsMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestampsMs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose timestamp is > t (timestamps ascending). */
export function upperBound(timestampsMs: Float64Array, t: number): number {
  let lo = 0;
  let hi = timestampsMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestampsMs[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Maximal runs of consecutive indices where mask[i] = 1, as inclusive [start, end] index pairs. */
export function runsOf(mask: Uint8Array): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 1) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  if (start >= 0) runs.push([start, mask.length - 1]);
  return runs;
}

/** Events as maximal runs of consecutive labelled points. */
export function eventsFromLabels(timestampsMs: Float64Array, label: Uint8Array): LabelledEvent[] {
  return runsOf(label).map(([s, e]) => ({
    startMs: timestampsMs[s],
    endMs: timestampsMs[e],
    startIndex: s,
    endIndex: e,
  }));
}

/** Events from labelled windows; each keeps its own bounds and covers the points inside them. */
export function eventsFromWindows(
  timestampsMs: Float64Array,
  windows: readonly TimeRange[],
): LabelledEvent[] {
  return windows.map(([startMs, endMs]) => ({
    startMs,
    endMs,
    startIndex: lowerBound(timestampsMs, startMs),
    endIndex: upperBound(timestampsMs, endMs) - 1,
  }));
}

/** 1 for every point inside any of the windows. */
export function labelsFromWindows(timestampsMs: Float64Array, windows: readonly TimeRange[]): Uint8Array {
  const label = new Uint8Array(timestampsMs.length);
  for (const ev of eventsFromWindows(timestampsMs, windows)) label.fill(1, ev.startIndex, ev.endIndex + 1);
  return label;
}

/** Predicted episodes derived as maximal runs of flagged points. */
export function episodesFromFlags(timestampsMs: Float64Array, flagged: Uint8Array): TimeRange[] {
  return runsOf(flagged).map(([s, e]) => [timestampsMs[s], timestampsMs[e]] as const);
}

/**
 * The evaluated span in days: (last - first + one step) / 1 day, where the step is the median spacing, so n
 * points at step s count as n·s. 0 for an empty series.
 */
export function evaluatedDays(timestampsMs: Float64Array): number {
  const n = timestampsMs.length;
  if (n === 0) return 0;
  if (n === 1) return 0;
  const diffs = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) diffs[i - 1] = timestampsMs[i] - timestampsMs[i - 1];
  diffs.sort();
  const step = diffs[(n - 1) >>> 1];
  return (timestampsMs[n - 1] - timestampsMs[0] + step) / MS_PER_DAY;
}

/** Inputs of {@link eventMetrics}. */
export interface EventMetricsInput {
  readonly timestampsMs: Float64Array;
  /** 1 where the detector flagged the point. */
  readonly flagged: Uint8Array;
  /** Ground truth as point labels (events = maximal labelled runs). Ignored when `windows` is given. */
  readonly label?: Uint8Array;
  /** Ground truth as windows; takes precedence over `label`. */
  readonly windows?: readonly TimeRange[];
  /** Predicted episodes; derived as maximal runs of flagged points when absent. */
  readonly episodes?: readonly TimeRange[];
  /** Evaluated days for the false-alarm rate; defaults to {@link evaluatedDays}. */
  readonly days?: number;
}

/**
 * Event-level metrics.
 *
 * - An event is detected when any of its points is flagged. recall = detected / events (1 when there are no
 *   events).
 * - Time to detect = first flagged timestamp in the event − event start (window start for windows), seconds;
 *   the mean over detected events, null when none was detected.
 * - An episode overlapping an event (closed intervals) is a hit; one overlapping none is a false alarm.
 *   precision = hit episodes / episodes (1 when there are no episodes); F1 is the harmonic mean (0 when both
 *   are 0).
 * - false_alarms_per_day = false alarms / days, and 0 when the span is empty.
 */
export function eventMetrics(input: EventMetricsInput): EventMetrics {
  const { timestampsMs, flagged } = input;
  const events = input.windows
    ? eventsFromWindows(timestampsMs, input.windows)
    : input.label
      ? eventsFromLabels(timestampsMs, input.label)
      : [];
  const episodes = input.episodes ?? episodesFromFlags(timestampsMs, flagged);

  let detected = 0;
  let delaySumS = 0;
  for (const ev of events) {
    for (let i = ev.startIndex; i <= ev.endIndex; i++) {
      if (flagged[i] === 1) {
        detected++;
        delaySumS += (timestampsMs[i] - ev.startMs) / 1000;
        break;
      }
    }
  }

  let hits = 0;
  for (const [epStart, epEnd] of episodes) {
    if (events.some((ev) => epStart <= ev.endMs && epEnd >= ev.startMs)) hits++;
  }
  const falseAlarms = episodes.length - hits;
  const days = input.days ?? evaluatedDays(timestampsMs);

  const recall = vacuousRatio(detected, events.length);
  const precision = vacuousRatio(hits, episodes.length);
  return {
    recall,
    precision,
    f1: harmonicF1(precision, recall),
    detected,
    total: events.length,
    false_alarm_episodes: falseAlarms,
    false_alarms_per_day: days > 0 ? falseAlarms / days : 0,
    mean_time_to_detect_s: detected > 0 ? delaySumS / detected : null,
  };
}

/** Point-wise OR of two label arrays of the same length (`a` may be absent). Allocates a new array. */
export function unionLabels(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (!a) return b;
  return b.map((v, i) => v | a[i]);
}
