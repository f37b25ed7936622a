import { UserError } from '../../domain/errors';
import { Random } from '../../domain/random';
import { DAY_MS, SeriesProfile, subSeed } from './profile';
import {
  NO_ANOMALIES,
  planAnomalies,
  PlannedSchedule,
  PoissonSchedule,
  type AnomalySchedule,
  type ScheduledAnomaly,
} from './schedule';
import {
  ANOMALY_TYPES,
  METRIC_KINDS,
  type AnomalyEvent,
  type AnomalyType,
  type GeneratedPoint,
  type GeneratedSeries,
  type GenerateSeriesOptions,
  type MetricKind,
  type SeriesGenerator,
  type SeriesGeneratorOptions,
} from './types';

/** Defaults of the generator options. */
export const DEFAULT_SIMULATION = {
  anomalyRatePerDay: 0,
  quietStartMs: 2 * DAY_MS,
  anomalyTypes: ANOMALY_TYPES,
} as const;

/** Stream purposes for `subSeed` (the profile uses 0, 10+kind and 40+kind). */
const NOISE_STREAM = 20;
const SCHEDULE_STREAM = 30;

function kindIndex(kind: MetricKind): number {
  return METRIC_KINDS.indexOf(kind) + 1;
}

function validate(
  kind: MetricKind,
  stepMs: number,
  startMs: number,
  types: readonly AnomalyType[],
  quietStartMs: number,
): void {
  if (!METRIC_KINDS.includes(kind)) {
    throw new UserError(
      `unknown simulated metric kind "${String(kind)}"; use one of ${METRIC_KINDS.join(', ')}`,
    );
  }
  if (!(Number.isFinite(stepMs) && stepMs > 0)) {
    throw new UserError(`the simulation step must be a positive number of milliseconds, got ${stepMs}`);
  }
  if (!Number.isFinite(startMs))
    throw new UserError(`the simulation start must be a finite time, got ${startMs}`);
  if (!(Number.isFinite(quietStartMs) && quietStartMs >= 0)) {
    throw new UserError(`the anomaly-free start must be 0 or more milliseconds, got ${quietStartMs}`);
  }
  if (types.length === 0) throw new UserError('the list of anomaly types is empty; name at least one');
  for (const t of types) {
    if (!ANOMALY_TYPES.includes(t)) {
      throw new UserError(`unknown anomaly type "${String(t)}"; use any of ${ANOMALY_TYPES.join(', ')}`);
    }
  }
}

function validateRate(rate: number): void {
  if (!(Number.isFinite(rate) && rate >= 0)) {
    throw new UserError(`the anomaly rate must be 0 or more per day, got ${rate}`);
  }
}

/** The engine behind both public entry points: a profile, a noise process and an anomaly schedule. */
class Engine implements SeriesGenerator {
  private readonly noiseRng: Random;
  /** Unit-variance Ornstein-Uhlenbeck state: AR(1) at any spacing, with phi = exp(-dt / tau). */
  private z = 0;
  // Numbers plus flags rather than `number | undefined`: V8 keeps a field that only ever holds numbers as a
  // double in place, while one that was ever undefined boxes every stored number (garbage per reading).
  private started = false;
  private lastMs = 0;
  /** The AR(1) coefficients of the last spacing: readings on a grid reuse them (no exp or sqrt per reading). */
  private phiDtMs = Number.NaN;
  private phi = 0;
  private innovation = 0;
  private hasLastLatent = false;
  private lastLatent = 0;
  /**
   * Set by `skip`: the reading whose latent value was not computed (time and noise state). Fields rather
   * than an object: `skip` runs for every reading of a fast-forwarded backfill.
   */
  private hasPending = false;
  private pendingMs = 0;
  private pendingZ = 0;
  private stuck: { anomaly: ScheduledAnomaly; latent: number } | undefined;
  /** The anomaly behind the latest labelled point, for `generateSeries` to group points into events. */
  lastAnomaly: ScheduledAnomaly | undefined;

  constructor(
    private readonly profile: SeriesProfile,
    private readonly schedule: AnomalySchedule,
    private readonly stepMs: number,
    seed: number,
  ) {
    this.noiseRng = new Random(subSeed(seed, NOISE_STREAM + kindIndex(profile.kind)));
  }

  /** Advances the autocorrelated noise to `timestampMs` (unchanged for a time not after the last). */
  private advanceNoise(timestampMs: number): void {
    if (!this.started) {
      this.z = this.noiseRng.normal();
      this.started = true;
      this.lastMs = timestampMs;
    } else if (timestampMs > this.lastMs) {
      const dtMs = timestampMs - this.lastMs;
      if (dtMs !== this.phiDtMs) {
        this.phiDtMs = dtMs;
        this.phi = Math.exp(-dtMs / this.profile.noiseTauMs);
        this.innovation = Math.sqrt(1 - this.phi * this.phi);
      }
      this.z = this.phi * this.z + this.innovation * this.noiseRng.normal();
      this.lastMs = timestampMs;
    }
  }

  skip(timestampMs: number): void {
    if (this.schedule.at(timestampMs) !== undefined) {
      // A reading an anomaly may touch is computed (a flatline holds it; the label needs it).
      this.nextValue(timestampMs);
      return;
    }
    this.advanceNoise(timestampMs);
    // The latent value is only ever read by a flatline that starts at the next reading: computed then.
    this.hasPending = true;
    this.pendingMs = timestampMs;
    this.pendingZ = this.z;
    this.lastAnomaly = undefined;
  }

  /** The latent value of the previous reading, computing it if that reading was skipped. */
  private previousLatent(): number | undefined {
    if (!this.hasPending) return this.hasLastLatent ? this.lastLatent : undefined;
    const pendingMs = this.pendingMs;
    const p = this.profile;
    const load = p.load(pendingMs);
    return p.latent(pendingMs, load) + p.latentSigma(load) * this.pendingZ;
  }

  nextValue(timestampMs: number): number {
    const anomaly = this.schedule.at(timestampMs);
    this.advanceNoise(timestampMs);
    const p = this.profile;
    const load = p.load(timestampMs);
    const clean = p.latent(timestampMs, load);
    const sigma = p.latentSigma(load);
    const normal = clean + sigma * this.z;
    if (anomaly === undefined) {
      this.lastLatent = normal;
      this.hasLastLatent = true;
      this.hasPending = false;
      this.lastAnomaly = undefined;
      return p.output(normal);
    }
    // As `next`, without building the reading (hours of a backfill can lie inside anomalies).
    const latent = this.applyAnomaly(anomaly, timestampMs, load, normal, sigma);
    this.lastLatent = latent;
    this.hasLastLatent = true;
    this.hasPending = false;
    const value = p.output(latent);
    this.lastAnomaly = value !== p.output(normal) ? anomaly : undefined;
    return value;
  }

  next(timestampMs: number): GeneratedPoint {
    this.advanceNoise(timestampMs);
    const p = this.profile;
    const load = p.load(timestampMs);
    const clean = p.latent(timestampMs, load);
    const sigma = p.latentSigma(load);
    const normal = clean + sigma * this.z;
    const anomaly = this.schedule.at(timestampMs);
    const latent =
      anomaly === undefined ? normal : this.applyAnomaly(anomaly, timestampMs, load, normal, sigma);
    this.lastLatent = latent;
    this.hasLastLatent = true;
    this.hasPending = false;

    const value = p.output(latent);
    // The label is the truth of what happened: a point is anomalous exactly when the anomaly changed its
    // value. Edges of a missing peak, where the load is under the cap anyway, stay normal.
    const changed = value !== p.output(normal);
    this.lastAnomaly = changed ? anomaly : undefined;
    const base = { value, expected: p.output(clean), noiseSigma: p.valueSigma(clean, load) };
    return changed && anomaly !== undefined
      ? { ...base, label: 1, anomalyType: anomaly.type }
      : { ...base, label: 0 };
  }

  private applyAnomaly(a: ScheduledAnomaly, t: number, load: number, normal: number, sigma: number): number {
    const p = this.profile;
    switch (a.type) {
      case 'spike':
      case 'dip':
        return normal + a.magnitude * sigma;
      case 'level_shift':
        return normal + a.magnitude * p.latentSigma(p.load(a.startMs));
      case 'drift': {
        // The window is whole steps: the offset is one step's worth at its first point, full at its last.
        const fraction = Math.min(1, (t - a.startMs + this.stepMs) / (a.endMs - a.startMs));
        return normal + fraction * a.magnitude * p.latentSigma(p.load(a.startMs));
      }
      case 'variance_burst':
        return normal + (a.magnitude - 1) * sigma * this.z;
      case 'missing_peak': {
        const cap = a.loadCap ?? load;
        return load > cap ? normal - p.latent(t, load) + p.latent(t, cap) : normal;
      }
      case 'flatline': {
        if (this.stuck?.anomaly !== a) {
          // Frozen at the last value before the window (the noise-free level if there was none).
          const held = this.previousLatent() ?? p.latent(a.startMs, p.load(a.startMs));
          this.stuck = { anomaly: a, latent: held };
        }
        return this.stuck.latent;
      }
    }
  }
}

/**
 * A stateful, seeded simulated metric for the daemon's live simulator: a daily shape (morning ramp,
 * afternoon peak, night trough) with a lower, later weekend shape (Saturday and Sunday UTC), a slow trend,
 * AR(1) noise whose width grows with load, and labelled anomalies at `anomalyRatePerDay`.
 *
 * Pure: no clock and no I/O; the same options and the same sequence of `next` calls give the same readings.
 * Anomaly positions depend on the seed and options only, not on the call times.
 *
 * @throws UserError for an unknown kind or anomaly type, a non-positive step or a negative rate.
 */
export function createSeriesGenerator(options: SeriesGeneratorOptions): SeriesGenerator {
  return streamingEngine(options);
}

function streamingEngine(options: SeriesGeneratorOptions): Engine {
  const types = options.anomalyTypes ?? DEFAULT_SIMULATION.anomalyTypes;
  const quietStartMs = options.quietStartMs ?? DEFAULT_SIMULATION.quietStartMs;
  const rate = options.anomalyRatePerDay ?? DEFAULT_SIMULATION.anomalyRatePerDay;
  validate(options.kind, options.stepMs, options.startMs, types, quietStartMs);
  validateRate(rate);
  const profile = new SeriesProfile(options.kind, options.seed, options.startMs);
  const shapes = options.cacheDayShapes;
  if (shapes !== undefined && shapes !== false)
    profile.cacheDayShapes(options.stepMs, shapes === true ? undefined : shapes);
  const schedule =
    rate === 0
      ? NO_ANOMALIES
      : new PoissonSchedule(
          subSeed(options.seed, SCHEDULE_STREAM + kindIndex(options.kind)),
          profile,
          rate,
          types,
          options.startMs,
          options.stepMs,
          quietStartMs,
        );
  return new Engine(profile, schedule, options.stepMs, options.seed);
}

/**
 * A complete simulated series on a regular grid with its ground truth, for `anomalyd simulate`, tests and
 * benchmarks. With `anomalies: n` exactly n anomalies are spread over the series (every type appears once n
 * reaches the number of types); with `anomalyRatePerDay` they land as in {@link createSeriesGenerator} (the
 * output equals calling `next` at each grid time). No anomalies before `quietStartMs` (default 2 days).
 *
 * @throws UserError for invalid options, both `anomalies` and `anomalyRatePerDay` given, or more anomalies
 *   than fit (each needs a slot of 12 steps).
 */
export function generateSeries(options: GenerateSeriesOptions): GeneratedSeries {
  const { kind, seed, startMs, stepMs, points } = options;
  if (!(Number.isInteger(points) && points >= 1)) {
    throw new UserError(`the number of points must be a whole number of at least 1, got ${points}`);
  }
  if (options.anomalies !== undefined && options.anomalyRatePerDay !== undefined) {
    throw new UserError('give either an anomaly count or an anomaly rate per day, not both');
  }
  const count = options.anomalies ?? 0;
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new UserError(`the anomaly count must be a whole number of 0 or more, got ${count}`);
  }
  const types = options.anomalyTypes ?? DEFAULT_SIMULATION.anomalyTypes;
  const quietStartMs = options.quietStartMs ?? DEFAULT_SIMULATION.quietStartMs;
  validate(kind, stepMs, startMs, types, quietStartMs);

  let engine: Engine;
  if (options.anomalyRatePerDay !== undefined) {
    engine = streamingEngine({
      kind,
      seed,
      stepMs,
      startMs,
      anomalyRatePerDay: options.anomalyRatePerDay,
      anomalyTypes: types,
      quietStartMs,
      cacheDayShapes: true,
    });
  } else {
    const profile = new SeriesProfile(kind, seed, startMs);
    profile.cacheDayShapes(stepMs);
    const scheduleSeed = subSeed(seed, SCHEDULE_STREAM + kindIndex(kind));
    const planned = planAnomalies(scheduleSeed, profile, count, types, startMs, stepMs, points, quietStartMs);
    engine = new Engine(
      profile,
      planned.length === 0 ? NO_ANOMALIES : new PlannedSchedule(planned),
      stepMs,
      seed,
    );
  }

  const timestampsMs = new Float64Array(points);
  const values = new Float64Array(points);
  const labels = new Uint8Array(points);
  const expected = new Float64Array(points);
  const events: AnomalyEvent[] = [];
  let current: ScheduledAnomaly | undefined;
  let sumSquaredSigma = 0;
  for (let i = 0; i < points; i++) {
    const t = startMs + i * stepMs;
    const point = engine.next(t);
    timestampsMs[i] = t;
    values[i] = point.value;
    labels[i] = point.label;
    expected[i] = point.expected;
    sumSquaredSigma += point.noiseSigma * point.noiseSigma;
    const a = engine.lastAnomaly;
    if (a !== undefined) {
      if (a !== current) {
        events.push({ type: a.type, startMs: t, endMs: t, subtle: a.subtle });
        current = a;
      } else {
        const last = events[events.length - 1];
        events[events.length - 1] = { ...last, endMs: t };
      }
    }
  }
  return {
    series: { timestampsMs, values, stepMs, labels },
    events,
    noiseSigma: Math.sqrt(sumSquaredSigma / points),
    expected,
  };
}
