import { formatTick, linearScale, niceTicks, timeTicks } from '../../../src/report/charts/scale';

describe('niceTicks', () => {
  it('covers the data with round steps and widens the domain to the outer ticks', () => {
    const t = niceTicks(3, 97, 6);
    expect(t.ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(t.domain).toEqual([0, 100]);
  });

  it('gives a flat or single-valued series an axis around its value', () => {
    const t = niceTicks(5, 5);
    expect(t.ticks[0]).toBeLessThan(5);
    expect(t.ticks[t.ticks.length - 1]).toBeGreaterThan(5);
  });

  it('falls back to [0, 1] when there is no finite data', () => {
    expect(niceTicks(Infinity, -Infinity).domain).toEqual([0, 1]);
  });

  it('does not accumulate floating-point error into the labels', () => {
    expect(niceTicks(0, 0.7, 7).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });
});

describe('formatTick', () => {
  it('uses just enough decimals for the step and SI suffixes for large values', () => {
    expect(formatTick(0.5, 0.1)).toBe('0.5');
    expect(formatTick(40, 20)).toBe('40');
    expect(formatTick(12000, 2000)).toBe('12k');
    expect(formatTick(2500000, 500000)).toBe('2.5M');
    expect(formatTick(-0, 1)).toBe('0');
  });
});

describe('linearScale', () => {
  it('maps the domain onto the range, inverted for a y axis', () => {
    const y = linearScale([0, 10], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(10)).toBe(0);
    expect(y(2.5)).toBe(75);
  });

  it('maps a degenerate domain to the middle of the range instead of NaN', () => {
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
  });
});

describe('timeTicks', () => {
  it('puts daily ticks on UTC midnights over a week, with the year under the first', () => {
    const start = Date.UTC(2026, 0, 5, 0, 0);
    const ticks = timeTicks(start, start + 7 * 86400_000 - 300_000, 8);
    expect(ticks.map((t) => t.label)).toEqual([
      '01-05',
      '01-06',
      '01-07',
      '01-08',
      '01-09',
      '01-10',
      '01-11',
    ]);
    expect(ticks[0]?.sublabel).toBe('2026');
    expect(ticks.slice(1).every((t) => t.sublabel === '')).toBe(true);
  });

  it('labels sub-day ticks HH:MM, with the date under the first tick and where the day changes', () => {
    const start = Date.UTC(2026, 0, 5, 20, 17);
    const ticks = timeTicks(start, start + 6 * 3600_000, 8);
    expect(ticks.map((t) => t.label)).toEqual(['21:00', '22:00', '23:00', '00:00', '01:00', '02:00']);
    expect(ticks.map((t) => t.sublabel)).toEqual(['2026-01-05', '', '', '2026-01-06', '', '']);
  });

  it('never returns more ticks than asked for', () => {
    for (const spanMs of [1000, 90_000, 7_200_000, 3 * 86400_000, 400 * 86400_000]) {
      expect(timeTicks(0, spanMs, 6).length).toBeLessThanOrEqual(6);
    }
  });
});
