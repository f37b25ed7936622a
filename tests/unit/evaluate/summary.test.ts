import type { EvaluatedPoints } from '../../../src/evaluate/types';
import { summariseEvaluation } from '../../../src/evaluate/summary';

const MIN = 60_000;

/** Ten one-minute points: forecast 10 everywhere, band [8, 12]; an anomaly labelled at 4..5. */
function points(withLabel: boolean): EvaluatedPoints {
  const n = 10;
  const actual = Float64Array.from([10, 11, 9, 10, 20, 18, 10, 13, 10, 10]);
  const score = Float64Array.from([0, 0.5, 0.5, 0, 5, 4, 0, 1.5, 0, 0]);
  return {
    timestampsMs: Float64Array.from({ length: n }, (_, i) => i * MIN),
    actual,
    forecast: new Float64Array(n).fill(10),
    lower: new Float64Array(n).fill(8),
    upper: new Float64Array(n).fill(12),
    score,
    isAnomaly: Uint8Array.from(score, (s) => (s > 1 ? 1 : 0)),
    ...(withLabel ? { label: Uint8Array.from([0, 0, 0, 0, 1, 1, 0, 0, 0, 0]) } : {}),
    episodeId: Array.from({ length: n }, () => ''),
  };
}

describe('summariseEvaluation', () => {
  it('builds point, event, forecast and ranking parts from labelled points', () => {
    const s = summariseEvaluation({ points: points(true), thresholds: [1, 4.5] });
    // flagged 4, 5, 7; labelled 4, 5 → TP 2, FP 1, FN 0, TN 7
    expect(s.point).toEqual({ tp: 2, fp: 1, fn: 0, tn: 7, precision: 2 / 3, recall: 1, f1: 0.8 });
    // one event detected at its first point; episodes [4,5] (hit) and [7] (false alarm); 10 min = 1/144 day
    expect(s.event).toMatchObject({
      detected: 1,
      total: 1,
      false_alarm_episodes: 1,
      mean_time_to_detect_s: 0,
    });
    expect(s.event.false_alarms_per_day).toBeCloseTo(144, 9);
    expect(s.event.precision).toBe(0.5);
    // forecast on the 8 unlabelled points: errors 0,1,1,0,0,3,0,0 → MAE 5/8; 13 is outside [8,12] → 7/8
    expect(s.forecast.points).toBe(8);
    expect(s.forecast.mae).toBe(5 / 8);
    expect(s.forecast.interval_coverage).toBe(7 / 8);
    // the two anomalies hold the two highest scores → perfect ranking
    expect(s.roc_auc).toBe(1);
    expect(s.pr_auc).toBe(1);
    expect(s.roc.x[0]).toBe(0);
    expect(s.threshold_sweep.map((r) => [r.threshold, r.flagged])).toEqual([
      [1, 3],
      [4.5, 1],
    ]);
  });

  it('takes ground truth from windows when given, and episodes as given', () => {
    const s = summariseEvaluation({
      points: points(false),
      windows: [[6 * MIN, 8 * MIN]],
      episodes: [[7 * MIN, 7 * MIN]],
      days: 1,
    });
    // window covers points 6..8; flagged 4, 5, 7 → TP 1 (7), FP 2, FN 2
    expect(s.point).toMatchObject({ tp: 1, fp: 2, fn: 2, tn: 5 });
    expect(s.event).toMatchObject({
      detected: 1,
      mean_time_to_detect_s: 60,
      precision: 1,
      false_alarms_per_day: 0,
    });
    expect(s.forecast.points).toBe(7);
  });

  it('reports no ranking metrics and an empty sweep without ground truth', () => {
    const s = summariseEvaluation({ points: points(false) });
    expect(s.roc_auc).toBeNull();
    expect(s.pr_auc).toBeNull();
    expect(s.roc).toEqual({ x: [], y: [] });
    expect(s.pr).toEqual({ x: [], y: [] });
    expect(s.threshold_sweep).toEqual([]);
    expect(s.point).toMatchObject({ tp: 0, fp: 3, fn: 0 });
    expect(s.event).toMatchObject({ total: 0, false_alarm_episodes: 2 });
    expect(s.forecast.points).toBe(10);
  });
});
