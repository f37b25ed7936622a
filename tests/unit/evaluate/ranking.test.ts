import { Random } from '../../../src/domain/random';
import {
  DEFAULT_SWEEP_THRESHOLDS,
  bestF1Row,
  downsampleCurve,
  prAuc,
  prCurve,
  rocAuc,
  rocCurve,
  thresholdSweep,
} from '../../../src/evaluate/ranking';

// Positives score {3, 2, 2}, negatives {2, 1, 1, 0}: ties within and across classes.
const score = Float64Array.from([3, 2, 2, 2, 1, 1, 0]);
const label = Uint8Array.from([1, 1, 1, 0, 0, 0, 0]);

describe('rocAuc', () => {
  it('uses average ranks for ties: ranks of positives 7+5+5, U = 17 - 6 = 11, AUC = 11/12', () => {
    expect(rocAuc(score, label)).toBeCloseTo(11 / 12, 15);
  });

  it('does not depend on the order of tied points', () => {
    const order = [6, 3, 1, 4, 0, 5, 2];
    const s = Float64Array.from(order.map((i) => score[i]));
    const l = Uint8Array.from(order.map((i) => label[i]));
    expect(rocAuc(s, l)).toBeCloseTo(11 / 12, 15);
  });

  it('equals the pairwise probability that an anomaly outscores a normal point on random data', () => {
    const rng = new Random(7);
    const n = 400;
    const s = Float64Array.from({ length: n }, () => Math.round(rng.uniform(0, 20)) / 4); // many ties
    const l = Uint8Array.from({ length: n }, (_, i) => (rng.next() < 0.2 + s[i] / 10 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      if (l[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if (l[j] !== 0) continue;
        pairs++;
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
    expect(pairs).toBeGreaterThan(1000);
    expect(rocAuc(s, l)).toBeCloseTo(wins / pairs, 12);
  });

  it('is null when only one class is present, and ignores NaN scores', () => {
    expect(rocAuc(Float64Array.from([1, 2]), Uint8Array.from([0, 0]))).toBeNull();
    expect(prAuc(Float64Array.from([1, 2]), Uint8Array.from([1, 1]))).toBeNull();
    expect(rocAuc(Float64Array.from([Number.NaN, 2, 1]), Uint8Array.from([1, 1, 0]))).toBe(1);
  });
});

describe('prAuc (average precision)', () => {
  it('steps through tied groups: 1/3·1 + 2/3·3/4 = 5/6', () => {
    expect(prAuc(score, label)).toBeCloseTo(5 / 6, 15);
  });

  it('is 1 for a perfect ranking and the positive rate for a constant score', () => {
    expect(prAuc(Float64Array.from([5, 4, 1, 0]), Uint8Array.from([1, 1, 0, 0]))).toBe(1);
    expect(prAuc(new Float64Array(4).fill(1), Uint8Array.from([1, 0, 0, 0]))).toBe(0.25);
  });
});

describe('ROC and PR curves', () => {
  it('have one point per distinct score level', () => {
    expect(rocCurve(score, label)).toEqual({ x: [0, 0, 0.25, 0.75, 1], y: [0, 1 / 3, 1, 1, 1] });
    expect(prCurve(score, label)).toEqual({ x: [0, 1 / 3, 1, 1, 1], y: [1, 1, 0.75, 0.5, 3 / 7] });
  });

  it('are downsampled to at most 200 points, keeping both ends', () => {
    const rng = new Random(3);
    const s = Float64Array.from({ length: 5000 }, () => rng.next());
    const l = Uint8Array.from({ length: 5000 }, () => (rng.next() < 0.1 ? 1 : 0));
    const roc = rocCurve(s, l);
    expect(roc.x.length).toBeLessThanOrEqual(200);
    expect(roc.x.length).toBeGreaterThan(150);
    expect([roc.x[0], roc.y[0]]).toEqual([0, 0]);
    expect([roc.x[roc.x.length - 1], roc.y[roc.y.length - 1]]).toEqual([1, 1]);
    expect(prCurve(s, l, 50).x.length).toBeLessThanOrEqual(50);
  });

  it('leave a short curve untouched when downsampling', () => {
    expect(downsampleCurve([0, 1], [2, 3], 200)).toEqual({ x: [0, 1], y: [2, 3] });
  });

  it('are empty when only one class is present', () => {
    expect(rocCurve(score, new Uint8Array(7))).toEqual({ x: [], y: [] });
  });
});

describe('thresholdSweep', () => {
  it('flags points whose score exceeds the threshold, strictly', () => {
    const rows = thresholdSweep(score, label, [1.5, 2, 2.5]);
    expect(rows[0]).toEqual({
      threshold: 1.5,
      precision: 0.75,
      recall: 1,
      f1: 6 / 7,
      fpr: 0.25,
      tpr: 1,
      flagged: 4,
    });
    const atTwo = { precision: 1, recall: 1 / 3, f1: 0.5, fpr: 0, tpr: 1 / 3, flagged: 1 };
    expect(rows[1]).toEqual({ threshold: 2, ...atTwo });
    expect(rows[2]).toEqual({ threshold: 2.5, ...atTwo });
  });

  it('picks the best-F1 row, preferring the higher threshold on a tie', () => {
    const rows = thresholdSweep(score, label, [1.5, 2, 2.5]);
    expect(bestF1Row(rows)?.threshold).toBe(1.5);
    expect(bestF1Row(rows.slice(1))?.threshold).toBe(2.5);
    expect(bestF1Row([])).toBeUndefined();
  });

  it('defaults to the grid 0.5, 0.75, ..., 5', () => {
    expect(DEFAULT_SWEEP_THRESHOLDS).toHaveLength(19);
    expect(DEFAULT_SWEEP_THRESHOLDS[0]).toBe(0.5);
    expect(DEFAULT_SWEEP_THRESHOLDS[18]).toBe(5);
    expect(thresholdSweep(score, label).map((r) => r.threshold)).toEqual(DEFAULT_SWEEP_THRESHOLDS);
  });
});
