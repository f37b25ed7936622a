import { pointMetrics, f1FromCounts, vacuousRatio } from '../../../src/evaluate/pointMetrics';
import {
  eventMetrics,
  eventsFromLabels,
  episodesFromFlags,
  evaluatedDays,
  labelsFromWindows,
} from '../../../src/evaluate/events';
import { forecastMetrics } from '../../../src/evaluate/forecastMetrics';

const MIN = 60_000;
const u8 = (...v: number[]): Uint8Array => Uint8Array.from(v);
const f64 = (...v: number[]): Float64Array => Float64Array.from(v);
const minutes = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i * MIN);

describe('pointMetrics', () => {
  it('counts the confusion matrix and derives precision, recall and F1', () => {
    //            flagged: 1 1 0 0 1 0
    //            label:   1 0 1 0 1 0   → TP 2, FP 1, FN 1, TN 2
    const m = pointMetrics(u8(1, 1, 0, 0, 1, 0), u8(1, 0, 1, 0, 1, 0));
    expect(m).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 });
  });

  it('calls precision 1 when nothing was flagged, but F1 0 when anomalies were missed', () => {
    const m = pointMetrics(u8(0, 0, 0), u8(0, 1, 0));
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
  });

  it('calls recall and F1 perfect when there is nothing to find and nothing was flagged', () => {
    expect(pointMetrics(u8(0, 0), u8(0, 0))).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  it('scores every flag as a false positive when there is no ground truth', () => {
    expect(pointMetrics(u8(1, 0, 1))).toMatchObject({ tp: 0, fp: 2, tn: 1, precision: 0, recall: 1, f1: 0 });
  });

  it('counts only the included points', () => {
    expect(pointMetrics(u8(1, 1), u8(1, 0), u8(1, 0))).toMatchObject({ tp: 1, fp: 0 });
  });

  it('keeps the vacuous 0/0 rule in one place', () => {
    expect(vacuousRatio(0, 0)).toBe(1);
    expect(f1FromCounts(0, 3, 0)).toBe(0);
  });
});

describe('eventMetrics', () => {
  // 20 one-minute points; events (labels) at 3..5 and 12..13; flags at 4, 5 (hit), 9 (false alarm) and 17..18.
  const t = minutes(20);
  const label = new Uint8Array(20);
  label.fill(1, 3, 6);
  label.fill(1, 12, 14);
  const flagged = new Uint8Array(20);
  flagged[4] = 1;
  flagged[5] = 1;
  flagged[9] = 1;
  flagged[17] = 1;
  flagged[18] = 1;

  it('finds events as maximal labelled runs and episodes as maximal flagged runs', () => {
    expect(eventsFromLabels(t, label).map((e) => [e.startIndex, e.endIndex])).toEqual([
      [3, 5],
      [12, 13],
    ]);
    expect(episodesFromFlags(t, flagged)).toEqual([
      [4 * MIN, 5 * MIN],
      [9 * MIN, 9 * MIN],
      [17 * MIN, 18 * MIN],
    ]);
  });

  it('measures recall over events, precision over episodes and time to detect from the event start', () => {
    const m = eventMetrics({ timestampsMs: t, flagged, label, days: 0.5 });
    expect(m).toEqual({
      recall: 0.5,
      precision: 1 / 3,
      f1: (2 * 0.5 * (1 / 3)) / (0.5 + 1 / 3),
      detected: 1,
      total: 2,
      false_alarm_episodes: 2,
      false_alarms_per_day: 4,
      mean_time_to_detect_s: 60,
    });
  });

  it('uses given windows and episodes instead of labels and flag runs', () => {
    // Window [2.5 min, 6 min] contains points 3..6; first flag at 4 → 90 s after the window start.
    const m = eventMetrics({
      timestampsMs: t,
      flagged,
      label,
      windows: [[2.5 * MIN, 6 * MIN]],
      episodes: [
        [4 * MIN, 9 * MIN],
        [15 * MIN, 16 * MIN],
      ],
      days: 1,
    });
    expect(m).toMatchObject({ detected: 1, total: 1, mean_time_to_detect_s: 90, false_alarm_episodes: 1 });
    expect(m.precision).toBe(0.5);
  });

  it('reports a null time to detect and zero recall when no event was detected', () => {
    const m = eventMetrics({ timestampsMs: t, flagged: new Uint8Array(20), label });
    expect(m).toMatchObject({ detected: 0, recall: 0, precision: 1, f1: 0, mean_time_to_detect_s: null });
  });

  it('counts evaluated days as the span plus one step', () => {
    expect(evaluatedDays(Float64Array.from({ length: 288 }, (_, i) => i * 5 * MIN))).toBe(1);
    expect(evaluatedDays(new Float64Array(0))).toBe(0);
  });

  it('labels the points inside windows, bounds included', () => {
    expect(Array.from(labelsFromWindows(minutes(6), [[1 * MIN, 3 * MIN]]))).toEqual([0, 1, 1, 1, 0, 0]);
  });
});

describe('forecastMetrics', () => {
  it('computes MAE, MAPE, sMAPE and coverage by hand on four normal points', () => {
    // errors: |10-8|=2, |20-25|=5, |0-1|=1, |-5-(-5)|=0 → MAE 2
    // APE (skip actual 0): 2/10, 5/20, 0/5 → mean 0.15 → 15 %
    // sMAPE: 200·2/18, 200·5/45, 200·1/1, 0 → (22.22+22.22+200+0)/4 = 61.11 %
    // coverage: 10 in [7,9]? no; 20 in [15,30] yes; 0 in [-1,1] yes; -5 in [-6,-4] yes → 3/4
    const m = forecastMetrics({
      actual: f64(10, 20, 0, -5, 999),
      forecast: f64(8, 25, 1, -5, 0),
      lower: f64(7, 15, -1, -6, 0),
      upper: f64(9, 30, 1, -4, 0),
      label: u8(0, 0, 0, 0, 1),
    });
    expect(m.points).toBe(4);
    expect(m.mae).toBe(2);
    expect(m.mape).toBeCloseTo(15, 12);
    expect(m.smape).toBeCloseTo((400 / 18 + 1000 / 45 + 200) / 4, 12);
    expect(m.interval_coverage).toBe(0.75);
  });

  it('measures the model interval separately from the judged band, on the same unlabelled points', () => {
    // judged band holds 10 (in [9,11]) and 20 ([19,21]), misses 30; the model's interval holds 10 ([5,15])
    // and 30 ([25,35]), misses 20 ([21,22]); the labelled 40 counts for neither.
    const m = forecastMetrics({
      actual: f64(10, 20, 30, 40),
      forecast: f64(10, 20, 0, 0),
      lower: f64(9, 19, 0, 0),
      upper: f64(11, 21, 1, 0),
      modelLower: f64(5, 21, 25, 0),
      modelUpper: f64(15, 22, 35, 0),
      label: u8(0, 0, 0, 1),
    });
    expect(m.interval_coverage).toBeCloseTo(2 / 3, 12);
    expect(m.model_interval_coverage).toBeCloseTo(2 / 3, 12);
    expect(m.points).toBe(3);
  });

  it('gives a null MAPE when every actual is zero and skips missing values', () => {
    const m = forecastMetrics({
      actual: f64(0, 0, Number.NaN),
      forecast: f64(0, 2, 1),
      lower: f64(-1, -1, 0),
      upper: f64(1, 1, 2),
    });
    expect(m).toEqual({
      mae: 1,
      mape: null,
      smape: 100,
      interval_coverage: 1,
      model_interval_coverage: null,
      points: 2,
    });
  });

  it('reports zeros over no points', () => {
    const e = new Float64Array(0);
    expect(forecastMetrics({ actual: e, forecast: e, lower: e, upper: e })).toEqual({
      mae: 0,
      mape: null,
      smape: 0,
      interval_coverage: 0,
      model_interval_coverage: null,
      points: 0,
    });
  });
});
