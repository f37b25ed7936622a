import { MstlForecaster, ProphetForecaster } from '../../../../src/model/augurs';
import { normalTailProbability, zForLevel } from '../../../../src/model/augurs/common';
import { dailyWeeklySeries } from './series';

// This file never calls initAugurs(): it checks what happens without it, and the validation that needs no WASM.
describe('augurs forecasters before initAugurs()', () => {
  it('refuse to fit and say what to do', () => {
    const series = dailyWeeklySeries(3, 1);
    const expected = 'augurs is not initialised: await initAugurs() before fitting a prophet or mstl model';
    expect(() => new ProphetForecaster().fit(series)).toThrow(expected);
    expect(() => new MstlForecaster().fit(series)).toThrow(expected);
  });
});

describe('augurs forecaster options', () => {
  it('reject an interval width outside (0, 1) with the exact value', () => {
    expect(() => new ProphetForecaster({ intervalWidth: 1 })).toThrow(
      'prophet: intervalWidth must be between 0 and 1 (exclusive), got 1',
    );
    expect(() => new MstlForecaster({ intervalWidth: Number.NaN })).toThrow(
      'mstl: intervalWidth must be between 0 and 1 (exclusive), got NaN',
    );
  });

  it('reject a non-integer number of uncertainty samples and a non-positive horizon', () => {
    expect(() => new ProphetForecaster({ uncertaintySamples: 0.5 })).toThrow(
      'prophet: uncertaintySamples must be an integer between 1 and 100000, got 0.5',
    );
    expect(() => new MstlForecaster({ horizonMs: 0 })).toThrow(
      'mstl: horizonMs must be a positive number of milliseconds, got 0',
    );
    expect(() => new MstlForecaster({ intervalCorrection: 'wide' as 'none' })).toThrow(
      `mstl: intervalCorrection must be 'seasonal-dof' or 'none', got "wide"`,
    );
  });

  it('default to 95% intervals', () => {
    expect(new ProphetForecaster().options.intervalWidth).toBe(0.95);
    expect(new MstlForecaster().options.intervalWidth).toBe(0.95);
  });
});

describe('the normal scale shared by both adapters', () => {
  it('maps levels to two-sided quantiles and back', () => {
    for (const level of [0.5, 0.8, 0.95, 0.99]) {
      expect(normalTailProbability(zForLevel(level))).toBeCloseTo(1 - level, 6);
    }
    expect(zForLevel(0.95)).toBeCloseTo(1.959964, 5);
    expect(normalTailProbability(0)).toBe(1);
    expect(normalTailProbability(-3)).toBeCloseTo(0.0026998, 6);
    expect(normalTailProbability(Number.POSITIVE_INFINITY)).toBe(0);
  });
});
