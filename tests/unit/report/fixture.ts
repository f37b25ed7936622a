import type { EvaluatedPoints, EvaluationResult, ThresholdRow } from '../../../src/evaluate/types';

/** Options for {@link syntheticEvaluation}. */
export interface SyntheticOptions {
  /** Number of test points. Default 2016 (one week at 5 minutes). */
  readonly points: number;
  readonly stepSeconds: number;
  readonly startMs: number;
  readonly dataset: string;
  readonly withLabels: boolean;
}

const DEFAULTS: SyntheticOptions = {
  points: 2016,
  stepSeconds: 300,
  startMs: Date.UTC(2026, 0, 5, 0, 0, 0),
  dataset: 'synthetic/cpu',
  withLabels: true,
};

/**
 * A realistic, fully deterministic evaluation: a daily sine with noise, a calibrated ±band around the
 * forecast, three labelled anomalies (a spike, a level shift, a dip), a short stretch of missing data and
 * one false alarm. Metrics are computed from the arrays so the charts and the numbers agree.
 */
export function syntheticEvaluation(options: Partial<SyntheticOptions> = {}): {
  result: EvaluationResult;
  points: EvaluatedPoints;
} {
  const o: SyntheticOptions = { ...DEFAULTS, ...options };
  const n = o.points;
  const stepMs = o.stepSeconds * 1000;
  const perDay = Math.round(86400 / o.stepSeconds);
  let seed = 12345;
  const noise = (): number => {
    // Park–Miller LCG: the same bytes every run, no dependency on Math.random.
    seed = (seed * 48271) % 2147483647;
    return (seed / 2147483647 - 0.5) * 2;
  };
  const ts = new Float64Array(n);
  const actual = new Float64Array(n);
  const forecast = new Float64Array(n);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const score = new Float64Array(n);
  const isAnomaly = new Uint8Array(n);
  const label = new Uint8Array(n);
  const halfWidth = 6;
  const spikeAt = Math.floor(n * 0.3);
  const shiftFrom = Math.floor(n * 0.55);
  const shiftTo = shiftFrom + Math.max(1, Math.floor(n * 0.012));
  const dipAt = Math.floor(n * 0.85);
  const falseAlarmAt = Math.floor(n * 0.7);
  const gapFrom = Math.floor(n * 0.45);
  for (let i = 0; i < n; i++) {
    ts[i] = o.startMs + i * stepMs;
    const f = 50 + 20 * Math.sin((2 * Math.PI * i) / perDay);
    forecast[i] = f;
    lower[i] = f - halfWidth;
    upper[i] = f + halfWidth;
    let a = f + 2.5 * noise();
    if (i >= spikeAt && i < spikeAt + 2) {
      a += 45;
      label[i] = 1;
    }
    if (i >= shiftFrom && i < shiftTo) a += 7;
    // Labelled windows start before the visible change, as hand labels do: that is what bends the ROC.
    if (i >= shiftFrom - 6 && i < shiftTo) label[i] = 1;
    if (i === dipAt) {
      a -= 30;
      label[i] = 1;
    }
    if (i === falseAlarmAt) a += 9;
    if (i >= gapFrom && i < gapFrom + 6) a = NaN;
    actual[i] = a;
    const s = Number.isFinite(a) ? Math.abs(a - f) / halfWidth : 0;
    score[i] = s;
    isAnomaly[i] = s > 1 ? 1 : 0;
  }

  const episodeId: string[] = new Array<string>(n).fill('');
  const episodes: EvaluationResult['episodes'][number][] = [];
  for (let i = 0; i < n; i++) {
    if (isAnomaly[i] !== 1) continue;
    let j = i;
    let peak = 0;
    let matched = false;
    while (j < n && isAnomaly[j] === 1) {
      peak = Math.max(peak, score[j] ?? 0);
      matched ||= label[j] === 1;
      j++;
    }
    const id = `${o.dataset}:${ts[i]}`;
    for (let k = i; k < j; k++) episodeId[k] = id;
    episodes.push({
      id,
      start_ms: ts[i] ?? 0,
      end_ms: ts[j - 1] ?? 0,
      peak_score: peak,
      severity: peak > 4 ? 'CRITICAL' : peak > 2.5 ? 'HIGH' : peak > 1.5 ? 'MEDIUM' : 'LOW',
      direction: (actual[i] ?? 0) >= (forecast[i] ?? 0) ? 1 : -1,
      cause: 'band',
      matched: o.withLabels ? matched : null,
    });
    i = j - 1;
  }

  const confusion = (threshold: number): { tp: number; fp: number; fn: number; tn: number } => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let i = 0; i < n; i++) {
      const flagged = (score[i] ?? 0) > threshold;
      const positive = label[i] === 1;
      if (flagged && positive) tp++;
      else if (flagged) fp++;
      else if (positive) fn++;
      else tn++;
    }
    return { tp, fp, fn, tn };
  };
  const sweep: ThresholdRow[] = [];
  for (let t = 0; t <= 6.0001; t += 0.25) {
    const c = confusion(t);
    const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : NaN;
    const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    sweep.push({
      threshold: Number(t.toFixed(2)),
      precision,
      recall,
      f1: Number.isFinite(f1) ? f1 : 0,
      fpr: c.fp / Math.max(1, c.fp + c.tn),
      tpr: recall,
      flagged: c.tp + c.fp,
    });
  }
  // The ROC over every distinct score, as an evaluator would compute it, with its trapezoid AUC.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[b] ?? 0) - (score[a] ?? 0));
  const positives = label.reduce((acc, v) => acc + v, 0);
  const negatives = n - positives;
  const rocX = [0];
  const rocY = [0];
  let tpSoFar = 0;
  let fpSoFar = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] ?? 0;
    if (label[i] === 1) tpSoFar++;
    else fpSoFar++;
    if (k === n - 1 || score[order[k + 1] ?? 0] !== score[i]) {
      rocX.push(fpSoFar / Math.max(1, negatives));
      rocY.push(tpSoFar / Math.max(1, positives));
    }
  }
  let auc = 0;
  for (let k = 1; k < rocX.length; k++) {
    auc += ((rocX[k] ?? 0) - (rocX[k - 1] ?? 0)) * (((rocY[k] ?? 0) + (rocY[k - 1] ?? 0)) / 2);
  }
  const c = confusion(1);
  const precision = c.tp / Math.max(1, c.tp + c.fp);
  const recall = c.tp / Math.max(1, c.tp + c.fn);
  const iso = (ms: number): string => new Date(ms).toISOString();

  const result: EvaluationResult = {
    dataset: o.dataset,
    model: { kind: 'seasonal', components: ['trend', 'daily'], step_s: o.stepSeconds, scale: 'linear' },
    train: { points: 4032, start: iso(o.startMs - 4032 * stepMs), end: iso(o.startMs - stepMs) },
    test: {
      points: n,
      start: n > 0 ? iso(o.startMs) : '',
      end: n > 0 ? iso(o.startMs + (n - 1) * stepMs) : '',
      days: (n * o.stepSeconds) / 86400,
    },
    ground_truth: o.withLabels ? 'labels' : 'none',
    interval_width: 0.95,
    threshold_multiplier: 1,
    point: { precision, recall, f1: (2 * precision * recall) / (precision + recall), ...c },
    event: {
      recall: 1,
      precision: 0.75,
      f1: 0.857,
      detected: 3,
      total: 3,
      false_alarm_episodes: 1,
      false_alarms_per_day: 1 / 7,
      mean_time_to_detect_s: 0,
    },
    forecast: {
      mae: 2.01,
      mape: 0.043,
      smape: 0.042,
      interval_coverage: 0.97,
      model_interval_coverage: 0.95,
      points: n,
    },
    roc_auc: o.withLabels && n > 0 ? auc : null,
    pr_auc: o.withLabels ? 0.71 : null,
    roc: { x: rocX, y: rocY },
    pr: { x: sweep.map((r) => r.recall), y: sweep.map((r) => r.precision) },
    threshold_sweep: sweep,
    episodes,
  };
  const points: EvaluatedPoints = {
    timestampsMs: ts,
    actual,
    forecast,
    lower,
    upper,
    score,
    isAnomaly,
    ...(o.withLabels ? { label } : {}),
    episodeId,
  };
  return { result, points };
}
