import {
  DEFAULT_DETECTION_OPTIONS,
  SeriesDetector,
  type EpisodeEvent,
  type ForecastPoint,
  type SeriesObservation,
} from '../../../src/detect';
import { SCORE_ANOMALY, SCORE_DRIFT, scoreColumns } from '../../../src/detect/seriesDetector';
import { routineResetDirection } from '../../../src/model/resets';
import { normalTailProbability } from '../../../src/model/augurs/common';
import type { DetectionOptions } from '../../../src/detect/types';
import type { ScoredPoint } from '../../../src/domain/anomaly';
import { Random } from '../../../src/domain/random';

const STEP = 5 * 60_000;
const T0 = 1_700_000_000_000;
const POINTS_PER_DAY = 288;
/** A 95% band around 0 for unit-scale Gaussian residuals. */
const BAND: ForecastPoint = { yhat: 0, lower: -1.96, upper: 1.96, scale: 1 };
/**
 * The exact two-sided tail P(|N(0,1)| >= |z|) = erfc(|z|/√2) (Numerical Recipes' erfc, relative error
 * < 1.2e-7): the drift CUSUM reads residuals through the model's tail (detect/normalScore.ts), which for a
 * standard-normal model must give back z itself.
 */
const gaussianTail = normalTailProbability;

const RULES_2_OF_3: DetectionOptions = {
  ...DEFAULT_DETECTION_OPTIONS,
  episode: { ...DEFAULT_DETECTION_OPTIONS.episode, minPoints: 2, window: 3 },
};

/** A day of noise with a level shift, a spike, a missing stretch and a slow ramp. */
function scenario(seed: number, n: number): Float64Array {
  const random = new Random(seed);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = random.normal();
    if (i >= 40 && i < 55) v += 3;
    if (i === 80) v -= 9;
    if (i >= 100 && i < 104) v = Number.NaN;
    if (i >= 150) v += 0.015 * (i - 150);
    values[i] = v;
  }
  return values;
}

interface Collected {
  scored: ScoredPoint[];
  ids: string[];
  events: EpisodeEvent[];
}

function oneAtATime(detector: SeriesDetector, values: Float64Array): Collected {
  const out: Collected = { scored: [], ids: [], events: [] };
  const indexOf = new Map<number, number>();
  values.forEach((v, i) => {
    const r: SeriesObservation = detector.observe(T0 + i * STEP, v, BAND, gaussianTail);
    indexOf.set(T0 + i * STEP, i);
    out.scored.push(r.scored);
    out.ids.push(r.episodeId);
    for (const t of r.joinedMs) out.ids[indexOf.get(t) ?? -1] = r.episodeId;
    out.events.push(...r.events);
  });
  return out;
}

describe('SeriesDetector', () => {
  it('gives identical results whether points arrive one at a time or in batches of any size', () => {
    const n = 288;
    const values = scenario(7, n);
    const single = oneAtATime(new SeriesDetector('cpu{host="a"}', RULES_2_OF_3, { stepMs: STEP }), values);

    const batched = new SeriesDetector('cpu{host="a"}', RULES_2_OF_3, { stepMs: STEP });
    const sizes = new Random(3);
    const got: Collected = { scored: [], ids: [], events: [] };
    for (let start = 0; start < n;) {
      const end = Math.min(n, start + sizes.int(1, 40));
      const ts = Float64Array.from({ length: end - start }, (_, j) => T0 + (start + j) * STEP);
      const columns = {
        yhat: new Float64Array(end - start).fill(BAND.yhat),
        lower: new Float64Array(end - start).fill(BAND.lower),
        upper: new Float64Array(end - start).fill(BAND.upper),
        scale: new Float64Array(end - start).fill(BAND.scale),
      };
      const r = batched.observeMany(ts, values.subarray(start, end), columns, gaussianTail);
      got.scored.push(...r.scored);
      got.ids.push(...r.episodeIds);
      for (const join of r.earlierJoins) got.ids[(join.timestampMs - T0) / STEP] = join.episodeId;
      got.events.push(...r.events);
      start = end;
    }
    expect(got).toEqual(single);
    // The scenario is not trivial: it has band episodes, a drift episode and anomalous points.
    const causes = single.events.filter((e) => e.kind === 'opened').map((e) => e.episode.cause);
    expect(causes).toContain('band');
    expect(causes).toContain('drift');
  });

  it('writes into reused columns exactly the verdicts observe returns, field for field', () => {
    const n = 288;
    const values = scenario(11, n);
    // φ known, so points are judged against the one-step-corrected forecast (yhat/lower/upper move).
    const refit = { metrics: { residualLag1: 0.6 } };
    const reference = new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP });
    reference.onRefit(refit);
    const single = oneAtATime(reference, values);

    const detector = new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP });
    detector.onRefit(refit);
    // Longer than any run and left dirty by a first run over other values: every entry read must be rewritten.
    const columns = scoreColumns(100);
    new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP }).observeColumns(
      Float64Array.from({ length: 100 }, (_, i) => T0 + i * STEP),
      scenario(99, 100).map((v) => v * 5),
      {
        yhat: new Float64Array(100),
        lower: new Float64Array(100).fill(-1),
        upper: new Float64Array(100).fill(1),
        scale: new Float64Array(100).fill(1),
      },
      gaussianTail,
      columns,
    );
    const ids: string[] = [];
    const events: EpisodeEvent[] = [];
    let anomalies = 0;
    for (let start = 0; start < n; start += 72) {
      const m = 72;
      const ts = Float64Array.from({ length: m }, (_, j) => T0 + (start + j) * STEP);
      const forecast = {
        yhat: new Float64Array(m).fill(BAND.yhat),
        lower: new Float64Array(m).fill(BAND.lower),
        upper: new Float64Array(m).fill(BAND.upper),
        scale: new Float64Array(m).fill(BAND.scale),
      };
      const r = detector.observeColumns(
        ts,
        values.subarray(start, start + m),
        forecast,
        gaussianTail,
        columns,
      );
      expect(r.columns).toBe(columns);
      for (let j = 0; j < m; j++) {
        const want = single.scored[start + j];
        const flags = columns.flags[j];
        expect({
          yhat: columns.yhat[j],
          lower: columns.lower[j],
          upper: columns.upper[j],
          score: columns.score[j],
          confidence: columns.confidence[j],
          direction: columns.direction[j],
          isAnomaly: (flags & SCORE_ANOMALY) !== 0,
          drift: (flags & SCORE_DRIFT) !== 0,
        }).toEqual({
          yhat: want.yhat,
          lower: want.lower,
          upper: want.upper,
          score: want.score,
          confidence: want.confidence,
          direction: want.direction,
          isAnomaly: want.isAnomaly,
          drift: want.drift,
        });
        if (want.isAnomaly) anomalies++;
        ids.push(columns.episodeIds[j]);
      }
      for (const join of r.earlierJoins) ids[(join.timestampMs - T0) / STEP] = join.episodeId;
      events.push(...r.events);
    }
    expect(ids).toEqual(single.ids);
    expect(events).toEqual(single.events);
    expect(anomalies).toBeGreaterThan(0);
    expect(single.ids.some((id) => id !== '')).toBe(true);
    expect(single.scored.some((p) => p.yhat !== BAND.yhat)).toBe(true);
  });

  it('opens a drift episode on a slow ramp before any point leaves the band', () => {
    const detector = new SeriesDetector('mem', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    let openedAt = -1;
    let firstDriftPoint = -1;
    for (let i = 0; i < 98 && openedAt < 0; i++) {
      const r = detector.observe(T0 + i * STEP, 0.02 * i, BAND, gaussianTail);
      expect(r.scored.isAnomaly).toBe(false);
      if (r.scored.drift && firstDriftPoint < 0) firstDriftPoint = i;
      if (r.events.some((e) => e.kind === 'opened')) {
        openedAt = i;
        expect(r.events[0].episode).toMatchObject({
          cause: 'drift',
          direction: 1,
          severity: 'LOW',
          open: true,
        });
        expect(r.episodeId).toBe(`mem:${T0 + i * STEP}`);
      }
    }
    // k = 0.5, h = 10 (no autocorrelation known): the CUSUM first exceeds h at point 57 (see drift.test.ts).
    expect(openedAt).toBe(57);
    expect(firstDriftPoint).toBe(57);
  });

  it('keeps one drift episode open while the ramp goes on and through it leaving the band', () => {
    const detector = new SeriesDetector('mem', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    const opened: EpisodeEvent[] = [];
    for (let i = 0; i < 200; i++) {
      const r = detector.observe(T0 + i * STEP, 0.02 * i, BAND, gaussianTail);
      opened.push(...r.events.filter((e) => e.kind === 'opened'));
    }
    expect(opened).toHaveLength(1);
    expect(detector.currentEpisode).toMatchObject({ cause: 'drift', open: true, endMs: T0 + 199 * STEP });
    // Peak at the last point: 3.98 / 1.96 ≈ 2.03 half-bands, between the MEDIUM (1.5) and HIGH (2.5) cut-offs.
    expect(detector.currentEpisode?.peakScore).toBeCloseTo(3.98 / 1.96, 12);
    expect(detector.currentEpisode?.severity).toBe('MEDIUM');
  });

  it('scores a missing value without touching drift or episode state', () => {
    const detector = new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP });
    detector.observe(T0, 3, BAND, gaussianTail);
    const missing = detector.observe(T0 + STEP, Number.NaN, BAND, gaussianTail);
    expect(missing.scored).toMatchObject({ score: 0, isAnomaly: false, drift: false, confidence: 0 });
    expect(missing.episodeId).toBe('');
    const next = detector.observe(T0 + 2 * STEP, 3, BAND, gaussianTail);
    expect(next.joinedMs).toEqual([T0]);
  });

  it('scores a duplicate or late point but lets it change no state', () => {
    const detector = new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP });
    detector.observe(T0, 3, BAND, gaussianTail);
    const late = detector.observe(T0, 9, BAND, gaussianTail);
    expect(late.scored.isAnomaly).toBe(true);
    expect(late).toMatchObject({ episodeId: '', joinedMs: [], events: [] });
    // Had the duplicate counted, this point would be the third anomalous one, not the second.
    const next = detector.observe(T0 + STEP, 3, BAND, gaussianTail);
    expect(next.events[0].episode.points).toBe(2);
  });

  it('clears a drift alarm on refit so the new model starts without the old bias', () => {
    const ramp = (detector: SeriesDetector): void => {
      for (let i = 0; i <= 75; i++) detector.observe(T0 + i * STEP, 0.02 * i, BAND, gaussianTail);
    };
    const kept = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    ramp(kept);
    expect(kept.observe(T0 + 76 * STEP, 0, BAND, gaussianTail).scored.drift).toBe(true);

    const refitted = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    ramp(refitted);
    refitted.onRefit();
    expect(refitted.observe(T0 + 76 * STEP, 0, BAND, gaussianTail).scored.drift).toBe(false);
  });

  it('reports confidence and severity from the scorer and the drift flag from the drift detector', () => {
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    const r = detector.observe(T0, 1.96 * 2, BAND, gaussianTail);
    expect(r.scored).toMatchObject({
      score: 2,
      isAnomaly: true,
      severity: 'MEDIUM',
      direction: 1,
      drift: false,
    });
    expect(r.scored.confidence).toBeCloseTo(1 - gaussianTail(3.92), 12);
  });

  it('opens at most 0.2 false episodes per series per day on white and AR(1) residuals of known φ', () => {
    // Defaults, 95% band, 8 seeds × 10 days each, the detector told φ as a fitted model reports it
    // (metrics.residualLag1). Observed with these seeds: white 0.075 (all drift); φ = 0.5 0.0375;
    // φ = 0.9 0. Blind to φ (the pre-1-step behaviour) the same AR(1) φ = 0.5 residuals open 1.51 a day.
    const days = 10;
    for (const phi of [0, 0.5, 0.9]) {
      let episodes = 0;
      for (let seed = 1; seed <= 8; seed++) {
        const random = new Random(seed);
        const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
          stepMs: STEP,
          residualAutocorrelation: phi,
        });
        const innovationSd = Math.sqrt(1 - phi * phi);
        let e = random.normal();
        for (let i = 0; i < days * POINTS_PER_DAY; i++) {
          e = phi * e + innovationSd * random.normal();
          const r = detector.observe(T0 + i * STEP, e, BAND, gaussianTail);
          episodes += r.events.filter((ev) => ev.kind === 'opened').length;
        }
      }
      expect(episodes / (8 * days)).toBeLessThanOrEqual(0.2);
    }
  });

  it('flags a level shift of 3σ on AR(1) φ = 0.9 residuals at once and keeps it flagged (not absorbed)', () => {
    // The one-step band is √(1 − 0.81) ≈ 0.44 of the model's: a jump of 3σ is ~7 one-step sds. Over 20
    // seeds, a 36-point shift of 3σ opens an episode in all 20 (at its first point, via the look-back), and
    // 81% of its points lie in an episode; a 5σ shift is caught in all 20, every point in the episode.
    const sd = Math.sqrt(1 - 0.81);
    const run = (shift: number): { detected: number; inEpisode: number } => {
      let detected = 0;
      let inEpisode = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const random = new Random(100 + seed);
        const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
          stepMs: STEP,
          residualAutocorrelation: 0.9,
        });
        let e = random.normal();
        let hit = false;
        for (let i = 0; i < 600; i++) {
          e = 0.9 * e + sd * random.normal();
          const inShift = i >= 300 && i < 336;
          const r = detector.observe(T0 + i * STEP, e + (inShift ? shift : 0), BAND, gaussianTail);
          if (inShift && r.episodeId !== '') {
            hit = true;
            inEpisode++;
          }
        }
        if (hit) detected++;
      }
      return { detected, inEpisode: inEpisode / (20 * 36) };
    };
    const three = run(3);
    expect(three.detected).toBe(20);
    expect(three.inEpisode).toBeCloseTo(0.815, 3);
    expect(run(5)).toEqual({ detected: 20, inEpisode: 1 });
  });

  it('judges against the one-step forecast once it knows φ, and reports that point', () => {
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.8,
    });
    detector.observe(T0, 1.5, BAND, gaussianTail);
    // Next forecast: 0.8 · 1.5 = 1.2, half-bands 1.96 · 0.6 = 1.176.
    const r = detector.observe(T0 + STEP, 1.2 + 1.176 * 2, BAND, gaussianTail);
    expect(r.scored.yhat).toBeCloseTo(1.2, 12);
    expect(r.scored.upper).toBeCloseTo(1.2 + 1.176, 12);
    expect(r.scored.score).toBeCloseTo(2, 12);
    expect(r.scored.isAnomaly).toBe(true);
  });

  it('does not flag a return to the model forecast, however far from the one-step forecast', () => {
    // A heap that grew to +1.8 and dropped back to 0 after GC: 0 is 2.4 one-step half-bands below the
    // one-step forecast (0.9 · 1.8 = 1.62, half-band 1.96 · 0.436 = 0.854), but it lies between that and the
    // model's forecast and inside the model's band, so it is judged against the model: score 0.
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.9,
    });
    detector.observe(T0, 1.8, BAND, gaussianTail);
    const back = detector.observe(T0 + STEP, 0, BAND, gaussianTail);
    expect(back.scored).toMatchObject({ yhat: 0, score: 0, isAnomaly: false });
    // A jump past the model forecast ending further from it than the one-step forecast was (|−1.9| > 1.62),
    // though still inside the model's band, is judged against the one-step point: (−1.9 − 1.62) / 0.854 ≈ 4.1.
    const other = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.9,
    });
    other.observe(T0, 1.8, BAND, gaussianTail);
    const below = other.observe(T0 + STEP, -1.9, BAND, gaussianTail);
    expect(below.scored.yhat).toBeCloseTo(1.62, 12);
    expect(below.scored.isAnomaly).toBe(true);
  });

  it('starts the one-step correction whole from a value inside the model band when it has nothing to go on', () => {
    // A fresh detector has no trusted residual: a first value 3.5 model deviations up, inside a band of ±4,
    // is the series' normal and is taken whole (0.9 · 3.5), not clipped to 2 deviations (0.9 · 2).
    const wide: ForecastPoint = { yhat: 0, lower: -4, upper: 4, scale: 1 };
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.9,
    });
    d.observe(T0, 3.5, wide, gaussianTail);
    expect(d.observe(T0 + STEP, 3.4, wide, gaussianTail).scored.yhat).toBeCloseTo(3.15, 12);
    // Outside the model band it is still clipped (a level shift must not be absorbed at its first point).
    const out = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.9,
    });
    out.observe(T0, 5, wide, gaussianTail);
    expect(out.observe(T0 + STEP, 5, wide, gaussianTail).scored.yhat).toBeCloseTo(1.8, 12);
  });

  it('does not flag a step in the model forecast itself (a weekend shape starting at midnight)', () => {
    const stepped: ForecastPoint = { yhat: 3, lower: 1.04, upper: 4.96, scale: 1 };
    const run = (model: ForecastPoint): SeriesObservation => {
      const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
        stepMs: STEP,
        residualAutocorrelation: 0.9,
      });
      d.observe(T0, 0.5, BAND, gaussianTail);
      d.observe(T0 + STEP, 0.5, BAND, gaussianTail);
      return d.observe(T0 + 2 * STEP, 0.5, model, gaussianTail);
    };
    // The series holds at 0.5 while the model's forecast steps from 0 to 3: judged against the one-step
    // forecast without the step (0.45), not against 3 + 0.45.
    const held = run(stepped);
    expect(held.scored.yhat).toBeCloseTo(0.45, 12);
    expect(held.scored.isAnomaly).toBe(false);
    // Without a step in the model the same forecast, reached gradually, still judges 0.5 anomalous.
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.9,
    });
    d.observe(T0, 3.5, stepped, gaussianTail);
    d.observe(T0 + STEP, 3.5, stepped, gaussianTail);
    expect(d.observe(T0 + 2 * STEP, 0.5, stepped, gaussianTail).scored.isAnomaly).toBe(true);
  });

  it('on a series with routine resets, counts no move towards the model as a return, even onto its forecast', () => {
    const judged = (resets: boolean, value: number): number => {
      const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
      d.onRefit({
        metrics: resets
          ? { residualLag1: 0.9, resetsDownPerDay: 2, resetsUpPerDay: 0.1 }
          : { residualLag1: 0.9 },
      });
      d.observe(T0, 1.8, BAND, gaussianTail);
      return d.observe(T0 + STEP, value, BAND, gaussianTail).scored.yhat;
    };
    // From 1.8 towards the model's 0: landing at 1.2 or at 0.8 (0.41 model half-bands, as near as a move
    // inside the one-step band gets) is a return on a plain series, but a dip from the top of a sawtooth on
    // a resetting one (a level shift up from its bottom can land as near): judged against the one-step
    // forecast 1.62. (A jump out of the one-step band down to the forecast is a routine reset, tested below.)
    expect(judged(false, 1.2)).toBe(0);
    expect(judged(false, 0.8)).toBe(0);
    expect(judged(true, 1.2)).toBeCloseTo(1.62, 12);
    expect(judged(true, 0.8)).toBeCloseTo(1.62, 12);
  });

  it("reads the sustained-shift rule's residuals under the model's shift distribution when it has one", () => {
    // The band's distribution twice as wide as the residual's noise (z = 1.8 reads as 0.9, under the rule's
    // floor of 1) while the hold-out's own distribution is the noise's: 24 residuals at 1.8 in a row are a
    // shift only when the rule reads them under the latter. The drift CUSUM is off so only the shift rule
    // can speak.
    const options: DetectionOptions = {
      ...DEFAULT_DETECTION_OPTIONS,
      drift: { ...DEFAULT_DETECTION_OPTIONS.drift, enabled: false },
    };
    const wideTail = (z: number): number => gaussianTail(z / 2);
    const flagged = (withShiftTail: boolean): number => {
      const d = new SeriesDetector('s', options, { stepMs: STEP });
      d.onRefit(
        withShiftTail
          ? { metrics: { shiftLevel: 1.2 }, shiftTailProbability: gaussianTail }
          : { metrics: { shiftLevel: 1.2 } },
      );
      let drift = 0;
      for (let i = 0; i < 30; i++) {
        const r = d.observe(T0 + i * STEP, 1.8 + 0.01 * (i % 3), BAND, wideTail);
        expect(r.scored.isAnomaly).toBe(false);
        if (r.scored.drift) drift++;
      }
      return drift;
    };
    // The window fills at the 24th point: points 24..30 are flagged.
    expect(flagged(true)).toBe(7);
    expect(flagged(false)).toBe(0);
  });

  it('takes a jump the series routinely makes (learned from its history) as a reset, not an incident', () => {
    // The same drop past the model forecast to −1.9 as above, on a series whose history drops that way
    // twice a day and hardly ever jumps up (a GC sawtooth): judged against the model, and the one-step
    // forecast restarts from the new value (0.9 · −1.9) instead of steering back to the old level.
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    detector.onRefit({ metrics: { residualLag1: 0.9, resetsDownPerDay: 2, resetsUpPerDay: 0.1 } });
    detector.observe(T0, 1.8, BAND, gaussianTail);
    const drop = detector.observe(T0 + STEP, -1.9, BAND, gaussianTail);
    expect(drop.scored).toMatchObject({ yhat: 0, isAnomaly: false });
    expect(detector.observe(T0 + 2 * STEP, -1.8, BAND, gaussianTail).scored.yhat).toBeCloseTo(-1.71, 12);
    // Routine or not, a drop beyond twice the model's band (−4.5 < −2 · 1.96) is judged against the one-step point.
    const far = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    far.onRefit({ metrics: { residualLag1: 0.9, resetsDownPerDay: 2, resetsUpPerDay: 0.1 } });
    far.observe(T0, 1.8, BAND, gaussianTail);
    expect(far.observe(T0 + STEP, -4.5, BAND, gaussianTail).scored.yhat).toBeCloseTo(1.62, 12);
    // A drop under half the median size of the history's resets is a dip, not a GC: from 3.5 in a ±4 band
    // (one-step forecast 3.15) to −3 is a jump of 6.15 model deviations, under 0.5 · 14 but not 0.5 · 8.
    const wide: ForecastPoint = { yhat: 0, lower: -4, upper: 4, scale: 1 };
    const dropWith = (resetDownSize: number): number => {
      const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
      d.onRefit({
        metrics: { residualLag1: 0.9, resetsDownPerDay: 2, resetsUpPerDay: 0.1, resetDownSize },
      });
      d.observe(T0, 3.5, wide, gaussianTail);
      return d.observe(T0 + STEP, -3, wide, gaussianTail).scored.yhat;
    };
    expect(dropWith(14)).toBeCloseTo(3.15, 12);
    expect(dropWith(8)).toBe(0);
    // A jump against the routine direction is no reset.
    const up = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    up.onRefit({ metrics: { residualLag1: 0.9, resetsDownPerDay: 2, resetsUpPerDay: 0.1 } });
    up.observe(T0, -1.8, BAND, gaussianTail);
    expect(up.observe(T0 + STEP, 1.9, BAND, gaussianTail).scored.isAnomaly).toBe(true);
  });

  it('on a series with routine resets and a learnt growth, judges against the last value plus the growth', () => {
    const metrics = { residualLag1: 0.98, resetsDownPerDay: 2, resetsUpPerDay: 0.1, resetDownSize: 3 };
    const sawtooth = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    sawtooth.onRefit({ metrics: { ...metrics, resetGrowth: 0.05, resetStepRatio: 0.1 } });
    // Climbing 0.05 a step, 1.5 model deviations above the forecast: the AR(1) correction would expect
    // 0.98 · 1.5 = 1.47 and flag the climb (its band there is 0.5 · √(1 − 0.98²) of the model's); the
    // reset predictor expects 1.5 + 0.05 in a band of ±0.196.
    sawtooth.observe(T0, 1.5, BAND, gaussianTail);
    const next = sawtooth.observe(T0 + STEP, 1.56, BAND, gaussianTail).scored;
    expect(next.yhat).toBeCloseTo(1.55, 12);
    expect(next.upper - next.yhat).toBeCloseTo(0.196, 12);
    expect(next.isAnomaly).toBe(false);
    const ar1 = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    ar1.onRefit({ metrics });
    ar1.observe(T0, 1.5, BAND, gaussianTail);
    expect(ar1.observe(T0 + STEP, 1.56, BAND, gaussianTail).scored.yhat).toBeCloseTo(1.47, 12);
    // A residual that does not persist like a sawtooth's (φ 0.5: a noisy series that merely jumps often)
    // keeps the AR(1) correction, growth or not.
    const noisy = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    noisy.onRefit({ metrics: { ...metrics, residualLag1: 0.5, resetGrowth: 0.05, resetStepRatio: 0.1 } });
    noisy.observe(T0, 1.5, BAND, gaussianTail);
    expect(noisy.observe(T0 + STEP, 1.56, BAND, gaussianTail).scored.yhat).toBeCloseTo(0.75, 12);
    // A GC drop is still a routine reset, and the prediction restarts from where it landed.
    expect(sawtooth.observe(T0 + 2 * STEP, -1.5, BAND, gaussianTail).scored).toMatchObject({
      yhat: 0,
      isAnomaly: false,
    });
    expect(sawtooth.observe(T0 + 3 * STEP, -1.45, BAND, gaussianTail).scored.yhat).toBeCloseTo(-1.45, 12);
  });

  it('on a series with routine resets, flags growth persistently faster than the learnt one as a leak', () => {
    const run = (extra: number): boolean => {
      const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
      d.onRefit({
        metrics: {
          residualLag1: 0.98,
          resetsDownPerDay: 2,
          resetsUpPerDay: 0.1,
          resetGrowth: 0.01,
          resetStepRatio: 0.1,
        },
      });
      let drift = false;
      // Inside the model's band throughout (from −1.5 up by at most 0.1 a step for 30 steps), and every
      // step inside the predictor's band (±0.196).
      for (let i = 0; i < 30; i++) {
        drift ||= d.observe(T0 + i * STEP, -1.5 + (0.01 + extra) * i, BAND, gaussianTail).scored.drift;
      }
      return drift;
    };
    // One-step errors of 0.09 z are 0.9 in units of the predictor's 0.1 z spread: 0.4 above the allowance
    // of 0.5 a step, over h = 8 within 21 steps.
    expect(run(0.09)).toBe(true);
    expect(run(0)).toBe(false);
  });

  it('raises the immediate score on series whose one-step errors have heavy tails, never lowers it', () => {
    const opensAt = (oneStepTailRatio: number | undefined, score: number): boolean => {
      const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
      d.onRefit({ metrics: { oneStepTailRatio } });
      // One point `score` half-bands out (band 1.96 around 0).
      return d.observe(T0, score * 1.96, BAND, gaussianTail).events.some((e) => e.kind === 'opened');
    };
    const gaussian = 1.96 / 0.6745;
    expect(opensAt(gaussian, 2.1)).toBe(true); // the default 2 applies
    expect(opensAt(undefined, 2.1)).toBe(true);
    expect(opensAt(gaussian, 1.9)).toBe(false);
    expect(opensAt(0.5 * gaussian, 1.9)).toBe(false); // lighter tails keep 2
    expect(opensAt(2 * gaussian, 3.9)).toBe(false); // twice as heavy: 4
    expect(opensAt(2 * gaussian, 4.1)).toBe(true);
  });

  it('sees routine resets only in one-sided, frequent jumps', () => {
    expect(routineResetDirection(0.1, 2)).toBe(-1);
    expect(routineResetDirection(3, 0.5)).toBe(1);
    expect(routineResetDirection(2, 2)).toBe(0); // noise jumps both ways
    expect(routineResetDirection(0, 0.14)).toBe(0); // two dips in two weeks are anomalies, not routine
    expect(routineResetDirection(undefined, 2)).toBe(0);
  });

  it('adopts the residual autocorrelation of each new model on refit', () => {
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    detector.observe(T0, 1.5, BAND, gaussianTail);
    // φ unknown: judged against the model itself.
    expect(detector.observe(T0 + STEP, 1, BAND, gaussianTail).scored.yhat).toBe(0);
    detector.onRefit({ metrics: { residualLag1: 0.5 } });
    // The new model's first point has no trusted residual yet; the next one is corrected by 0.5 · 1.
    expect(detector.observe(T0 + 2 * STEP, 1, BAND, gaussianTail).scored.yhat).toBe(0);
    expect(detector.observe(T0 + 3 * STEP, 1, BAND, gaussianTail).scored.yhat).toBeCloseTo(0.5, 12);
    // A model without the metric (e.g. a level model) keeps the φ in use.
    detector.onRefit({ metrics: {} });
    detector.observe(T0 + 4 * STEP, 1, BAND, gaussianTail);
    expect(detector.observe(T0 + 5 * STEP, 1, BAND, gaussianTail).scored.yhat).toBeCloseTo(0.5, 12);
  });

  it('asks the model tail once per point judged against the model itself, twice when corrected', () => {
    const asked: number[] = [];
    const counting = (z: number): number => {
      asked.push(z);
      return gaussianTail(z);
    };
    const values = scenario(5, 60).map((v) => 0.5 * v);
    const plain = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    const reference = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    values.forEach((v, i) => {
      const counted = plain.observe(T0 + i * STEP, v, BAND, counting);
      // The same verdicts as with a tail asked as often as the rules read it.
      expect(counted).toEqual(reference.observe(T0 + i * STEP, v, BAND, gaussianTail));
    });
    // Half-scale noise never reaches the spike rule's score, which asks the tail once more.
    expect(asked).toHaveLength(values.length);
    asked.length = 0;
    const corrected = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, {
      stepMs: STEP,
      residualAutocorrelation: 0.8,
    });
    let judgedOnCorrection = 0;
    values.forEach((v, i) => {
      if (corrected.observe(T0 + i * STEP, v, BAND, counting).scored.yhat !== BAND.yhat) judgedOnCorrection++;
    });
    // A point judged against the one-step forecast has a residual of its own besides the model's; one
    // judged against the model's point (the first, with nothing to correct from, or a return to the model)
    // has just the one.
    expect(judgedOnCorrection).toBeGreaterThan(values.length / 2);
    expect(asked).toHaveLength(values.length + judgedOnCorrection);
  });

  it('flags a value stuck for 6 samples in a series that never repeats itself', () => {
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    const random = new Random(5);
    let openedAt = -1;
    for (let i = 0; i < 40 && openedAt < 0; i++) {
      const v = i < 20 ? random.normal() * 0.5 : 0.3; // well inside the band throughout
      const r = detector.observe(T0 + i * STEP, v, BAND, gaussianTail);
      if (r.events.some((e) => e.kind === 'opened')) {
        openedAt = i;
        expect(r.events[0].episode.cause).toBe('drift');
        expect(r.scored.drift).toBe(true);
      }
    }
    // 0.3 first at point 20; the 6th equal value in a row is point 25.
    expect(openedAt).toBe(25);
  });

  it('leaves a quantised series that often repeats itself to the band', () => {
    const detector = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    const random = new Random(6);
    let opened = 0;
    for (let i = 0; i < 400; i++) {
      // Whole numbers in {-1, 0, 1}: a third of the pairs repeat; then a long constant stretch.
      const v = i < 300 ? random.int(-1, 1) : 0;
      const r = detector.observe(T0 + i * STEP, v, BAND, gaussianTail);
      opened += r.events.filter((e) => e.kind === 'opened').length;
    }
    expect(opened).toBe(0);
  });
});

describe('SeriesDetector stuck-value rule learns from the training history', () => {
  const POINT = { yhat: 50, lower: 40, upper: 60, scale: 5 };
  const tail = (z: number): number => Math.min(1, 2 * Math.exp(-Math.abs(z)));
  const run = (repeatRate: number | undefined): boolean[] => {
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: 60_000 });
    d.onRefit({ metrics: { repeatRate } });
    const flags: boolean[] = [];
    // Eight identical in-band values in a row.
    for (let i = 0; i < 8; i++) flags.push(d.observe(i * 60_000, 51, POINT, tail).scored.drift);
    return flags;
  };

  it('flags a frozen value in a series whose history never repeated itself', () => {
    expect(run(0).some(Boolean)).toBe(true);
  });

  it('stays quiet on a staircase or quantised series whose history repeats values', () => {
    expect(run(0.3).some(Boolean)).toBe(false);
  });

  const runProfile = (shortRepeatRate: number, longRunsPerDay: number, longRunShare = 0.02): boolean => {
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: 60_000 });
    // repeatRate alone would turn the rule off: the split takes precedence.
    d.onRefit({ metrics: { repeatRate: 0.02, shortRepeatRate, longRunsPerDay, longRunShare } });
    let drift = false;
    for (let i = 0; i < 8; i++) drift ||= d.observe(i * 60_000, 51, POINT, tail).scored.drift;
    return drift;
  };

  it('still flags a frozen value when the history held a stuck exporter once (a rare long run)', () => {
    expect(runProfile(0, 1 / 14)).toBe(true);
  });

  it('stays quiet when long runs are daily (a staircase), short repeats common or the history mostly constant', () => {
    expect(runProfile(0, 3)).toBe(false);
    expect(runProfile(0.2, 0)).toBe(false);
    expect(runProfile(0, 0.4, 1)).toBe(false);
  });
});

describe('SeriesDetector spike rule: a single point opens an episode only when rare for the series', () => {
  /** Noise around the forecast, then one point 7 scales up (score 7 / 1.96 ≈ 3.6 half-bands). */
  const run = (metrics: { readonly [key: string]: number | undefined }): string[] => {
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    d.onRefit({ metrics });
    const random = new Random(3);
    const opened: string[] = [];
    for (let i = 0; i < 60; i++) {
      const v = i === 30 ? 7 : 0.5 * random.normal();
      const o = d.observe(T0 + i * STEP, v, BAND, gaussianTail);
      for (const e of o.events) if (e.kind === 'opened') opened.push(`${i}`);
    }
    return opened;
  };

  it('opens on a 7σ spike of a Gaussian model with no spike history (older model files too)', () => {
    expect(run({})).toEqual(['30']);
    expect(run({ spikeUpper: 4, spikeLower: -4 })).toEqual(['30']);
  });

  it('stays quiet when the training history had spikes of that size at least once per 1,000 points', () => {
    expect(run({ spikeUpper: 8, spikeLower: -1 })).toEqual([]);
  });

  it('still opens on a spike the other way', () => {
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    d.onRefit({ metrics: { spikeUpper: 20, spikeLower: -4 } });
    const o = d.observe(T0, -7, BAND, gaussianTail);
    expect(o.events.map((e) => e.kind)).toEqual(['opened']);
  });
});

describe('SeriesDetector spike rule with one-step spike levels', () => {
  /** Gaussian noise, then one point `size` scales up at index 30 (7 scales: score 3.6 half-bands). */
  const run = (metrics: { readonly [key: string]: number | undefined }, size = 7): string[] => {
    const d = new SeriesDetector('s', DEFAULT_DETECTION_OPTIONS, { stepMs: STEP });
    d.onRefit({ metrics });
    const random = new Random(3);
    const opened: string[] = [];
    for (let i = 0; i < 60; i++) {
      const v = i === 30 ? size : 0.5 * random.normal();
      const o = d.observe(T0 + i * STEP, v, BAND, gaussianTail);
      for (const e of o.events) if (e.kind === 'opened') opened.push(`${i}`);
    }
    return opened;
  };

  it('opens on a point beyond the level of its side and not on one inside it', () => {
    expect(run({ oneStepSpikeUpper: 6, oneStepSpikeLower: -6 })).toEqual(['30']);
    expect(run({ oneStepSpikeUpper: 8, oneStepSpikeLower: -2 })).toEqual([]);
    expect(run({ oneStepSpikeUpper: 8, oneStepSpikeLower: -2 }, -7)).toEqual(['30']);
  });

  it('replaces the spike levels and the tail-ratio raise: a heavy tail ratio no longer lifts immediate_score', () => {
    // 4.5 scales is 2.3 half-bands: above immediate_score 2, below it raised fourfold by a tail ratio 4x Gaussian.
    const heavy = { oneStepTailRatio: 4 * 2.906, spikeUpper: 10, spikeLower: -10 };
    expect(run(heavy, 4.5)).toEqual([]);
    expect(run({ ...heavy, oneStepSpikeUpper: 4, oneStepSpikeLower: -4 }, 4.5)).toEqual(['30']);
  });

  it('still needs immediate_score: a point inside 2 half-bands never opens on its own', () => {
    expect(run({ oneStepSpikeUpper: 1, oneStepSpikeLower: -1 }, 3.5)).toEqual([]);
  });
});

describe('SeriesDetector.observeMany look-back joins', () => {
  it('applies joins to the latest point with the joined timestamp, also in a batch with a late arrival', () => {
    const n = 120;
    const values = scenario(11, n);
    // A late arrival (an old timestamp) right after the level shift (40..54) starts: the episode opens
    // after it and joins point 40, so the scan for 40 must look past an earlier timestamp.
    const times = Array.from({ length: n }, (_, i) => T0 + (i === 41 ? 10 : i) * STEP);
    const reference = new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP });
    const ids: string[] = [];
    const lastIndex = new Map<number, number>();
    let joins = 0;
    times.forEach((t, i) => {
      const r = reference.observe(t, values[i], BAND, gaussianTail);
      lastIndex.set(t, i);
      ids.push(r.episodeId);
      for (const joined of r.joinedMs) {
        ids[lastIndex.get(joined) ?? -1] = r.episodeId;
        joins++;
      }
    });
    expect(joins).toBeGreaterThan(0);
    expect(ids[40]).not.toBe('');
    const fill = (v: number): Float64Array => new Float64Array(n).fill(v);
    const batch = new SeriesDetector('s', RULES_2_OF_3, { stepMs: STEP }).observeMany(
      Float64Array.from(times),
      values,
      { yhat: fill(BAND.yhat), lower: fill(BAND.lower), upper: fill(BAND.upper), scale: fill(BAND.scale) },
      gaussianTail,
    );
    expect(batch.episodeIds).toEqual(ids);
    expect(batch.earlierJoins).toEqual([]);
  });
});
