import type { FitCaseKey, FitCaseResult } from './speed';

/** Keys bench/results.json always carries as finite numbers (dotted paths), quick run or full. */
export const REQUIRED_KEYS: readonly string[] = [
  ...(['5min_2w', '1min_4w'] as const).flatMap((c) =>
    ['anomalyd_ms', 'prophet_ms', 'mstl_ms', 'speedup_vs_prophet', 'speedup_vs_mstl'].map(
      (k) => `fit.${c}.${k}`,
    ),
  ),
  'fleet.series',
  'fleet.fit_s',
  'scoring.points_per_s_per_core',
  'nab.standard',
  'nab.reward_low_fp',
  'nab.reward_low_fn',
  'nab.files',
  ...(['anomalyd', 'prophet', 'mstl'] as const).flatMap((m) =>
    ['event_recall', 'false_alarms_per_series_day', 'point_f1', 'interval_coverage'].map(
      (k) => `synthetic.${m}.${k}`,
    ),
  ),
  'daemon.series',
  'daemon.interval_s',
  'daemon.cpu_fraction',
  'daemon.rss_mb',
];

/** The value at a dotted path, or undefined. */
export function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Problems with a results object: each required key that is missing or not a finite number. Empty = valid. */
export function validateResults(obj: unknown): string[] {
  const problems: string[] = [];
  for (const key of REQUIRED_KEYS) {
    const v = getPath(obj, key);
    if (v === undefined) problems.push(`${key}: missing`);
    else if (typeof v !== 'number' || !Number.isFinite(v))
      problems.push(`${key}: expected a finite number, got ${JSON.stringify(v)}`);
  }
  return problems;
}

/** Flat per-case fit keys: `{anomalyd_ms, prophet_ms, mstl_ms, speedup_vs_prophet, speedup_vs_mstl, ...}`. */
export function fitSection(
  fit: Record<FitCaseKey, FitCaseResult>,
): Record<FitCaseKey, Record<string, number>> {
  const out = {} as Record<FitCaseKey, Record<string, number>>;
  for (const key of Object.keys(fit) as FitCaseKey[]) {
    const c = fit[key];
    const flat: Record<string, number> = { points: c.points };
    for (const [name, t] of Object.entries(c.models)) {
      flat[`${name}_ms`] = t.fit_ms;
      flat[`${name}_cpu_ms`] = t.fit_cpu_ms;
      flat[`${name}_predict_ms`] = t.predict_ms;
      flat[`${name}_reps`] = t.reps;
    }
    flat.anomalyd_cold_ms = c.anomalyd_cold_ms;
    flat.speedup_vs_prophet = c.speedup_vs_prophet;
    flat.speedup_vs_mstl = c.speedup_vs_mstl;
    flat.speedup_vs_prophet_cpu = c.speedup_vs_prophet_cpu;
    out[key] = flat;
  }
  return out;
}

/** One target of issue #5 and whether this run met it. */
export interface TargetCheck {
  readonly target: string;
  readonly value: string;
  /** null when the run could not measure it. */
  readonly met: boolean | null;
}

const num = (obj: unknown, key: string): number | undefined => {
  const v = getPath(obj, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** Checks the targets against a results object (missing numbers give met = null). */
export function checkTargets(results: unknown): TargetCheck[] {
  const check = (
    target: string,
    keys: string[],
    ok: (...v: number[]) => boolean,
    show: (...v: number[]) => string,
  ): TargetCheck => {
    const values = keys.map((k) => num(results, k));
    if (values.some((v) => v === undefined)) return { target, value: 'not measured', met: null };
    const v = values as number[];
    return { target, value: show(...v), met: ok(...v) };
  };
  return [
    check(
      'NAB standard >= 75',
      ['nab.standard'],
      (s) => s >= 75,
      (s) => s.toFixed(1),
    ),
    check(
      'fit >= 100x faster than Prophet, 5-min/2-week',
      ['fit.5min_2w.speedup_vs_prophet'],
      (x) => x >= 100,
      (x) => `${x.toFixed(1)}x`,
    ),
    check(
      'fit >= 300x faster than Prophet, 1-min/4-week',
      ['fit.1min_4w.speedup_vs_prophet'],
      (x) => x >= 300,
      (x) => `${x.toFixed(1)}x`,
    ),
    check(
      'fleet fit of 10,000 series <= 10 s',
      ['fleet.fit_s_per_10k'],
      (s) => s <= 10,
      (s) => `${s.toFixed(1)} s`,
    ),
    check(
      'scoring >= 2M points/s/core',
      ['scoring.points_per_s_per_core'],
      (p) => p >= 2e6,
      (p) => `${(p / 1e6).toFixed(2)}M`,
    ),
    check(
      'synthetic: default beats Prophet on event recall',
      ['synthetic.anomalyd.event_recall', 'synthetic.prophet.event_recall'],
      (a, p) => a > p,
      (a, p) => `${a.toFixed(3)} vs ${p.toFixed(3)}`,
    ),
    check(
      'synthetic: default beats Prophet on false alarms',
      ['synthetic.anomalyd.false_alarms_per_series_day', 'synthetic.prophet.false_alarms_per_series_day'],
      (a, p) => a < p,
      (a, p) => `${a.toFixed(3)} vs ${p.toFixed(3)} per series-day`,
    ),
    check(
      'daemon: 10,000 series at 30 s within 10% of one core',
      ['daemon.series', 'daemon.cpu_fraction'],
      (n, c) => n >= 10_000 && c <= 0.1,
      (n, c) => `${(c * 100).toFixed(1)}% (${n} series)`,
    ),
    check(
      'daemon: <= 300 MB RSS',
      ['daemon.rss_mb'],
      (r) => r <= 300,
      (r) => `${r.toFixed(0)} MB`,
    ),
  ];
}
