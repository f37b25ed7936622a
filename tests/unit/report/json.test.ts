import { renderJsonReport } from '../../../src/report';
import type { EvaluationResult } from '../../../src/evaluate/types';
import { knownResult } from './known';

describe('renderJsonReport', () => {
  it('round-trips the result through JSON.parse', () => {
    const parsed = JSON.parse(renderJsonReport(knownResult())) as EvaluationResult;
    expect(parsed.dataset).toBe('nab/machine_temperature');
    expect(parsed.point.tp).toBe(40);
    expect(parsed.nab?.standard).toBe(61.25);
    expect(parsed.threshold_sweep).toHaveLength(5);
  });

  it('writes NaN and ±Infinity as null, at any depth', () => {
    const text = renderJsonReport(
      knownResult({
        roc: { x: [0, Infinity], y: [NaN, 1] },
        forecast: {
          mae: -Infinity,
          mape: null,
          smape: NaN,
          interval_coverage: 0.9,
          model_interval_coverage: null,
          points: 1,
        },
      }),
    );
    expect(text).not.toMatch(/NaN|Infinity/);
    const parsed = JSON.parse(text) as {
      roc: { x: unknown[]; y: unknown[] };
      forecast: Record<string, unknown>;
    };
    expect(parsed.roc).toEqual({ x: [0, null], y: [null, 1] });
    expect(parsed.forecast.mae).toBeNull();
    expect(parsed.forecast.smape).toBeNull();
    // The sweep row with NaN precision keeps its key, so scripts can rely on the shape.
    expect(text).toContain('"precision": null');
  });

  it('sorts keys at every level, so the output does not depend on how the object was built', () => {
    const a = knownResult();
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as unknown as EvaluationResult;
    const b: EvaluationResult = {
      ...reordered,
      point: { tn: 1926, fn: 40, fp: 10, tp: 40, f1: 0.6153846, recall: 0.5, precision: 0.8 },
    };
    expect(renderJsonReport(b)).toBe(renderJsonReport(a));
    const top = Object.keys(JSON.parse(renderJsonReport(a)) as object);
    expect(top).toEqual([...top].sort());
    expect(renderJsonReport(a)).toMatch(/"point": \{\n {4}"f1": [^\n]+\n {4}"fn": 40,/);
  });

  it('is pretty-printed with two spaces and ends with a newline', () => {
    const text = renderJsonReport(knownResult());
    expect(text.startsWith('{\n  "dataset": ')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('omits absent NAB scores rather than writing null', () => {
    expect(renderJsonReport(knownResult({ nab: undefined }))).not.toContain('"nab"');
  });
});
