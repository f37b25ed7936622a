/**
 * `node dist/bench/slowDiagnose.js [--seeds 16] [--from 101] [--kinds cpu,latency] [--all]`: how close the
 * slow rules came on each slow event of the synthetic suite (level shifts, drifts, missing peaks).
 *
 * Runs the suite's protocol (bench/synthetic.ts, default model and detection) with the series detector
 * wrapped so that, beside it, the statistics of its two slow rules are replayed on the residual against the
 * model, read as the detector reads them:
 * - `win`: the sustained-shift rule's 24-sample mean of normal-equivalent residuals (detect/sustainedShift.ts)
 *   at its largest in the event, whether all 24 were on one side there (`1s`), the largest one-sided
 *   mean (`gated`), and the model's `shiftLevel` (the rule fires on a one-sided mean beyond max(1, level));
 * - `cusum`: the drift CUSUM's largest sum in the event (k 0.5 in long-run units, so on a residual with
 *   lag-1 φ the allowance is 0.5·sqrt((1+φ)/(1-φ)) z per step) against its threshold h (detection.drift.h
 *   in long-run units raised to `driftLevel`), and the allowance in z units (`k`);
 * - `mean`: the event's mean normal-equivalent residual, to set against those allowances.
 * Missed events only, unless `--all`. A diagnosis aid, not a benchmark; nothing is written.
 */
import { DEFAULT_CONFIG } from '../src/config/defaults';
import type { SeriesDetector } from '../src/detect/seriesDetector';
import { DriftDetector } from '../src/detect/drift';
import { shrinkToNormal } from '../src/detect/normalScore';
import { SHIFT_WINDOW, SustainedShiftDetector } from '../src/detect/sustainedShift';
import { standardisedResidual, type ForecastPoint } from '../src/detect/score';
import type { FittedModel } from '../src/model/types';
import { diagnosedSeries, parseDiagnoseArgs, RecordingDetector } from './synthetic';

const SLOW_TYPES = new Set(['level_shift', 'drift', 'missing_peak']);

/** What the slow rules saw at one point. */
interface SlowPoint {
  readonly windowMean: number;
  readonly oneSided: boolean;
  readonly shiftLevel: number;
  readonly cusum: number;
  readonly h: number;
  readonly k: number;
  readonly normal: number;
}

/** The series detector, with the slow rules' statistics replayed beside it. */
class SlowRecorder extends RecordingDetector {
  readonly points = new Map<number, SlowPoint>();
  private model: FittedModel | undefined;
  private readonly window: SustainedShiftDetector;
  private cusum: DriftDetector | undefined;
  private shiftLevel = Number.NaN;
  private h = Number.NaN;
  /** The window's residuals (the detector keeps its side count private). */
  private readonly recent: number[] = [];
  private k = Number.NaN;

  constructor(inner: SeriesDetector, stepMs: number) {
    super(inner);
    this.window = new SustainedShiftDetector(stepMs);
  }

  protected record(
    timestampMs: number,
    actual: number,
    point: ForecastPoint,
    tailProbability: (z: number) => number,
  ): void {
    const z = standardisedResidual(actual, point);
    const model = this.model;
    if (model === undefined || !Number.isFinite(z)) return;
    const shiftTail = model.shiftTailProbability?.bind(model) ?? tailProbability;
    const shiftZ = shrinkToNormal(z, shiftTail);
    this.window.update(timestampMs, shiftZ);
    this.recent.push(shiftZ);
    if (this.recent.length > SHIFT_WINDOW) this.recent.shift();
    const normal = shrinkToNormal(z, tailProbability);
    this.cusum?.update(normal);
    const mean = this.window.mean;
    this.points.set(timestampMs, {
      windowMean: mean,
      oneSided: this.oneSided(mean),
      shiftLevel: this.shiftLevel,
      cusum: Math.max(this.cusum?.upperStatistic ?? 0, this.cusum?.lowerStatistic ?? 0),
      h: this.h,
      k: this.k,
      normal: shiftZ,
    });
  }

  protected override learn(model: FittedModel): void {
    this.model = model;
    const metrics = model.metrics;
    this.shiftLevel = metrics.shiftLevel ?? Number.NaN;
    const phi = Math.min(0.9, Math.max(0, metrics.residualLag1 ?? 0));
    const longRun = Math.sqrt((1 + phi) / (1 - phi));
    const drift = DEFAULT_CONFIG.detection.drift;
    this.k = drift.k * longRun;
    this.h = Math.max(drift.h * longRun, metrics.driftLevel ?? 0);
    this.cusum = new DriftDetector(
      { enabled: true, k: drift.k, h: Number.POSITIVE_INFINITY },
      { residualAutocorrelation: phi },
    );
  }

  /** Whether the last SHIFT_WINDOW residuals all lie on the side of their mean (the rule's side condition). */
  private oneSided(mean: number): boolean {
    if (!Number.isFinite(mean) || this.recent.length < SHIFT_WINDOW) return false;
    return this.recent.every((v) => (mean > 0 ? v > 0 : v <= 0));
  }
}

function main(): void {
  const args = parseDiagnoseArgs(process.argv.slice(2), '--all');
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
  for (const { spec, g, recorder, out } of diagnosedSeries(
    args,
    (inner, stepMs) => new SlowRecorder(inner, stepMs),
  )) {
    const ts = out.points.timestampsMs;
    for (const ev of g.events) {
      if (!SLOW_TYPES.has(ev.type) || ev.endMs < ts[0] || ev.startMs > ts[ts.length - 1]) continue;
      let found = false;
      let best: SlowPoint | undefined;
      let gated = 0;
      let cusum: SlowPoint | undefined;
      let sum = 0;
      let count = 0;
      for (let i = 0; i < ts.length; i++) {
        if (ts[i] < ev.startMs || ts[i] > ev.endMs) continue;
        if (out.points.isAnomaly[i] === 1) found = true;
        const p = recorder.points.get(ts[i]);
        if (p === undefined) continue;
        sum += p.normal;
        count++;
        if (Number.isFinite(p.windowMean) && Math.abs(p.windowMean) > Math.abs(best?.windowMean ?? 0))
          best = p;
        if (p.oneSided) gated = Math.max(gated, Math.abs(p.windowMean));
        if (p.cusum > (cusum?.cusum ?? -1)) cusum = p;
      }
      if (found && !args.flag) continue;
      process.stdout.write(
        `${spec.name} ${ev.type}${ev.subtle ? ' (subtle)' : ''} ` +
          `${((ev.endMs - ev.startMs) / 60_000).toFixed(0)} min ${found ? 'found' : 'MISSED'}: ` +
          `mean ${f(count > 0 ? sum / count : Number.NaN)} | win ${f(best?.windowMean ?? Number.NaN)}` +
          `${best?.oneSided === true ? ' 1s' : ''} gated ${f(gated)} level ${f(best?.shiftLevel ?? Number.NaN)}` +
          ` | cusum ${f(cusum?.cusum ?? Number.NaN)} h ${f(cusum?.h ?? Number.NaN)} k ${f(cusum?.k ?? Number.NaN)}\n`,
      );
    }
  }
}

main();
