import { Random } from '../../domain/random';
import type { MetricKind } from './types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** Time scale over which the simulated trend saturates (it adds at most trendPerDay x this). */
const TREND_HORIZON_DAYS = 45;

/**
 * Derives an independent seed for one purpose, so adding a draw to one stream (say the noise) never shifts
 * another (the anomaly schedule), and the same host seed gives unrelated streams for cpu, memory and latency.
 */
export function subSeed(seed: number, purpose: number): number {
  return Math.floor(new Random((seed ^ Math.imul(purpose + 1, 0x9e3779b1)) >>> 0).next() * 4294967296);
}

/** One day type's load curve: a wide working-hours bump plus a narrower afternoon peak. */
interface DayShape {
  readonly peakHour: number;
  readonly wideCentreHour: number;
  readonly kappaWide: number;
  readonly kappaNarrow: number;
  readonly wideWeight: number;
  /** Height of this day type's maximum relative to a weekday's (weekday = 1). */
  readonly level: number;
  /** Divisor that makes the raw curve peak at `level`. */
  readonly norm: number;
}

/** A periodic bump (von Mises), 1 at `centre`, smooth across midnight. */
function bump(hour: number, centre: number, kappa: number): number {
  return Math.exp(kappa * (Math.cos((2 * Math.PI * (hour - centre)) / 24) - 1));
}

function rawShape(s: Omit<DayShape, 'norm'>, hour: number): number {
  return (
    s.wideWeight * bump(hour, s.wideCentreHour, s.kappaWide) +
    (1 - s.wideWeight) * bump(hour, s.peakHour, s.kappaNarrow)
  );
}

function makeShape(s: Omit<DayShape, 'norm'>): DayShape {
  let max = 0;
  for (let h = 0; h < 24; h += 1 / 60) max = Math.max(max, rawShape(s, h));
  // Fields listed, not spread: a spread gives every shape (two per live series) its own hidden class,
  // ~250 bytes each of V8 metadata at 10,000 series.
  return {
    peakHour: s.peakHour,
    wideCentreHour: s.wideCentreHour,
    kappaWide: s.kappaWide,
    kappaNarrow: s.kappaNarrow,
    wideWeight: s.wideWeight,
    level: s.level,
    norm: max / s.level,
  };
}

function shapeAt(s: DayShape, hour: number): number {
  return rawShape(s, hour) / s.norm;
}

/** 0 = Sunday ... 6 = Saturday (UTC). 1970-01-01 was a Thursday. */
function dayOfWeek(timestampMs: number): number {
  return (((Math.floor(timestampMs / DAY_MS) + 4) % 7) + 7) % 7;
}

function isWeekendDay(dow: number): boolean {
  return dow === 0 || dow === 6;
}

function smoothstep(x: number): number {
  const t = Math.min(1, Math.max(0, x));
  return t * t * (3 - 2 * t);
}

/** Soft clamp to [lo, hi]: identity inside, exponential approach within the knees; strictly increasing. */
function softBound(x: number, lo: number, hi: number, lowKnee: number, highKnee: number): number {
  if (x > hi - highKnee) return hi - highKnee * Math.exp(-(x - (hi - highKnee)) / highKnee);
  if (x < lo + lowKnee) return lo + lowKnee * Math.exp((x - (lo + lowKnee)) / lowKnee);
  return x;
}

/**
 * Storage for a profile's day shapes per time of day on one step's grid (see `SeriesProfile.cacheDayShapes`);
 * NaN = not computed yet. ~46 KB at a 30 s step: a daemon backfilling 10,000 series reuses one for all of
 * them rather than leave 10,000 such pairs of arrays for the collector and the C allocator to reclaim.
 */
export class DayShapeCache {
  readonly weekday: Float64Array;
  readonly weekend: Float64Array;

  private constructor(readonly stepMs: number) {
    const slots = DAY_MS / stepMs;
    this.weekday = new Float64Array(slots).fill(Number.NaN);
    this.weekend = new Float64Array(slots).fill(Number.NaN);
  }

  /** Storage for `stepMs`, or undefined when the step is not a whole number of ms dividing a day. */
  static forStep(stepMs: number): DayShapeCache | undefined {
    return Number.isInteger(stepMs) && stepMs > 0 && DAY_MS % stepMs === 0
      ? new DayShapeCache(stepMs)
      : undefined;
  }

  clear(): void {
    this.weekday.fill(Number.NaN);
    this.weekend.fill(Number.NaN);
  }
}

/**
 * Everything about one simulated series that does not change over time, drawn once from the seed. The clean
 * signal is a pure function of time, so late or irregular timestamps see the same shape as the backfill.
 *
 * The signal lives in a "latent" space where noise and anomalies are additive: percent for cpu and memory,
 * log-milliseconds for latency (so latency noise and spikes are multiplicative and right-skewed).
 */
export class SeriesProfile {
  readonly kind: MetricKind;
  private readonly startMs: number;
  private readonly weekday: DayShape;
  private readonly weekend: DayShape;
  /** Per-weekday load factor (index = day of week), 1 for weekend days whose level is in their shape. */
  private readonly dayFactor: readonly number[];
  private readonly base: number;
  private readonly amplitude: number;
  private readonly trendPerDay: number;
  private readonly noiseBase: number;
  private readonly noiseLoadGain: number;
  /** Correlation time of the AR(1)/Ornstein-Uhlenbeck noise. */
  readonly noiseTauMs: number;
  private readonly gcPeriodMs: number;
  private readonly gcGrowth: number;
  private readonly gcPhaseMs: number;
  private readonly gcSeed: number;
  /** The GC cycle whose growth was drawn last, and that growth: one draw per cycle instead of per reading. */
  private gcCycle = Number.NaN;
  private gcCycleGrowth = 0;
  /**
   * Day shapes by time of day on one step's grid (see {@link cacheDayShapes}); NaN = not computed yet.
   * Absent by default: it is ~46 KB at a 30 s step, worth it only while generating a long stretch.
   */
  private shapeCache: DayShapeCache | undefined;

  constructor(kind: MetricKind, seed: number, startMs: number) {
    this.kind = kind;
    this.startMs = startMs;
    // The day shape comes from the host seed alone: a host's cpu and latency peak at the same hour.
    const shape = new Random(subSeed(seed, 0));
    const peakHour = shape.uniform(13, 16);
    this.weekday = makeShape({
      peakHour,
      wideCentreHour: peakHour - shape.uniform(2.5, 4),
      kappaWide: shape.uniform(1.2, 1.8),
      kappaNarrow: shape.uniform(4, 7),
      wideWeight: shape.uniform(0.45, 0.6),
      level: 1,
    });
    // Weekends: lower, later and broader (people, not offices, drive the load).
    const weekendPeak = peakHour + shape.uniform(2, 4);
    this.weekend = makeShape({
      peakHour: weekendPeak,
      wideCentreHour: weekendPeak - shape.uniform(2, 3.5),
      kappaWide: shape.uniform(0.9, 1.3),
      kappaNarrow: shape.uniform(2.5, 4),
      wideWeight: shape.uniform(0.5, 0.7),
      level: shape.uniform(0.35, 0.6),
    });
    this.dayFactor = Array.from({ length: 7 }, (_, d) => (isWeekendDay(d) ? 1 : shape.uniform(0.93, 1.07)));

    const kindIndex = kind === 'cpu' ? 1 : kind === 'memory' ? 2 : 3;
    const p = new Random(subSeed(seed, 10 + kindIndex));
    const minute = 60_000;
    if (kind === 'cpu') {
      this.base = p.uniform(6, 15);
      this.amplitude = p.uniform(30, 55);
      this.trendPerDay = p.uniform(-0.3, 0.5);
      this.noiseBase = p.uniform(1.0, 2.0);
      this.noiseLoadGain = p.uniform(0.8, 1.5);
      this.noiseTauMs = p.uniform(10, 25) * minute;
    } else if (kind === 'memory') {
      this.base = p.uniform(35, 50);
      this.amplitude = p.uniform(4, 9);
      this.trendPerDay = p.uniform(0.05, 0.3);
      this.noiseBase = p.uniform(0.15, 0.35);
      this.noiseLoadGain = p.uniform(0.3, 0.8);
      this.noiseTauMs = p.uniform(20, 60) * minute;
    } else {
      this.base = Math.log(p.uniform(25, 120));
      // Peak-hour median latency is (1 + amplitude) times the idle median.
      this.amplitude = p.uniform(0.8, 2.5);
      this.trendPerDay = p.uniform(-0.002, 0.01);
      this.noiseBase = p.uniform(0.05, 0.1);
      this.noiseLoadGain = p.uniform(0.5, 1.0);
      this.noiseTauMs = p.uniform(5, 15) * minute;
    }
    // Memory only (drawn for every kind so the stream layout does not depend on the kind).
    this.gcPeriodMs = p.uniform(6, 30) * HOUR_MS;
    this.gcGrowth = p.uniform(4, 10);
    this.gcPhaseMs = p.uniform(0, 1) * this.gcPeriodMs;
    this.gcSeed = subSeed(seed, 40 + kindIndex);
  }

  /** Weekend weight in [0, 1], blended over the hour either side of midnight so the shape never jumps. */
  private weekendWeight(timestampMs: number): number {
    const midnight = Math.round(timestampMs / DAY_MS) * DAY_MS;
    const hoursFromMidnight = (timestampMs - midnight) / HOUR_MS;
    if (Math.abs(hoursFromMidnight) >= 1) return isWeekendDay(dayOfWeek(timestampMs)) ? 1 : 0;
    const before = isWeekendDay(dayOfWeek(midnight - 1)) ? 1 : 0;
    const after = isWeekendDay(dayOfWeek(midnight)) ? 1 : 0;
    return before + (after - before) * smoothstep((hoursFromMidnight + 1) / 2);
  }

  /**
   * Remembers the weekday and weekend shapes per time of day on the grid of `stepMs` (when it divides a
   * day), so generating weeks of readings evaluates each shape once per time of day instead of once per
   * reading (four exp and four cos each). The cached numbers are the very ones `load` would compute, so the
   * readings are bit-identical. For a generator that produces a long stretch at once and is then dropped.
   * With `storage`, the cache lives there (cleared first): a caller generating one series after another
   * hands the same storage to each in turn.
   */
  cacheDayShapes(stepMs: number, storage?: DayShapeCache): void {
    if (storage !== undefined && storage.stepMs === stepMs) {
      storage.clear();
      this.shapeCache = storage;
    } else {
      this.shapeCache = DayShapeCache.forStep(stepMs);
    }
  }

  /** Normalised load at a time: about 1 at a weekday peak, near 0 at night. */
  load(timestampMs: number): number {
    const msOfDay = ((timestampMs % DAY_MS) + DAY_MS) % DAY_MS;
    const hour = msOfDay / HOUR_MS;
    const w = this.weekendWeight(timestampMs);
    let weekdayShape: number;
    let weekendShape: number;
    const cache = this.shapeCache;
    const slot = cache === undefined ? -1 : msOfDay / cache.stepMs;
    if (cache !== undefined && Number.isInteger(slot)) {
      weekdayShape = cache.weekday[slot];
      if (Number.isNaN(weekdayShape)) {
        weekdayShape = shapeAt(this.weekday, hour);
        cache.weekday[slot] = weekdayShape;
        cache.weekend[slot] = shapeAt(this.weekend, hour);
      }
      weekendShape = cache.weekend[slot];
    } else {
      weekdayShape = shapeAt(this.weekday, hour);
      weekendShape = shapeAt(this.weekend, hour);
    }
    const weekday = weekdayShape * this.dayFactor[dayOfWeek(timestampMs)];
    return (1 - w) * weekday + w * weekendShape;
  }

  /** The highest load during the UTC day that starts at `dayStartMs` (1-minute resolution). */
  maxLoadOfDay(dayStartMs: number): number {
    let max = 0;
    for (let t = dayStartMs; t < dayStartMs + DAY_MS; t += 60_000) max = Math.max(max, this.load(t));
    return max;
  }

  /** The clean latent signal at a time for a given load (anomalies such as a missing peak pass a capped load). */
  latent(timestampMs: number, load: number): number {
    // The trend is linear over weeks but levels off over months, so a daemon left running for a year does
    // not simulate a host pinned at 100%.
    const days = TREND_HORIZON_DAYS * Math.tanh((timestampMs - this.startMs) / DAY_MS / TREND_HORIZON_DAYS);
    if (this.kind === 'latency')
      return this.base + Math.log1p(this.amplitude * load) + this.trendPerDay * days;
    let x = this.base + this.amplitude * load + this.trendPerDay * days;
    if (this.kind === 'memory') x += this.gcSawtooth(timestampMs);
    return x;
  }

  /**
   * Heap-like growth that drops back at each "GC": every cycle grows by a different amount (drawn per cycle
   * from its index, so it is a pure function of time).
   */
  private gcSawtooth(timestampMs: number): number {
    const sinceStart = timestampMs - this.startMs + this.gcPhaseMs;
    const cycle = Math.floor(sinceStart / this.gcPeriodMs);
    const fraction = sinceStart / this.gcPeriodMs - cycle;
    if (cycle !== this.gcCycle) {
      this.gcCycle = cycle;
      this.gcCycleGrowth =
        this.gcGrowth * new Random((this.gcSeed ^ Math.imul(cycle, 0x27d4eb2d)) >>> 0).uniform(0.6, 1.4);
    }
    return this.gcCycleGrowth * fraction;
  }

  /** Noise standard deviation (latent units): heteroscedastic, wider under load. */
  latentSigma(load: number): number {
    return this.noiseBase * (1 + this.noiseLoadGain * load);
  }

  /** Maps the latent value to the metric's units. */
  output(latent: number): number {
    if (this.kind === 'latency') return Math.exp(latent);
    // Percentages: utilisation cannot pass 100 and rarely sits at 0; soft so no value is clipped flat.
    return softBound(latent, 0, 100, 2, 5);
  }

  /** Noise standard deviation in value units at a clean latent level (first order for latency). */
  valueSigma(latentClean: number, load: number): number {
    const s = this.latentSigma(load);
    return this.kind === 'latency' ? Math.exp(latentClean) * s : s;
  }
}
