import { ProphetForecaster, type ProphetModel } from '../../../../src/model/augurs';
import { initAugurs } from '../../../../src/runtime/augursLoader';
import { augurs } from '../../../../src/model/augurs/modules';
import type { Forecast } from '../../../../src/model/types';
import {
  AMPLITUDE,
  DAY_MS,
  corruptedAndClean,
  coverage,
  dailyWeeklySeries,
  dayTimestamps,
  mean,
  meanAbsError,
  signalAt,
} from './series';

jest.setTimeout(120_000);

const Z95 = 1.959963984540054;
const training = dailyWeeklySeries(14, 11); // Mon 2024-01-01 .. Sun 2024-01-14, 4,032 points
const nextDay = dailyWeeklySeries(1, 12, 14); // Mon 2024-01-15, unseen noise

describe('ProphetForecaster on two weeks of 5-minute data', () => {
  let model: ProphetModel;
  let tomorrow: Forecast;

  beforeAll(async () => {
    await initAugurs();
    model = new ProphetForecaster().fit(training);
    tomorrow = model.predict(nextDay.timestampsMs);
  });
  afterAll(() => model?.dispose());

  it('keeps trend, daily and weekly components with exactly 14 days of history', () => {
    expect(model.kind).toBe('prophet');
    expect(model.components).toEqual(['trend', 'daily', 'weekly']);
    expect(model.metrics.trainPoints).toBe(4032);
    expect(model.trainStartMs).toBe(training.timestampsMs[0]);
    expect(model.trainEndMs).toBe(training.timestampsMs[4031]);
  });

  it('forecasts the next day with an error far below the amplitude', () => {
    expect(meanAbsError(tomorrow.yhat, nextDay.values)).toBeLessThan(0.1 * AMPLITUDE);
  });

  it('covers most of the next day with its 95% interval', () => {
    expect(tomorrow.level).toBe(0.95);
    expect(coverage(nextDay.values, tomorrow.lower, tomorrow.upper)).toBeGreaterThan(0.8);
  });

  it('derives scale from the interval so that z and tailProbability agree', () => {
    for (let i = 0; i < tomorrow.yhat.length; i += 37) {
      expect(tomorrow.scale[i]).toBeGreaterThan(0);
      expect(tomorrow.scale[i]).toBeCloseTo((tomorrow.upper[i] - tomorrow.lower[i]) / (2 * Z95), 6);
    }
    expect(model.tailProbability(0)).toBe(1);
    expect(model.tailProbability(Z95)).toBeCloseTo(0.05, 5);
    expect(model.tailProbability(-Z95)).toBeCloseTo(0.05, 5);
  });

  it('forecasts the weekly cycle: Sunday well below Thursday', () => {
    const thursday = model.predict(dayTimestamps(17)); // Thu 2024-01-18
    const sunday = model.predict(dayTimestamps(20)); // Sun 2024-01-21
    // Truth: 15.2 lower. Without a weekly component both days would forecast the same level.
    expect(mean(thursday.yhat) - mean(sunday.yhat)).toBeGreaterThan(11);
    expect(mean(thursday.yhat) - mean(sunday.yhat)).toBeLessThan(19);
  });

  it('predicts NaN for a non-finite timestamp and forecasts the others', () => {
    const t = nextDay.timestampsMs[0];
    const f = model.predict([t, Number.NaN]);
    expect(f.yhat[0]).toBeCloseTo(tomorrow.yhat[0], 10);
    expect(Number.isNaN(f.yhat[1])).toBe(true);
    expect(Number.isNaN(f.scale[1])).toBe(true);
  });

  it('writes an honest model file that asks for a refit', () => {
    const json = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
    expect(json).toMatchObject({
      schema: 'anomalyd.model',
      version: 1,
      kind: 'prophet',
      refit_required: true,
      options: { intervalWidth: 0.95, uncertaintySamples: 1000 },
      trainStartMs: training.timestampsMs[0],
      trainEndMs: training.timestampsMs[4031],
      stepMs: 300_000,
      components: ['trend', 'daily', 'weekly'],
      metrics: { trainPoints: 4032, residualMad: null, rSquared: null },
    });
  });
});

describe('ProphetForecaster inputs and lifecycle', () => {
  beforeAll(async () => {
    await initAugurs();
  });

  it('ignores NaN and excluded points', () => {
    const { corrupted, clean } = corruptedAndClean(training);
    const a = new ProphetForecaster().fit(corrupted);
    const b = new ProphetForecaster().fit(clean);
    try {
      expect(a.metrics.trainPoints).toBe(clean.values.length);
      const fa = a.predict(nextDay.timestampsMs);
      const fb = b.predict(nextDay.timestampsMs);
      // Prophet's point forecast is deterministic: same usable points, same forecast.
      expect(Array.from(fa.yhat)).toEqual(Array.from(fb.yhat));
      // The 1e6 spikes left no mark: the fit at their timestamps follows the signal.
      const spikes = corrupted.timestampsMs.filter((_, i) => corrupted.exclude?.[i] === 1);
      expect(spikes.length).toBeGreaterThan(30);
      const atSpikes = a.predict(spikes);
      expect(meanAbsError(atSpikes.yhat, Array.from(spikes, signalAt))).toBeLessThan(0.05 * AMPLITUDE);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('leaves weekly seasonality out with less than two weeks of data', () => {
    const m = new ProphetForecaster().fit(dailyWeeklySeries(5, 3));
    try {
      expect(m.components).toEqual(['trend', 'daily']);
    } finally {
      m.dispose();
    }
  });

  it('honours a configured interval width', () => {
    const m = new ProphetForecaster({ intervalWidth: 0.8 }).fit(dailyWeeklySeries(3, 4));
    try {
      const f = m.predict(dayTimestamps(3));
      expect(f.level).toBe(0.8);
      const wide = new ProphetForecaster().fit(dailyWeeklySeries(3, 4));
      try {
        const g = wide.predict(dayTimestamps(3));
        expect(mean(g.upper) - mean(g.lower)).toBeGreaterThan(1.2 * (mean(f.upper) - mean(f.lower)));
        // The scale estimates the same residual spread whatever the level.
        expect(mean(g.scale)).toBeCloseTo(mean(f.scale), 0);
      } finally {
        wide.dispose();
      }
    } finally {
      m.dispose();
    }
  });

  it('refuses to predict after dispose, and dispose is idempotent', () => {
    const m = new ProphetForecaster().fit(dailyWeeklySeries(3, 5));
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    expect(() => m.predict([m.trainEndMs + DAY_MS])).toThrow('prophet: predict called on a disposed model');
  });

  it('does not grow WASM memory over 50 fit + dispose cycles', () => {
    const small = dailyWeeklySeries(3, 6, 0, 15 * 60_000);
    const cycle = (): void => {
      const m = new ProphetForecaster({ uncertaintySamples: 100 }).fit(small);
      m.predict(dayTimestamps(3, 15 * 60_000));
      m.dispose();
    };
    for (let i = 0; i < 5; i++) cycle(); // reach the allocator's steady state
    const before = augurs().memoryBytes().prophet;
    for (let i = 0; i < 50; i++) cycle();
    const after = augurs().memoryBytes().prophet;
    expect(Number.isFinite(before)).toBe(true);
    // One 64 KiB page of slack; 50 leaked models would take several pages.
    expect(after - before).toBeLessThanOrEqual(65_536);
  });
});
