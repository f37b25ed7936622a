import { checkTargets, fitSection, getPath, REQUIRED_KEYS, validateResults } from '../../../bench/results';
import { parseBenchArgs } from '../../../bench/run';
import { summariseSynthetic, tallyByType, type SyntheticSeriesResult } from '../../../bench/synthetic';

/** A results object with every required key set to `value`. */
function complete(value: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of REQUIRED_KEYS) {
    const parts = key.split('.');
    let cur = out;
    for (const p of parts.slice(0, -1)) {
      cur[p] ??= {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]] = value;
  }
  return out;
}

describe('results.json keys', () => {
  it('lists the keys issue #5 asks for', () => {
    for (const key of [
      'fit.5min_2w.anomalyd_ms',
      'fit.1min_4w.speedup_vs_prophet',
      'fleet.fit_s',
      'scoring.points_per_s_per_core',
      'nab.reward_low_fn',
      'synthetic.mstl.interval_coverage',
      'daemon.rss_mb',
    ]) {
      expect(REQUIRED_KEYS).toContain(key);
    }
  });

  it('accepts a complete object and names each missing or non-numeric key', () => {
    expect(validateResults(complete(1))).toEqual([]);
    const broken = complete(1);
    (broken.nab as Record<string, unknown>).standard = null;
    delete (broken.daemon as Record<string, unknown>).rss_mb;
    expect(validateResults(broken)).toEqual([
      'nab.standard: expected a finite number, got null',
      'daemon.rss_mb: missing',
    ]);
  });

  it('reads dotted paths', () => {
    expect(getPath({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(getPath({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('flattens fit timings into <model>_ms keys', () => {
    const timing = { fit_ms: 10, fit_cpu_ms: 9, predict_ms: 1, reps: 3 };
    const flat = fitSection({
      '5min_2w': {
        points: 4032,
        models: { anomalyd: timing, prophet: { ...timing, fit_ms: 1000 }, mstl: { ...timing, fit_ms: 100 } },
        anomalyd_cold_ms: 50,
        speedup_vs_prophet: 100,
        speedup_vs_mstl: 10,
        speedup_vs_prophet_cpu: 120,
      },
      '1min_4w': {
        points: 40320,
        models: { anomalyd: timing, prophet: timing, mstl: timing },
        anomalyd_cold_ms: 50,
        speedup_vs_prophet: 1,
        speedup_vs_mstl: 1,
        speedup_vs_prophet_cpu: 1,
      },
    });
    expect(flat['5min_2w']).toMatchObject({
      anomalyd_ms: 10,
      prophet_ms: 1000,
      mstl_ms: 100,
      anomalyd_cold_ms: 50,
      speedup_vs_prophet: 100,
      speedup_vs_prophet_cpu: 120,
    });
  });

  it('checks the targets, and says when one was not measured', () => {
    const r = complete(1);
    (r.nab as Record<string, number>).standard = 80;
    const byName = new Map(checkTargets(r).map((t) => [t.target, t]));
    expect(byName.get('NAB standard >= 75')?.met).toBe(true);
    expect(byName.get('fit >= 100x faster than Prophet, 5-min/2-week')?.met).toBe(false);
    expect(byName.get('fleet fit of 10,000 series <= 10 s')?.met).toBeNull();
  });
});

describe('the synthetic summary', () => {
  const row = (over: Partial<SyntheticSeriesResult>): SyntheticSeriesResult => ({
    series: 's',
    model: 'anomalyd',
    events_detected: 1,
    events_total: 2,
    false_alarm_episodes: 1,
    test_days: 7,
    point_tp: 10,
    point_fp: 10,
    point_fn: 0,
    coverage_points: 100,
    interval_coverage: 0.9,
    model_interval_coverage: 0.8,
    mae: 2,
    noise_sigma: 1,
    mean_time_to_detect_s: null,
    fits: 8,
    wall_s: 1,
    by_type: { spike: { detected: 1, total: 1 }, dip: { detected: 0, total: 1 } },
    subtle: { detected: 0, total: 1 },
    ...over,
  });

  it('sums events, false alarms and points over series before taking ratios, leaving failures out', () => {
    const s = summariseSynthetic([
      row({}),
      row({
        events_detected: 2,
        false_alarm_episodes: 0,
        interval_coverage: 1,
        model_interval_coverage: 0.9,
        coverage_points: 300,
      }),
      row({ error: 'boom' }),
    ]);
    expect(s.event_recall).toBe(0.75);
    expect(s.false_alarms_per_series_day).toBeCloseTo(1 / 14, 3);
    expect(s.point_f1).toBeCloseTo(2 / 3, 3);
    expect(s.interval_coverage).toBeCloseTo(0.975, 3);
    expect(s.model_interval_coverage).toBeCloseTo(0.875, 3);
    expect(s.mae_over_noise).toBe(2);
    expect(s.failed_series).toBe(1);
  });

  it('breaks event recall down by anomaly type over the series that ran', () => {
    const s = summariseSynthetic([
      row({}),
      row({ by_type: { dip: { detected: 1, total: 1 } }, subtle: { detected: 1, total: 1 } }),
      row({ error: 'boom' }),
    ]);
    expect(s.by_type.spike).toEqual({ detected: 1, total: 1, recall: 1 });
    expect(s.by_type.dip).toEqual({ detected: 1, total: 2, recall: 0.5 });
    expect(s.by_type.flatline).toEqual({ detected: 0, total: 0, recall: 0 });
    expect(s.subtle).toEqual({ detected: 1, total: 2, recall: 0.5 });
  });
});

describe('tallyByType', () => {
  it('counts an event per type when it reaches the evaluated part, found when any of its points is flagged', () => {
    const timestampsMs = Float64Array.from([10, 20, 30, 40, 50, 60]);
    const isAnomaly = Uint8Array.from([0, 1, 0, 0, 0, 0]);
    const { byType, subtle } = tallyByType(
      [
        { type: 'spike', startMs: 0, endMs: 5, subtle: false }, // before the evaluated part: not counted
        { type: 'level_shift', startMs: 5, endMs: 20, subtle: true }, // straddles the split, flagged at 20
        { type: 'dip', startMs: 30, endMs: 40, subtle: false }, // missed
        { type: 'dip', startMs: 60, endMs: 70, subtle: true }, // runs past the end, missed
      ],
      { timestampsMs, isAnomaly },
    );
    expect(byType).toEqual({ level_shift: { detected: 1, total: 1 }, dip: { detected: 0, total: 2 } });
    expect(subtle).toEqual({ detected: 1, total: 2 });
  });
});

describe('bench arguments', () => {
  it('parses --quick and --only', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({ quick: true });
    expect(parseBenchArgs(['--only', 'nab,fit']).only).toEqual(['nab', 'fit']);
    expect(parseBenchArgs(['--only=daemon']).only).toEqual(['daemon']);
    expect(() => parseBenchArgs(['--only', 'nope'])).toThrow('unknown suite "nope"');
    expect(() => parseBenchArgs(['--fast'])).toThrow('unknown argument "--fast"');
  });
});
