import { choosePhaseBins, featureTablesFor, towBinsInto } from '../../../src/model/bins';
import { MS_PER_DAY } from '../../../src/model/fourier';
import {
  type ComponentChoice,
  type FitPoints,
  FitWorkspace,
  type FitResult,
  fitRobust,
} from '../../../src/model/robustFit';
import { placeChangepoints } from '../../../src/model/trend';
import { MINUTE_MS, MONDAY_MS, synthesize } from './fixtures';

const ALL: ComponentChoice = { daily: true, weekly: true, weekend: true };

/** Normalised fit inputs of a synthetic series (as the forecaster prepares them). */
function prepare(days: number, stepMs: number, seed: number, spike: number) {
  const s = synthesize({
    days,
    stepMs,
    dailyAmp: 10,
    weeklyAmp: 3,
    weekendFactor: 0.5,
    noiseSd: 1,
    ar: 0.5,
    seed,
  });
  const n = s.values.length;
  const pts: FitPoints = { tDays: new Float64Array(n), y: new Float64Array(n), tow: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    pts.tDays[i] = (s.timestampsMs[i] - MONDAY_MS) / MS_PER_DAY;
    // Outliers every `spike` points, so robust weights differ between series.
    pts.y[i] = (s.values[i] - 100) / 10 + (i % spike === 0 ? 5 : 0);
  }
  const bins = choosePhaseBins(s.timestampsMs, n, stepMs);
  towBinsInto(bins, s.timestampsMs, n, pts.tow);
  const tables = featureTablesFor(bins, 10, 3, 5);
  const span = pts.tDays[n - 1];
  const cps = placeChangepoints(20, span);
  return { pts, n, bins, tables, cps, span };
}

function fit(p: ReturnType<typeof prepare>, ws: FitWorkspace, choice: ComponentChoice, m = p.n): FitResult {
  return fitRobust(p.pts, m, p.bins, p.tables, choice, p.cps, 10, p.span, ws);
}

describe('fitRobust workspace reuse', () => {
  it('gives bit-identical results in a fresh workspace and in one another fit has used', () => {
    const a = prepare(15, 5 * MINUTE_MS, 1, 97);
    const b = prepare(15, 5 * MINUTE_MS, 2, 13);
    const expected = fit(a, new FitWorkspace(a.n, a.bins), ALL);
    const ws = new FitWorkspace(a.n, a.bins);
    // Dirty every buffer with a different series, fewer points and other components first.
    fit(b, ws, ALL);
    fit(b, ws, { daily: true, weekly: false, weekend: false }, 2000);
    expect(fit(a, ws, ALL)).toEqual(expected);
    expect(fit(a, ws, { daily: false, weekly: true, weekend: false })).toEqual(
      fit(a, new FitWorkspace(a.n, a.bins), { daily: false, weekly: true, weekend: false }),
    );
  });

  it('shares one workspace per bin layout, grown when a fit needs more points', () => {
    const five = prepare(15, 5 * MINUTE_MS, 1, 97);
    const fifteen = prepare(15, 15 * MINUTE_MS, 1, 97);
    const ws = FitWorkspace.shared(five.n, five.bins);
    expect(FitWorkspace.shared(five.n - 10, five.bins)).toBe(ws);
    expect(FitWorkspace.shared(fifteen.n, fifteen.bins)).not.toBe(ws);
    const bigger = FitWorkspace.shared(ws.capacity + 1, five.bins);
    expect(bigger).not.toBe(ws);
    expect(bigger.capacity).toBeGreaterThan(ws.capacity);
    expect(FitWorkspace.shared(five.n, five.bins)).toBe(bigger);
  });

  it('refuses a workspace of another layout or too few points', () => {
    const five = prepare(15, 5 * MINUTE_MS, 1, 97);
    const fifteen = prepare(15, 15 * MINUTE_MS, 1, 97);
    expect(() => fit(five, new FitWorkspace(five.n - 1, five.bins), ALL)).toThrow(RangeError);
    expect(() => fit(five, new FitWorkspace(five.n, fifteen.bins), ALL)).toThrow(RangeError);
  });
});
