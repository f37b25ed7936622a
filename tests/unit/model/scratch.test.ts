import { createForecaster } from '../../../src/model';
import {
  scratchFloat64,
  scratchFootprint,
  scratchInt32,
  scratchMark,
  scratchRelease,
} from '../../../src/model/scratch';
import { DAY_MS, MINUTE_MS, MONDAY_MS, synthesize } from './fixtures';

describe('scratch arena', () => {
  it('hands out distinct arrays of the asked size and reuses them after a release', () => {
    const mark = scratchMark();
    const a = scratchFloat64(1000, 1);
    const b = scratchFloat64(10, 2);
    const c = scratchInt32(999, -1);
    expect([a.length, b.length, c.length]).toEqual([1000, 10, 999]);
    expect(a.every((v) => v === 1) && b.every((v) => v === 2) && c.every((v) => v === -1)).toBe(true);
    // Distinct memory: writing one leaves the others alone.
    a.fill(7);
    expect(b[0]).toBe(2);
    expect(c[998]).toBe(-1);
    scratchRelease(mark);
    expect(scratchMark()).toBe(mark);
    // The same slot serves the same depth again: no new buffer for a size it already holds.
    const again = scratchFloat64(500);
    expect(again.buffer).toBe(a.buffer);
    expect(again[0]).toBe(7); // stale contents, as documented
    const grown = scratchFloat64(5000);
    expect(grown.buffer).not.toBe(b.buffer); // slot 2 had to grow
    scratchRelease(mark);
  });

  it('leaves the stack where it was after a fit, and models keep nothing in it', () => {
    const forecaster = createForecaster();
    const spec = { startMs: MONDAY_MS, stepMs: 30_000, days: 15, seed: 5 };
    const first = synthesize({ ...spec, level: 50, dailyAmp: 10, noiseSd: 1, ar: 0.8 });
    const second = synthesize({
      ...spec,
      seed: 6,
      level: 40,
      dailyAmp: 3,
      weeklyAmp: 2,
      noiseSd: 3,
      ar: 0.5,
    });
    const mark = scratchMark();
    const model = forecaster.fit(first);
    expect(scratchMark()).toBe(mark);
    const saved = JSON.stringify(model.toJSON());
    const forecast = model.predict(
      Float64Array.of(MONDAY_MS + 16 * DAY_MS, MONDAY_MS + 16 * DAY_MS + MINUTE_MS),
    );
    // A second fit overwrites every scratch slot; the first model must not change.
    forecaster.fit(second);
    expect(JSON.stringify(model.toJSON())).toBe(saved);
    expect(
      model.predict(Float64Array.of(MONDAY_MS + 16 * DAY_MS, MONDAY_MS + 16 * DAY_MS + MINUTE_MS)),
    ).toEqual(forecast);
    // Refitting the first series reproduces the model exactly (no stale scratch contents leak in).
    expect(JSON.stringify(forecaster.fit(first).toJSON())).toBe(saved);
    // A 30 s, 15-day fit keeps about as many n-sized slots as its statistics nest, not one per array.
    const n = first.values.length;
    // (About 14 n-sized slots: the normalised points, the residuals, the calibration set's in-sample part,
    // their normal equivalents under the band and under the hold-out's distribution, and the deepest level's
    // buffers; slots grow by 1.25x.)
    expect(scratchFootprint().bytes).toBeLessThan(17 * 8 * n);
  });
});
