import { Random } from '../../../src/domain/random';
import { createForecaster } from '../../../src/model';
import { loadModel, serializeModel } from '../../../src/model/serialize';
import type { TrainingInput } from '../../../src/model/types';
import {
  ONE_STEP_MIN_POINTS,
  oneStepSpikeLevels,
  SPIKE_MIN_COUNT,
  spikeLevels,
  TRUSTED_CLIP,
} from '../../../src/model/spikeLevel';

describe('spikeLevels', () => {
  it('is the k-th largest isolated spike on each side, measured above the higher neighbour', () => {
    const z = new Float64Array(1000);
    // Up spikes of sizes 10, 8, 6, 4 above a flat 0 (k = 3 at 1,000 points): the third largest is 6.
    z[100] = 10;
    z[200] = 8;
    z[300] = 6;
    z[400] = 4;
    // A spike of 9 on a neighbour at 2: it stands out by 7.
    z[500] = 2;
    z[501] = 9;
    // Down spikes of 5, 7, 3.
    z[600] = -5;
    z[700] = -7;
    z[800] = -3;
    expect(SPIKE_MIN_COUNT).toBe(3);
    const levels = spikeLevels(z, z.length);
    expect(levels.upper).toBe(7);
    expect(levels.lower).toBe(-3);
  });

  it('does not count a level shift or a sustained burst as spikes', () => {
    const z = new Float64Array(2000);
    for (let i = 1000; i < 1100; i++) z[i] = 12; // a level shift for 100 points
    for (let i = 0; i < 3; i++) z[200 + 100 * i] = 5; // three real spikes
    const levels = spikeLevels(z, z.length);
    // k = max(3, ceil(0.001 * 2000)) = 3: the shift's points stand out from no neighbour but its edge ones,
    // and those by nothing (their inner neighbour is as high).
    expect(levels.upper).toBe(5);
    expect(levels.lower).toBe(0);
  });

  it('needs one spike per thousand points on long histories, and reports 0 with too few spikes', () => {
    const n = 10_000;
    const z = new Float64Array(n);
    for (let i = 0; i < 9; i++) z[500 + 1000 * i] = 20 + i; // 9 spikes of 20..28; k = 10
    expect(spikeLevels(z, n).upper).toBe(0);
    z[9700] = 3;
    expect(spikeLevels(z, n).upper).toBe(3);
  });

  it('treats non-finite entries as gaps: a point next to one is judged on its other neighbour', () => {
    const z = Float64Array.from([Number.NaN, 4, 1, 5, Number.NaN, 6, 0, Number.NaN, Number.NaN, 0]);
    // Spikes: index 1 (4 − 1 = 3), index 3 (5 − 1 = 4), index 5 (6 − 0 = 6); k = 3.
    expect(spikeLevels(z, z.length).upper).toBe(3);
  });
});

describe('the seasonal model learns its spike levels from the training history', () => {
  const STEP = 5 * 60_000;
  const T0 = Date.UTC(2024, 0, 1);
  const series = (spikeEvery: number): TrainingInput => {
    const random = new Random(11);
    const n = 7 * 288;
    const timestampsMs = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      timestampsMs[i] = T0 + i * STEP;
      values[i] = 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + random.normal();
      if (spikeEvery > 0 && i % spikeEvery === 7) values[i] += 20;
    }
    return { timestampsMs, values, stepMs: STEP };
  };

  it('puts the upward level near the spikes of a spiky series and low on a Gaussian one', () => {
    const spiky = createForecaster().fit(series(100)).metrics;
    const plain = createForecaster().fit(series(0)).metrics;
    expect(spiky.spikeUpper).toBeGreaterThan(12);
    expect(plain.spikeUpper).toBeGreaterThan(0);
    expect(plain.spikeUpper).toBeLessThan(5);
    expect(plain.spikeLower).toBeLessThan(0);
    expect(plain.spikeLower).toBeGreaterThan(-5);
  });

  it('keeps the levels through a model file', () => {
    const model = createForecaster().fit(series(100));
    const loaded = loadModel(JSON.parse(JSON.stringify(serializeModel(model))) as unknown, 'm.json');
    expect(loaded.metrics.spikeUpper).toBe(model.metrics.spikeUpper);
    expect(loaded.metrics.spikeLower).toBe(model.metrics.spikeLower);
    expect(loaded.metrics.oneStepSpikeUpper).toBe(model.metrics.oneStepSpikeUpper);
    expect(loaded.metrics.oneStepSpikeLower).toBe(model.metrics.oneStepSpikeLower);
  });

  it('learns one-step levels a few one-step deviations out on a Gaussian series, spiky or not', () => {
    const spiky = createForecaster().fit(series(100)).metrics;
    const plain = createForecaster().fit(series(0)).metrics;
    for (const m of [spiky, plain]) {
      expect(m.oneStepSpikeUpper).toBeGreaterThan(3);
      expect(m.oneStepSpikeUpper).toBeLessThan(5);
      expect(m.oneStepSpikeLower).toBeLessThan(-3);
      expect(m.oneStepSpikeLower).toBeGreaterThan(-5);
    }
  });
});

describe('oneStepSpikeLevels', () => {
  const STEP = 5 * 60_000;
  const PHI = 0.8;
  /** Unit-variance AR(1) residuals, mapped through `shape`, at a 5-minute step. */
  const ar1 = (seed: number, n: number, shape = (x: number): number => x) => {
    const random = new Random(seed);
    const z = new Float64Array(n);
    const ts = new Float64Array(n);
    let x = 0;
    for (let i = 0; i < n; i++) {
      x = PHI * x + Math.sqrt(1 - PHI * PHI) * random.normal();
      z[i] = shape(x);
      ts[i] = i * STEP;
    }
    return { z, ts };
  };
  const levels = (z: Float64Array, ts: Float64Array, n = z.length) =>
    oneStepSpikeLevels(z, ts, n, STEP, PHI, Math.sqrt(1 - PHI * PHI), TRUSTED_CLIP);

  it('lies a little beyond the Gaussian quantile of the one-step errors on AR(1) residuals', () => {
    const { z, ts } = ar1(7, 20_000);
    const { upper, lower } = levels(z, ts);
    // One-step errors are N(0, 1) in one-step units: the 3e-4 quantile is 3.43; the Weibull tail drawn
    // through the 0.2 and 0.02 quantiles of a Gaussian reaches 3.71 there.
    expect(upper).toBeGreaterThan(3.43);
    expect(upper).toBeLessThan(4);
    expect(lower).toBeLessThan(-3.43);
    expect(lower).toBeGreaterThan(-4);
  });

  it('is barely moved by the anomalies a history holds, unlike the k-th largest spike', () => {
    const { z, ts } = ar1(7, 4032);
    const clean = levels(z, ts);
    const dirty = Float64Array.from(z);
    // Seven 2-point spikes and seven dips of 8 marginal deviations: an incident every other day.
    for (let k = 0; k < 7; k++) {
      dirty[300 + 500 * k] += 8;
      dirty[301 + 500 * k] += 8;
      dirty[550 + 500 * k] -= 8;
    }
    const learnt = levels(dirty, ts);
    expect(learnt.upper / clean.upper).toBeLessThan(1.1);
    expect(learnt.lower / clean.lower).toBeLessThan(1.1);
    // The k-th largest downward spike is now one of the planted dips.
    expect(spikeLevels(dirty, dirty.length).lower).toBeLessThan(-6);
  });

  it('gives a light side (a logarithm-compressed downward tail) a lower level than its heavy side', () => {
    const { z, ts } = ar1(8, 4032, (x) => Math.exp(0.5 * x) - 1);
    const { upper, lower } = levels(z, ts);
    expect(-lower).toBeLessThan(0.7 * upper);
  });

  it('learns nothing from a short history or one that never moves', () => {
    const { z, ts } = ar1(7, ONE_STEP_MIN_POINTS - 1);
    expect(levels(z, ts)).toEqual({ upper: 0, lower: 0 });
    const flat = new Float64Array(2000);
    const flatTs = Float64Array.from(flat, (_, i) => i * STEP);
    expect(levels(flat, flatTs)).toEqual({ upper: 0, lower: 0 });
  });
});
