import {
  DEFAULT_DETECTION_OPTIONS,
  SCORE_CAP,
  deviationScore,
  scorePoint,
  severityForScore,
  standardisedResidual,
  type ForecastPoint,
  type ScoreOptions,
} from '../../../src/detect';

const symmetric: ForecastPoint = { yhat: 10, lower: 8, upper: 12, scale: 1 };
const asymmetric: ForecastPoint = { yhat: 10, lower: 9, upper: 14, scale: 1 };
const unitBand: ForecastPoint = { yhat: 0, lower: -1, upper: 1, scale: 0.5 };
const noTail = (): number => 1;
const withMultiplier = (thresholdMultiplier: number): ScoreOptions => ({
  ...DEFAULT_DETECTION_OPTIONS,
  thresholdMultiplier,
});

describe('deviationScore', () => {
  it('is exactly 0 at the forecast, 1 at each band edge and 2 at twice the half-band', () => {
    expect(deviationScore(10, symmetric)).toBe(0);
    expect(deviationScore(12, symmetric)).toBe(1);
    expect(deviationScore(8, symmetric)).toBe(1);
    expect(deviationScore(14, symmetric)).toBe(2);
    expect(deviationScore(6, symmetric)).toBe(2);
  });

  it('uses the upper half-band above the forecast and the lower one below it', () => {
    expect(deviationScore(14, asymmetric)).toBe(1);
    expect(deviationScore(9, asymmetric)).toBe(1);
    expect(deviationScore(12, asymmetric)).toBe(0.5);
    expect(deviationScore(8, asymmetric)).toBe(2);
  });

  it('gives 0 for an exact hit on a zero-width band and SCORE_CAP for any miss', () => {
    const collapsed: ForecastPoint = { yhat: 5, lower: 5, upper: 5, scale: 0 };
    expect(deviationScore(5, collapsed)).toBe(0);
    expect(deviationScore(5.001, collapsed)).toBe(SCORE_CAP);
    expect(deviationScore(4.999, collapsed)).toBe(SCORE_CAP);
  });

  it('treats a band edge on the wrong side of the forecast as a zero-width half-band', () => {
    expect(deviationScore(11, { yhat: 10, lower: 9, upper: 9.5, scale: 1 })).toBe(SCORE_CAP);
  });

  it('scores missing values, missing forecasts and unknown band edges as 0', () => {
    expect(deviationScore(Number.NaN, symmetric)).toBe(0);
    expect(deviationScore(Infinity, symmetric)).toBe(0);
    expect(deviationScore(11, { ...symmetric, yhat: Number.NaN })).toBe(0);
    expect(deviationScore(11, { ...symmetric, upper: Number.NaN })).toBe(0);
    // The other side's edge is irrelevant.
    expect(deviationScore(12, { ...symmetric, lower: Number.NaN })).toBe(1);
  });

  it('scores 0 inside an infinitely wide band and caps huge finite deviations', () => {
    expect(deviationScore(1e300, { yhat: 0, lower: -Infinity, upper: Infinity, scale: 1 })).toBe(0);
    expect(deviationScore(1e300, { yhat: 0, lower: -1e-300, upper: 1e-300, scale: 1 })).toBe(SCORE_CAP);
  });
});

describe('standardisedResidual', () => {
  it('divides the deviation by the scale', () => {
    expect(standardisedResidual(13, { ...symmetric, scale: 2 })).toBe(1.5);
    expect(standardisedResidual(7, { ...symmetric, scale: 2 })).toBe(-1.5);
  });

  it('keeps the side as ±Infinity when the scale is degenerate and NaN when the value is missing', () => {
    expect(standardisedResidual(11, { ...symmetric, scale: 0 })).toBe(Infinity);
    expect(standardisedResidual(9, { ...symmetric, scale: Number.NaN })).toBe(-Infinity);
    expect(standardisedResidual(10, { ...symmetric, scale: 0 })).toBe(0);
    expect(standardisedResidual(Number.NaN, symmetric)).toBeNaN();
  });
});

describe('scorePoint', () => {
  it('copies the forecast and timestamp and never sets the drift flag itself', () => {
    const p = scorePoint(1_700_000_000_000, 12, symmetric, noTail, DEFAULT_DETECTION_OPTIONS);
    expect(p).toMatchObject({ timestampMs: 1_700_000_000_000, actual: 12, yhat: 10, lower: 8, upper: 12 });
    expect(p.drift).toBe(false);
  });

  it('flags a point exactly on the band edge as normal and one just beyond it as anomalous', () => {
    expect(scorePoint(0, 12, symmetric, noTail, DEFAULT_DETECTION_OPTIONS).isAnomaly).toBe(false);
    expect(scorePoint(0, 12.001, symmetric, noTail, DEFAULT_DETECTION_OPTIONS).isAnomaly).toBe(true);
  });

  it('with multiplier 1.5 flags a score of 1.6 but not one of 1.4, and reports 1.5 as the threshold', () => {
    const flagged = scorePoint(0, 1.6, unitBand, noTail, withMultiplier(1.5));
    const passed = scorePoint(0, 1.4, unitBand, noTail, withMultiplier(1.5));
    expect(flagged.score).toBeCloseTo(1.6, 12);
    expect(flagged.isAnomaly).toBe(true);
    expect(flagged.threshold).toBe(1.5);
    expect(passed.isAnomaly).toBe(false);
    expect(passed.threshold).toBe(1.5);
  });

  it('gives direction 1 above, -1 below and 0 for any point that is not anomalous', () => {
    expect(scorePoint(0, 2, unitBand, noTail, DEFAULT_DETECTION_OPTIONS).direction).toBe(1);
    expect(scorePoint(0, -2, unitBand, noTail, DEFAULT_DETECTION_OPTIONS).direction).toBe(-1);
    expect(scorePoint(0, 0.5, unitBand, noTail, DEFAULT_DETECTION_OPTIONS).direction).toBe(0);
    // Outside the calibrated band but inside the scaled one: not an anomaly, so no side either.
    expect(scorePoint(0, -1.4, unitBand, noTail, withMultiplier(1.5)).direction).toBe(0);
  });

  it('grades severity at the documented cut-offs with strict inequalities', () => {
    const severityAt = (score: number): string =>
      scorePoint(0, score, unitBand, noTail, DEFAULT_DETECTION_OPTIONS).severity;
    expect(severityAt(1)).toBe('NONE');
    expect(severityAt(1.01)).toBe('LOW');
    expect(severityAt(1.5)).toBe('LOW');
    expect(severityAt(1.51)).toBe('MEDIUM');
    expect(severityAt(2.5)).toBe('MEDIUM');
    expect(severityAt(2.51)).toBe('HIGH');
    expect(severityAt(4)).toBe('HIGH');
    expect(severityAt(4.01)).toBe('CRITICAL');
  });

  it('gives an anomaly below the LOW cut-off (a multiplier under 1) severity LOW, never NONE', () => {
    const p = scorePoint(0, 0.8, unitBand, noTail, withMultiplier(0.5));
    expect(p.isAnomaly).toBe(true);
    expect(p.severity).toBe('LOW');
    expect(severityForScore(0.8, DEFAULT_DETECTION_OPTIONS.severity)).toBe('NONE');
  });

  it('keeps severity NONE for a high score that the multiplier does not flag', () => {
    const p = scorePoint(0, 2, unitBand, noTail, withMultiplier(3));
    expect(p.isAnomaly).toBe(false);
    expect(p.severity).toBe('NONE');
  });

  it('computes confidence as 1 - tailProbability(z) with z = (actual - yhat) / scale', () => {
    const seen: number[] = [];
    const tail = (z: number): number => {
      seen.push(z);
      return Math.exp(-Math.abs(z));
    };
    const above = scorePoint(0, 0.5, unitBand, tail, DEFAULT_DETECTION_OPTIONS);
    const below = scorePoint(0, -1, unitBand, tail, DEFAULT_DETECTION_OPTIONS);
    expect(seen).toEqual([1, -2]);
    expect(above.confidence).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(below.confidence).toBeCloseTo(1 - Math.exp(-2), 12);
  });

  it('has confidence 0 at the forecast', () => {
    const tail = (z: number): number => (z === 0 ? 1 : 0.5);
    expect(scorePoint(0, 0, unitBand, tail, DEFAULT_DETECTION_OPTIONS).confidence).toBe(0);
  });

  it('clamps a misbehaving tail probability into a confidence in [0, 1]', () => {
    expect(scorePoint(0, 2, unitBand, () => 1.2, DEFAULT_DETECTION_OPTIONS).confidence).toBe(0);
    expect(scorePoint(0, 2, unitBand, () => -0.1, DEFAULT_DETECTION_OPTIONS).confidence).toBe(1);
    expect(scorePoint(0, 2, unitBand, () => Number.NaN, DEFAULT_DETECTION_OPTIONS).confidence).toBe(0);
  });

  it('reports a miss of a zero-width band as a finite CRITICAL anomaly with confidence 1', () => {
    const tail = jest.fn(() => 0.5);
    const p = scorePoint(0, 6, { yhat: 5, lower: 5, upper: 5, scale: 0 }, tail, DEFAULT_DETECTION_OPTIONS);
    expect(p).toMatchObject({ score: SCORE_CAP, isAnomaly: true, severity: 'CRITICAL', direction: 1 });
    expect(p.confidence).toBe(1);
    expect(tail).not.toHaveBeenCalled();
  });

  it('scores a missing value as a normal point with confidence 0 and no NaN anywhere but actual', () => {
    const p = scorePoint(0, Number.NaN, symmetric, () => Number.NaN, DEFAULT_DETECTION_OPTIONS);
    expect(p).toMatchObject({ score: 0, isAnomaly: false, direction: 0, severity: 'NONE', confidence: 0 });
    expect([p.score, p.threshold, p.confidence, p.yhat, p.lower, p.upper].every(Number.isFinite)).toBe(true);
  });
});

describe('DEFAULT_DETECTION_OPTIONS', () => {
  it('flags points beyond the calibrated band edge and grades them at 1, 1.5, 2.5 and 4 half-bands', () => {
    expect(DEFAULT_DETECTION_OPTIONS.thresholdMultiplier).toBe(1);
    expect(DEFAULT_DETECTION_OPTIONS.severity).toEqual({ low: 1, medium: 1.5, high: 2.5, critical: 4 });
    expect(DEFAULT_DETECTION_OPTIONS.episode.mergeGapMs).toBe(60 * 60_000);
  });
});
