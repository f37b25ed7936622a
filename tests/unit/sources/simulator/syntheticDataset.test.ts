import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatDatasetCsv, readDatasetCsv } from '../../../../src/sources/csv';
import { generateSeries } from '../../../../src/sources/simulator';

const FILE = join(__dirname, '../../../../datasets/synthetic_5m_21d.csv');

/** The recipe datasets/README.md documents for datasets/synthetic_5m_21d.csv. */
const RECIPE = {
  kind: 'cpu',
  seed: 1,
  startMs: Date.UTC(2024, 0, 1),
  stepMs: 5 * 60_000,
  points: 21 * 288,
  anomalies: 14,
} as const;

function regenerate(): string {
  const g = generateSeries(RECIPE);
  return formatDatasetCsv(g.series.timestampsMs, g.series.values, g.series.labels, { decimals: 3 });
}

describe('datasets/synthetic_5m_21d.csv', () => {
  it('is exactly what the generator produces for its documented recipe', () => {
    // Fails if the engine's output changes: regenerate the file and say so in the changelog.
    expect(readFileSync(FILE, 'utf8') === regenerate()).toBe(true);
  });

  it('reads back as 21 days of 5-minute cpu points with about 10% labelled points', () => {
    const d = readDatasetCsv(FILE);
    expect(d.series.values.length).toBe(21 * 288);
    expect(d.series.stepMs).toBe(5 * 60_000);
    const labelled = (d.series.labels ?? new Uint8Array()).reduce((a, b) => a + b, 0);
    expect(labelled).toBeGreaterThan(0.02 * 21 * 288);
    expect(labelled).toBeLessThan(0.2 * 21 * 288);
  });

  it('labels exactly the rows that differ from the anomaly-free twin after rounding', () => {
    const d = readDatasetCsv(FILE);
    const twin = generateSeries({ ...RECIPE, anomalies: 0 });
    const wrong: number[] = [];
    d.series.values.forEach((v, i) => {
      const differs = v !== Number(twin.series.values[i].toFixed(3));
      if (differs !== (d.series.labels?.[i] === 1)) wrong.push(i);
    });
    expect(wrong).toEqual([]);
  });
});
