import { UserError } from '../../domain/errors';
import { Random } from '../../domain/random';
import { DAY_MS, HOUR_MS, type SeriesProfile } from './profile';
import type { AnomalyType } from './types';

/** Share of anomalies drawn from the subtle end of the magnitude range. */
const SUBTLE_SHARE = 0.25;
/** Least time between the end of one anomaly and the start of the next in the streaming schedule. */
const MIN_GAP_MS = 6 * HOUR_MS;
const MIN_GAP_STEPS = 12;
/** Planned anomalies need this many steps per slot (a third of it stays clear on either side). */
const MIN_SLOT_STEPS = 12;

/** A scheduled anomaly: its window [startMs, endMs) and its drawn parameters. */
export interface ScheduledAnomaly {
  readonly type: AnomalyType;
  readonly startMs: number;
  readonly endMs: number;
  readonly subtle: boolean;
  /**
   * In noise widths for spike, dip, level_shift and drift (signed: the drift's final offset); the noise
   * multiplier for variance_burst; the load cap as a fraction of the day's maximum for missing_peak; unused
   * for flatline.
   */
  readonly magnitude: number;
  /** missing_peak only: the absolute load cap (magnitude x the day's maximum load). */
  readonly loadCap?: number;
}

/** Draws an anomaly's length; at least `minSteps` whole steps. */
function drawDurationMs(rng: Random, type: AnomalyType, stepMs: number): number {
  const steps = (ms: number, minSteps: number): number => Math.max(minSteps, Math.ceil(ms / stepMs)) * stepMs;
  switch (type) {
    case 'spike':
    case 'dip':
      return rng.int(1, 3) * stepMs;
    case 'level_shift':
      return steps(rng.uniform(1, 6) * HOUR_MS, 3);
    case 'drift':
      return steps(rng.uniform(2, 8) * HOUR_MS, 6);
    case 'variance_burst':
      return steps(rng.uniform(1, 4) * HOUR_MS, 6);
    case 'flatline':
      return steps(rng.uniform(1, 6) * HOUR_MS, 6);
    case 'missing_peak':
      return DAY_MS; // replaced by the day's peak window
  }
}

function drawMagnitude(rng: Random, type: AnomalyType, subtle: boolean): number {
  const sign = rng.next() < 0.5 ? -1 : 1;
  switch (type) {
    case 'spike':
      return subtle ? rng.uniform(3, 4.5) : rng.uniform(5, 10);
    case 'dip':
      return -(subtle ? rng.uniform(3, 4.5) : rng.uniform(5, 10));
    case 'level_shift':
      return sign * (subtle ? rng.uniform(2, 3) : rng.uniform(3.5, 7));
    case 'drift':
      return sign * (subtle ? rng.uniform(3, 5) : rng.uniform(6, 12));
    case 'variance_burst':
      return subtle ? rng.uniform(2, 3) : rng.uniform(3.5, 6);
    case 'missing_peak':
      return subtle ? rng.uniform(0.6, 0.75) : rng.uniform(0.3, 0.5);
    case 'flatline':
      return 0;
  }
}

/**
 * The first daily peak starting at or after `fromMs`: the minutes of that UTC day whose load is above
 * `capFraction` of the day's maximum. The load is capped there, so exactly those minutes change.
 */
function peakWindow(
  profile: SeriesProfile,
  fromMs: number,
  capFraction: number,
): { startMs: number; endMs: number; loadCap: number } {
  let dayStart = Math.floor(fromMs / DAY_MS) * DAY_MS;
  for (;;) {
    const loadCap = capFraction * profile.maxLoadOfDay(dayStart);
    let startMs = -1;
    let endMs = -1;
    for (let t = dayStart; t < dayStart + DAY_MS; t += 60_000) {
      if (profile.load(t) > loadCap) {
        if (startMs < 0) startMs = t;
        endMs = t + 60_000;
      }
    }
    if (startMs >= fromMs) return { startMs, endMs, loadCap };
    dayStart += DAY_MS;
  }
}

/** Rounds a time up onto the grid `originMs + k * stepMs`. */
function ceilToGrid(t: number, originMs: number, stepMs: number): number {
  return originMs + Math.ceil((t - originMs) / stepMs) * stepMs;
}

function makeAnomaly(
  rng: Random,
  profile: SeriesProfile,
  type: AnomalyType,
  startMs: number,
  stepMs: number,
  maxDurationMs = Infinity,
): ScheduledAnomaly {
  const subtle = rng.next() < SUBTLE_SHARE;
  const magnitude = drawMagnitude(rng, type, subtle);
  if (type === 'missing_peak') {
    return { type, subtle, magnitude, ...peakWindow(profile, startMs, magnitude) };
  }
  const duration = Math.min(drawDurationMs(rng, type, stepMs), Math.max(stepMs, maxDurationMs));
  return { type, startMs, endMs: startMs + duration, subtle, magnitude };
}

/** Answers "which anomaly covers this time?", drawing the schedule lazily as time advances. */
export interface AnomalySchedule {
  at(timestampMs: number): ScheduledAnomaly | undefined;
}

/** The empty schedule. */
export const NO_ANOMALIES: AnomalySchedule = { at: () => undefined };

/**
 * A Poisson schedule for the streaming generator: exponential gaps with mean `1 / ratePerDay` days after a
 * minimum gap, none before `originMs + quietStartMs`. It depends only on the seed and the options, never on
 * how often `at` is called, so the backfill and the live cycles agree on where anomalies are.
 */
export class PoissonSchedule implements AnomalySchedule {
  private readonly rng: Random;
  private readonly events: ScheduledAnomaly[] = [];
  private nextFromMs: number;
  private readonly minGapMs: number;

  constructor(
    seed: number,
    private readonly profile: SeriesProfile,
    private readonly ratePerDay: number,
    private readonly types: readonly AnomalyType[],
    private readonly originMs: number,
    private readonly stepMs: number,
    quietStartMs: number,
  ) {
    this.rng = new Random(seed);
    this.nextFromMs = originMs + quietStartMs;
    this.minGapMs = Math.max(MIN_GAP_MS, MIN_GAP_STEPS * stepMs);
  }

  at(timestampMs: number): ScheduledAnomaly | undefined {
    while (this.events.length === 0 || this.events[this.events.length - 1].startMs <= timestampMs) {
      this.draw();
    }
    // Keep a week behind the newest event for late timestamps; older history is never asked for again.
    while (
      this.events.length > 2 &&
      this.events[0].endMs < this.events[this.events.length - 1].startMs - 7 * DAY_MS
    ) {
      this.events.shift();
    }
    // A plain loop: this runs for every generated reading, and a closure per call is garbage per reading.
    for (const e of this.events) if (e.startMs <= timestampMs && timestampMs < e.endMs) return e;
    return undefined;
  }

  private draw(): void {
    const gapMs = (-Math.log(1 - this.rng.next()) / this.ratePerDay) * DAY_MS;
    const startMs = ceilToGrid(this.nextFromMs + gapMs, this.originMs, this.stepMs);
    const anomaly = makeAnomaly(this.rng, this.profile, this.rng.pick(this.types), startMs, this.stepMs);
    this.events.push(anomaly);
    this.nextFromMs = anomaly.endMs + this.minGapMs;
  }
}

/** Formats a duration for messages: "2 days", "6 hours", "5 minutes". */
function humanMs(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} hour${ms === HOUR_MS ? '' : 's'}`;
  return `${Math.round(ms / 60_000)} minutes`;
}

/**
 * Exactly `count` anomalies on the grid `startMs + k * stepMs` (k < points): the time after the quiet start is
 * cut into `count` equal slots and each anomaly sits inside its slot with clear time on both sides, so they
 * never touch. Types cycle through a fresh shuffle of `types` each round. A missing peak takes the first daily
 * peak in its slot; where no whole peak fits (slots shorter than about a day and a half) it becomes a level
 * shift.
 *
 * @throws UserError when the slots would be shorter than 12 steps.
 */
export function planAnomalies(
  seed: number,
  profile: SeriesProfile,
  count: number,
  types: readonly AnomalyType[],
  startMs: number,
  stepMs: number,
  points: number,
  quietStartMs: number,
): ScheduledAnomaly[] {
  if (count === 0) return [];
  const rng = new Random(seed);
  const from = startMs + quietStartMs;
  const to = startMs + points * stepMs;
  const slotMs = (to - from) / count;
  if (!(slotMs >= MIN_SLOT_STEPS * stepMs)) {
    const max = Math.max(0, Math.floor((to - from) / (MIN_SLOT_STEPS * stepMs)));
    throw new UserError(
      `cannot place ${count} anomalies in ${points} points after the ${humanMs(quietStartMs)} anomaly-free start (at most ${max}); ask for fewer anomalies or more points`,
    );
  }
  const order: AnomalyType[] = [];
  while (order.length < count) {
    const round = [...types];
    for (let i = round.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [round[i], round[j]] = [round[j], round[i]];
    }
    order.push(...round);
  }
  const planned: ScheduledAnomaly[] = [];
  for (let k = 0; k < count; k++) {
    const slotStart = from + k * slotMs;
    const slotEnd = slotStart + slotMs;
    const margin = slotMs / 6;
    let type = order[k];
    if (type === 'missing_peak') {
      // Only the start keeps the margin: the next slot's own margin still separates the two anomalies.
      const candidate = makeAnomaly(rng, profile, type, slotStart + margin, stepMs);
      if (candidate.endMs <= slotEnd) {
        planned.push(candidate);
        continue;
      }
      type = 'level_shift';
    }
    const room = slotMs - 2 * margin;
    const anomaly = makeAnomaly(rng, profile, type, 0, stepMs, room / 2);
    const duration = anomaly.endMs - anomaly.startMs;
    const start = ceilToGrid(slotStart + margin + rng.next() * (room - duration), startMs, stepMs);
    planned.push({ ...anomaly, startMs: start, endMs: start + duration });
  }
  return planned;
}

/** A fixed list of anomalies (from {@link planAnomalies}). */
export class PlannedSchedule implements AnomalySchedule {
  private cursor = 0;
  constructor(private readonly events: readonly ScheduledAnomaly[]) {}

  at(timestampMs: number): ScheduledAnomaly | undefined {
    // Calls come in time order; the cursor makes the scan linear over the series, and a late call rewinds.
    if (this.cursor > 0 && timestampMs < this.events[this.cursor - 1].endMs) this.cursor = 0;
    while (this.cursor < this.events.length && this.events[this.cursor].endMs <= timestampMs) this.cursor++;
    const e = this.events[this.cursor];
    return e !== undefined && e.startMs <= timestampMs ? e : undefined;
  }
}
