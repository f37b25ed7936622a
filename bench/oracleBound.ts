/**
 * `node dist/bench/oracleBound.js [--seeds 16] [--from 101] [--calib-from 501] [--budget 0.2]`: how much event
 * recall the synthetic suite's 5-minute series allow at a given false-alarm budget, and how much of the gap
 * between that and the default detector is the model's and how much the detector's.
 *
 * Three detectors are compared on the same series, test weeks and event counting (bench/synthetic.ts):
 * - `oracle`: textbook statistics on the exact noise. It knows what the generator knows — the noise-free
 *   signal, the noise's width at every point and its correlation time — so its residual is exactly the
 *   unit Ornstein–Uhlenbeck noise and its innovations are i.i.d. N(0, 1) outside anomalies. It runs a
 *   Shewhart test on the innovations (spikes, step onsets), two-sided CUSUMs on them (small persistent
 *   shifts, drifts), window means of the residual over 30 min, 2 h and 6 h against their exact null spread
 *   (level shifts, missing peaks), a variance CUSUM (bursts) and exact repeats (flatlines).
 * - `model`: the same statistics on the default model's residuals from the suite's protocol (daily refits),
 *   standardised by the model's own 95% interval, with the residual's lag-1 autocorrelation from a fit on
 *   the training weeks.
 * - `anomalyd`: the product's detector, as the suite runs it.
 * Each statistic's threshold is set on anomaly-free series of other seeds (`--calib-from`) so that it alone
 * raises `budget / statistics` false episodes per series-day; their union is then judged on the anomalous
 * series. The oracle is not the best possible detector (nothing is optimised jointly), so its recall is what
 * a perfect model with standard statistics reaches — a floor under the attainable, not a ceiling. Its use is
 * the comparison: per anomaly type, what a perfect model buys over ours (oracle vs model), and what standard
 * statistics on our own residuals would give over our rules (model vs anomalyd).
 */
import { createForecaster } from '../src/model/forecaster';
import { seasonalOptionsOf } from '../src/pipeline/forecasterFactory';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import { eventMetrics, evaluatedDays } from '../src/evaluate';
import type { EventMetrics } from '../src/evaluate/types';
import { ANOMALY_TYPES, type AnomalyType, type MetricKind } from '../src/sources/simulator';
import { SeriesProfile } from '../src/sources/simulator/profile';
import type { GeneratedSeries } from '../src/sources/simulator/types';
import { normalQuantile } from '../src/model/stats';
import { dayOfWeek } from '../src/model/fourier';
import type { EvaluationOutput } from '../src/pipeline/evaluation';
import { BENCH_START_MS } from './speed';
import {
  generateSpec,
  runProtocol,
  spec5m,
  SYNTHETIC_KINDS,
  tallyByType,
  type SyntheticSpec,
} from './synthetic';

interface Args {
  /** Overrides of the seasonal model's options for the `model` and `anomalyd` rows (`--model weeklyOrder=10`). */
  model: Record<string, number>;
  seeds: number;
  from: number;
  calibFrom: number;
  budget: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { model: {}, seeds: 16, from: 101, calibFrom: 501, budget: 0.2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--model') {
      const [key, value] = (argv[++i] ?? '').split('=');
      args.model[key] = Number(value);
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
    if (a === '--seeds') args.seeds = v;
    else if (a === '--from') args.from = v;
    else if (a === '--calib-from') args.calibFrom = v;
    else if (a === '--budget') args.budget = v;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** Window lengths (points at 5 minutes) of the window-mean statistics: 30 min, 2 h, 6 h. */
const WINDOWS = [6, 24, 72] as const;
/** CUSUM allowances, in innovation sds: a shift of twice the allowance is what each is tuned for. */
const CUSUM_K = [0.25, 0.5, 1] as const;
/** The variance CUSUM is tuned for a noise widened 2x (log-likelihood ratio per point). */
const BURST_RATIO = 2;

const STATISTICS = [
  'shewhart',
  ...CUSUM_K.map((k) => `cusum k=${k}`),
  ...WINDOWS.map((w) => `mean ${w}`),
  'variance',
  'repeat',
] as const;
type StatisticName = (typeof STATISTICS)[number];

/** A standardised residual with its one-step autocorrelation, per point of a whole series. */
interface Residual {
  readonly e: Float64Array;
  readonly phi: number;
}

/**
 * Every statistic's value per point (larger = more anomalous, comparable with a threshold), from the
 * standardised residual e (unit variance, AR(1) with coefficient phi under the null) and the raw values.
 */
function statistics(r: Residual, values: Float64Array): Float64Array[] {
  const n = r.e.length;
  const { e, phi } = r;
  const innovationSd = Math.sqrt(Math.max(1 - phi * phi, 1e-12));
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = i === 0 ? e[0] : (e[i] - phi * e[i - 1]) / innovationSd;
  const out: Float64Array[] = [];
  const shewhart = new Float64Array(n);
  for (let i = 0; i < n; i++) shewhart[i] = Math.abs(u[i]);
  out.push(shewhart);
  for (const k of CUSUM_K) {
    const c = new Float64Array(n);
    let up = 0;
    let down = 0;
    for (let i = 0; i < n; i++) {
      up = Math.max(0, up + u[i] - k);
      down = Math.max(0, down - u[i] - k);
      c[i] = Math.max(up, down);
    }
    out.push(c);
  }
  for (const w of WINDOWS) {
    // Null variance of a w-point mean of a unit AR(1): (w + 2 Σ_{j<w} (w−j) φ^j) / w².
    let acc = w;
    let p = 1;
    for (let j = 1; j < w; j++) {
      p *= phi;
      acc += 2 * (w - j) * p;
    }
    const sd = Math.sqrt(acc) / w;
    const m = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += e[i];
      if (i >= w) sum -= e[i - w];
      m[i] = i >= w - 1 ? Math.abs(sum / w) / sd : 0;
    }
    out.push(m);
  }
  const variance = new Float64Array(n);
  const a = 0.5 * (1 - 1 / (BURST_RATIO * BURST_RATIO));
  const b = Math.log(BURST_RATIO);
  let s = 0;
  for (let i = 0; i < n; i++) {
    s = Math.max(0, s + a * u[i] * u[i] - b);
    variance[i] = s;
  }
  out.push(variance);
  const repeat = new Float64Array(n);
  let run = 0;
  for (let i = 1; i < n; i++) {
    run = values[i] === values[i - 1] ? run + 1 : 0;
    repeat[i] = run;
  }
  out.push(repeat);
  return out;
}

/** Flags of the test part where any statistic reaches its threshold, gaps up to `gap` points closed. */
function flagsOf(
  stats: readonly Float64Array[],
  thresholds: readonly number[],
  from: number,
  gap: number,
): Uint8Array {
  const m = stats[0].length - from;
  const flagged = new Uint8Array(m);
  for (let s = 0; s < stats.length; s++) {
    const v = stats[s];
    const h = thresholds[s];
    for (let i = 0; i < m; i++) if (v[from + i] >= h) flagged[i] = 1;
  }
  let last = -1;
  for (let i = 0; i < m; i++) {
    if (flagged[i] !== 1) continue;
    if (last >= 0 && i - last - 1 <= gap) flagged.fill(1, last + 1, i);
    last = i;
  }
  return flagged;
}

/** The inverse of the generator's soft clamp of percentages (profile.ts `softBound`, lo 0, hi 100, knees 2 and 5). */
function unclamp(v: number): number {
  const hi = 100;
  const highKnee = 5;
  const lowKnee = 2;
  if (v > hi - highKnee) return hi - highKnee - highKnee * Math.log((hi - v) / highKnee);
  if (v < lowKnee) return lowKnee + lowKnee * Math.log(v / lowKnee);
  return v;
}

/** The exact noise of a generated series: (latent − clean latent) / latent sigma, and the noise's AR coefficient. */
function oracleResidual(spec: SyntheticSpec, g: GeneratedSeries): Residual {
  const profile = new SeriesProfile(spec.kind, spec.seed, BENCH_START_MS);
  const { timestampsMs: ts, values } = g.series;
  const e = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const load = profile.load(ts[i]);
    const latent = spec.kind === 'latency' ? Math.log(values[i]) : unclamp(values[i]);
    e[i] = (latent - profile.latent(ts[i], load)) / profile.latentSigma(load);
  }
  return { e, phi: Math.exp(-spec.stepMs / profile.noiseTauMs) };
}

/**
 * The default model's forecast and scale over the test weeks of the suite's protocol: the centre of its own
 * 95% interval and the interval's half-width in normal units (its residual quantiles are near-symmetric).
 */
interface ModelForecast {
  readonly centre: Float64Array;
  readonly scale: Float64Array;
}

function modelForecast(out: EvaluationOutput): ModelForecast {
  const p = out.points;
  const z975 = normalQuantile(0.975);
  const m = p.actual.length;
  const centre = new Float64Array(m).fill(Number.NaN);
  const scale = new Float64Array(m).fill(Number.NaN);
  for (let i = 0; i < m; i++) {
    const lo = p.modelLower?.[i] ?? Number.NaN;
    const hi = p.modelUpper?.[i] ?? Number.NaN;
    centre[i] = (lo + hi) / 2;
    scale[i] = (hi - lo) / (2 * z975);
  }
  return { centre, scale };
}

/**
 * The default model's standardised residuals over the test weeks (before them: 0), with the residual lag-1
 * autocorrelation the model learnt on the training weeks.
 */
function modelResidual(
  out: EvaluationOutput,
  { centre, scale }: ModelForecast,
  length: number,
  testStart: number,
): Residual {
  const e = new Float64Array(length);
  for (let i = 0; i < centre.length; i++) {
    const v = (out.points.actual[i] - centre[i]) / scale[i];
    e[testStart + i] = Number.isFinite(v) ? v : 0;
  }
  const phi = out.backtest.initialModel.metrics.residualLag1;
  return { e, phi: typeof phi === 'number' && Number.isFinite(phi) ? phi : 0 };
}

/**
 * Over the test weeks, in units of the model's scale: the forecast's own error (forecast − the generator's
 * noise-free value) and the noise (actual − noise-free value).
 */
function forecastError(
  out: EvaluationOutput,
  { centre, scale }: ModelForecast,
  g: GeneratedSeries,
  testStart: number,
): { misfit: Float64Array; noise: Float64Array } {
  const misfit = new Float64Array(centre.length);
  const noise = new Float64Array(centre.length);
  for (let i = 0; i < centre.length; i++) {
    const truth = g.expected[testStart + i];
    misfit[i] = (centre[i] - truth) / scale[i];
    noise[i] = (out.points.actual[i] - truth) / scale[i];
  }
  return { misfit, noise };
}

type Source = 'oracle' | 'model';

interface Prepared {
  readonly spec: SyntheticSpec;
  readonly g: GeneratedSeries;
  readonly testStart: number;
  /** The test part's timestamps and its length in days (for every count of false episodes per day). */
  readonly testTs: Float64Array;
  readonly testDays: number;
  readonly stats: Record<Source, Float64Array[]>;
  /** The product's flags over the test part and its own event metrics (episodes as it counts them). */
  readonly flagged: Uint8Array;
  readonly product: EventMetrics;
  /** See {@link forecastError}. */
  readonly misfit: Float64Array;
  readonly noise: Float64Array;
}

function prepare(kind: MetricKind, seed: number, clean: boolean, model: Record<string, number>): Prepared {
  const base = spec5m(kind, seed);
  const spec = clean ? { ...base, anomalies: 0 } : base;
  const g = generateSpec(spec);
  const testStart = Math.round((spec.trainDays * 86_400_000) / spec.stepMs);
  const out = runProtocol(
    spec,
    g,
    createForecaster({ ...seasonalOptionsOf(DEFAULT_CONFIG.model), ...model }),
  );
  const values = g.series.values;
  const forecast = modelForecast(out);
  const testTs = g.series.timestampsMs.subarray(testStart);
  return {
    spec,
    g,
    testStart,
    testTs,
    testDays: evaluatedDays(testTs),
    stats: {
      oracle: statistics(oracleResidual(spec, g), values),
      model: statistics(modelResidual(out, forecast, values.length, testStart), values),
    },
    flagged: out.points.isAnomaly,
    product: out.result.event,
    ...forecastError(out, forecast, g, testStart),
  };
}

/** False episodes per series-day of one statistic at threshold h over anomaly-free series. */
function cleanRate(series: readonly Prepared[], source: Source, s: number, h: number, gap: number): number {
  let episodes = 0;
  let days = 0;
  for (const p of series) {
    const flagged = flagsOf([p.stats[source][s]], [h], p.testStart, gap);
    episodes += eventMetrics({ timestampsMs: p.testTs, flagged, days: p.testDays }).false_alarm_episodes;
    days += p.testDays;
  }
  return episodes / days;
}

/** The smallest threshold at which the statistic alone stays within `rate` false episodes per series-day. */
function calibrate(
  series: readonly Prepared[],
  source: Source,
  s: number,
  rate: number,
  gap: number,
): number {
  let lo = 0;
  let hi = 1;
  while (cleanRate(series, source, s, hi, gap) > rate) hi *= 2;
  for (let iter = 0; iter < 40; iter++) {
    const mid = (lo + hi) / 2;
    if (cleanRate(series, source, s, mid, gap) > rate) lo = mid;
    else hi = mid;
  }
  return hi;
}

interface Outcome {
  readonly detected: number;
  readonly total: number;
  readonly falseEpisodes: number;
  readonly days: number;
  readonly byType: Map<AnomalyType, { detected: number; total: number }>;
}

function emptyOutcome(): Outcome {
  return { detected: 0, total: 0, falseEpisodes: 0, days: 0, byType: new Map() };
}

function add(o: Outcome, p: Prepared, flagged: Uint8Array, m: EventMetrics): Outcome {
  const { byType } = tallyByType(p.g.events, { timestampsMs: p.testTs, isAnomaly: flagged });
  const merged = new Map(o.byType);
  for (const [type, t] of Object.entries(byType) as Array<
    [AnomalyType, { detected: number; total: number }]
  >) {
    const was = merged.get(type) ?? { detected: 0, total: 0 };
    merged.set(type, { detected: was.detected + t.detected, total: was.total + t.total });
  }
  return {
    detected: o.detected + m.detected,
    total: o.total + m.total,
    falseEpisodes: o.falseEpisodes + m.false_alarm_episodes,
    days: o.days + p.testDays,
    byType: merged,
  };
}

/** Points in the window of the misfit table's slow column (2 hours at 5 minutes, as the middle window mean). */
const SLOW_POINTS = 24;
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * RMS of the forecast's error and of the noise over the anomaly-free series, per point and over 2-hour means
 * (what the slow rules see), and of the error by UTC day of week.
 */
function misfitLine(kind: string, series: readonly Prepared[]): string {
  let n = 0;
  let misfit = 0;
  let noise = 0;
  let slowN = 0;
  let slowMisfit = 0;
  let slowNoise = 0;
  const byDay = new Float64Array(7);
  const perDay = new Float64Array(7);
  for (const p of series) {
    const ts = p.g.series.timestampsMs;
    for (let i = 0; i < p.misfit.length; i++) {
      if (!Number.isFinite(p.misfit[i])) continue;
      n++;
      misfit += p.misfit[i] ** 2;
      noise += p.noise[i] ** 2;
      const day = dayOfWeek(ts[p.testStart + i]);
      byDay[day] += p.misfit[i] ** 2;
      perDay[day]++;
    }
    for (let i = 0; i + SLOW_POINTS <= p.misfit.length; i += SLOW_POINTS) {
      let a = 0;
      let b = 0;
      for (let j = i; j < i + SLOW_POINTS; j++) {
        a += p.misfit[j];
        b += p.noise[j];
      }
      if (!Number.isFinite(a + b)) continue;
      slowN++;
      slowMisfit += (a / SLOW_POINTS) ** 2;
      slowNoise += (b / SLOW_POINTS) ** 2;
    }
  }
  const rms = (x: number, k: number): string => Math.sqrt(x / k).toFixed(3);
  const days = DAY_NAMES.map((d, i) => `${d} ${rms(byDay[i], perDay[i])}`).join(' ');
  return (
    `${kind} forecast error on clean series (model-scale units): point ${rms(misfit, n)} (noise ${rms(noise, n)}), ` +
    `2-hour means ${rms(slowMisfit, slowN)} (noise ${rms(slowNoise, slowN)}); by day ${days}`
  );
}

function row(name: string, o: Outcome): string {
  const types = ANOMALY_TYPES.map((t) => {
    const x = o.byType.get(t);
    return x === undefined ? '-' : `${(x.detected / x.total).toFixed(2)} ${x.detected}/${x.total}`;
  });
  return [name, (o.detected / o.total).toFixed(3), (o.falseEpisodes / o.days).toFixed(3), ...types].join(
    '\t',
  );
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const gap = Math.round(DEFAULT_CONFIG.detection.episode.mergeGapMs / spec5m('cpu', 0).stepMs);
  const sources: Source[] = ['oracle', 'model'];
  const misfits: string[] = [];
  const lines = [['detector', 'recall', 'FA/day', ...ANOMALY_TYPES].join('\t')];
  for (const kind of SYNTHETIC_KINDS) {
    const calib: Prepared[] = [];
    const test: Prepared[] = [];
    for (let s = 0; s < args.seeds; s++) {
      calib.push(prepare(kind, args.calibFrom + s, true, args.model));
      test.push(prepare(kind, args.from + s, false, args.model));
    }
    const perStatistic = args.budget / STATISTICS.length;
    for (const source of sources) {
      const thresholds = STATISTICS.map((_, s) =>
        STATISTICS[s] === 'repeat' ? 2 : calibrate(calib, source, s, perStatistic, gap),
      );
      let all = emptyOutcome();
      for (const p of test) {
        const flagged = flagsOf(p.stats[source], thresholds, p.testStart, gap);
        const label = p.g.series.labels?.subarray(p.testStart);
        const metrics = eventMetrics({
          timestampsMs: p.testTs,
          flagged,
          days: p.testDays,
          ...(label ? { label } : {}),
        });
        all = add(all, p, flagged, metrics);
      }
      lines.push(row(`${kind} ${source}`, all));
      const named = STATISTICS.map((name: StatisticName, s) => `${name} ${thresholds[s].toFixed(2)}`);
      lines.push(`  thresholds: ${named.join(', ')}`);
    }
    let product = emptyOutcome();
    for (const p of test) product = add(product, p, p.flagged, p.product);
    lines.push(row(`${kind} anomalyd`, product));
    misfits.push(misfitLine(kind, calib));
  }
  process.stdout.write(`${lines.join('\n')}\n\n${misfits.join('\n')}\n`);
}

main();
