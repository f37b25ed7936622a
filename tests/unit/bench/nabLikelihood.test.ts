import { NAB_MAPPINGS, nabLikelihood, PRODUCT_NAB_MAPPING, squash } from '../../../bench/nabLikelihood';

const rows = {
  alerts: Uint8Array.from([0, 1, 0, 0, 1]),
  score: Float64Array.from([0.5, 3, 1.2, NaN, 1]),
  isAnomaly: Uint8Array.from([0, 1, 1, 0, 1]),
};

describe('the NAB likelihood mapping', () => {
  it('gives the training (probationary) rows 0 and one value per evaluated row', () => {
    const out = nabLikelihood('alert', 2, rows);
    expect(Array.from(out)).toEqual([0, 0, 0, 1, 0, 0, 1]);
  });

  it('scores alert openings by their squashed score, monotone in the score', () => {
    const out = nabLikelihood('alert_score', 0, rows);
    expect(Array.from(out)).toEqual([0, 0.75, 0, 0, 0.5]);
    expect(squash(3)).toBeGreaterThan(squash(1));
  });

  it('marks every episode row, or every row by its score', () => {
    expect(Array.from(nabLikelihood('episode_rows', 0, rows))).toEqual([0, 1, 1, 0, 1]);
    const point = nabLikelihood('point_score', 0, rows);
    expect(point[0]).toBeCloseTo(1 / 3);
    expect(point[3]).toBe(0);
  });

  it('stays within 0..1 for any score, infinite and NaN included', () => {
    const wild = {
      alerts: Uint8Array.from([1, 1, 1, 1]),
      score: Float64Array.from([Infinity, NaN, -2, 1e6]),
      isAnomaly: Uint8Array.from([1, 1, 1, 1]),
    };
    for (const mapping of NAB_MAPPINGS) {
      for (const v of nabLikelihood(mapping, 1, wild)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reports the alert moment as the product mapping', () => {
    expect(PRODUCT_NAB_MAPPING).toBe('alert');
  });

  it('refuses rows of different lengths', () => {
    expect(() => nabLikelihood('alert', 0, { ...rows, score: new Float64Array(2) })).toThrow(
      'disagree in length',
    );
  });
});
