import { admitForRefit, DEFAULT_REFIT_ADMISSION, joinGapMs } from '../../../src/pipeline/refitAdmission';
import { SeriesRunner } from '../../../src/pipeline/seriesRunner';
import { MeanForecaster, ThresholdDetector } from './fakes';

const STEP = 300_000;
const DAY_MS = 86_400_000;
const HOUR = 3_600_000;

/** n samples on a 5-minute grid, excluded where `runs` say ([from, to) indices). */
function snapshot(n: number, runs: Array<[number, number]>): { ts: Float64Array; ex: Uint8Array } {
  const ts = Float64Array.from({ length: n }, (_, i) => i * STEP);
  const ex = new Uint8Array(n);
  for (const [a, b] of runs) ex.fill(1, a, b);
  return { ts, ex };
}

const ones = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);

describe('admitForRefit', () => {
  it('keeps short episodes out and re-admits one that lasted accept_after', () => {
    // 2,000 points; a 1-hour episode (12 points) and a 25-hour one (300 points, 15% of the window).
    const { ts, ex } = snapshot(2000, [
      [100, 112],
      [1000, 1300],
    ]);
    const out = admitForRefit(ts, ex, STEP, { acceptAfterMs: 24 * HOUR, maxExcludedFraction: 0.1 });
    expect(ones(out)).toBe(12);
    expect(Array.from(out.subarray(100, 112))).toEqual(new Array<number>(12).fill(1));
    expect(ones(ex)).toBe(312);
  });

  it('joins an episode that paused for less than the join gap into one run', () => {
    expect(joinGapMs(STEP)).toBe(HOUR);
    expect(joinGapMs(HOUR)).toBe(4 * HOUR);
    // Two 12-hour halves 55 minutes apart are one 24-hour run; 65 minutes apart, two 12-hour runs.
    const policy = { acceptAfterMs: 24 * HOUR, maxExcludedFraction: 1 };
    const joined = snapshot(2000, [
      [0, 144],
      [155, 288],
    ]);
    expect(ones(admitForRefit(joined.ts, joined.ex, STEP, policy))).toBe(0);
    const apart = snapshot(2000, [
      [0, 144],
      [157, 301],
    ]);
    expect(ones(admitForRefit(apart.ts, apart.ex, STEP, policy))).toBe(288);
  });

  it('admits everything once the runs still excluded cover more than the cap', () => {
    // 20 one-hour episodes: 240 of 2,000 points (12%).
    const runs: Array<[number, number]> = Array.from({ length: 20 }, (_, k) => [k * 100, k * 100 + 12]);
    const { ts, ex } = snapshot(2000, runs);
    expect(ones(admitForRefit(ts, ex, STEP, { acceptAfterMs: 24 * HOUR, maxExcludedFraction: 0.1 }))).toBe(0);
    expect(ones(admitForRefit(ts, ex, STEP, { acceptAfterMs: 24 * HOUR, maxExcludedFraction: 0.15 }))).toBe(
      240,
    );
  });

  it('never re-admits with an infinite accept_after and a cap of 1', () => {
    const { ts, ex } = snapshot(500, [[0, 450]]);
    const out = admitForRefit(ts, ex, STEP, { acceptAfterMs: Infinity, maxExcludedFraction: 1 });
    expect(out).toEqual(ex);
    expect(out).not.toBe(ex);
  });

  it('defaults to one day, a fifth, learning what recurs, and screening the first fit', () => {
    expect(DEFAULT_REFIT_ADMISSION).toEqual({
      acceptAfterMs: 24 * HOUR,
      maxExcludedFraction: 0.2,
      learnRecurring: true,
      screenHistory: true,
    });
  });

  describe('recurring runs', () => {
    const perDay = DAY_MS / STEP; // 288
    const policy = { acceptAfterMs: 24 * HOUR, maxExcludedFraction: 1 };
    /** 30-minute runs starting at `hour` (+ `jitter(d)` steps) on each listed day of a 14-day snapshot. */
    const daily = (
      days: number[],
      hour: number,
      jitter = (_d: number): number => 0,
    ): Array<[number, number]> =>
      days.map((d) => {
        const a = d * perDay + hour * 12 + jitter(d);
        return [a, a + 6];
      });
    const all14 = Array.from({ length: 14 }, (_, d) => d);

    it('re-admits a short run that starts at the same time of day on at least half the days', () => {
      // 09:00 on 7 of 14 days, starts wandering ±10 minutes: a schedule.
      const { ts, ex } = snapshot(
        14 * perDay,
        daily([0, 2, 4, 6, 8, 10, 12], 9, (d) => (d % 4 === 0 ? 2 : -2)),
      );
      expect(ones(admitForRefit(ts, ex, STEP, policy))).toBe(0);
      expect(ones(admitForRefit(ts, ex, STEP, { ...policy, learnRecurring: false }))).toBe(42);
    });

    it('keeps runs out that recur on fewer than half the days, or start more than 30 minutes apart', () => {
      const rare = snapshot(14 * perDay, daily([0, 3, 6, 9, 12, 13], 9));
      expect(ones(admitForRefit(rare.ts, rare.ex, STEP, policy))).toBe(36);
      // Every day, but each day 35 minutes later than the one before: no two starts within 30 minutes.
      const drifting = snapshot(
        14 * perDay,
        daily(all14, 2, (d) => 7 * d),
      );
      expect(ones(admitForRefit(drifting.ts, drifting.ex, STEP, policy))).toBe(14 * 6);
    });

    it('needs three days even in a short snapshot, and ignores runs longer than three hours', () => {
      const twoDays = snapshot(4 * perDay, daily([0, 1], 9));
      expect(ones(admitForRefit(twoDays.ts, twoDays.ex, STEP, policy))).toBe(12);
      const threeDays = snapshot(4 * perDay, daily([0, 1, 2], 9));
      expect(ones(admitForRefit(threeDays.ts, threeDays.ex, STEP, policy))).toBe(0);
      // A 4-hour incident starting at 09:00 on 8 days is not excused by its hour.
      const long: Array<[number, number]> = [0, 2, 4, 6, 8, 10, 12, 13].map((d) => [
        d * perDay + 108,
        d * perDay + 108 + 48,
      ]);
      const { ts, ex } = snapshot(14 * perDay, long);
      expect(ones(admitForRefit(ts, ex, STEP, policy))).toBe(8 * 48);
    });

    it('matches start times across midnight', () => {
      // 23:50 on odd days, 00:10 on even days: 20 minutes apart on the clock.
      const runs = all14.map((d): [number, number] => {
        const a = d % 2 === 1 ? d * perDay - 2 : d * perDay + 2;
        return [Math.max(0, a), Math.max(0, a) + 6];
      });
      const { ts, ex } = snapshot(14 * perDay, runs);
      expect(ones(admitForRefit(ts, ex, STEP, policy))).toBe(0);
    });
  });
});

describe('SeriesRunner refits with the admission policy', () => {
  // 3 days at 10, then a step to 50 that persists; refits every 6 h on a 14-day window; the mean model
  // flags |actual − mean| > 1, so the whole new level is one episode until a refit learns it.
  function finalMean(
    policy: { acceptAfterMs: number; maxExcludedFraction: number },
    STEP = 300_000,
  ): number[] {
    const forecaster = new MeanForecaster();
    const runner = new SeriesRunner('s', forecaster, new ThresholdDetector('s'), {
      stepMs: STEP,
      retrainIntervalMs: 6 * HOUR,
      trainingWindowMs: 14 * 24 * HOUR,
      admission: policy,
    });
    const perDay = DAY_MS / STEP;
    const value = (i: number): number => (i < 3 * perDay ? 10 : 50);
    runner.load({
      timestampsMs: Float64Array.from({ length: perDay }, (_, i) => i * STEP),
      values: Float64Array.from({ length: perDay }, (_, i) => value(i)),
    });
    runner.fit((perDay - 1) * STEP);
    const means: number[] = [];
    for (let i = perDay; i < 6 * perDay; i++) {
      const t = i * STEP;
      if (runner.refitDue(t)) runner.fit(t);
      const o = runner.observe(t, value(i));
      if ((i + 1) % perDay === 0) means.push(o.forecast?.yhat ?? Number.NaN);
    }
    return means;
  }

  it('keeps flagging a new level while it is younger than accept_after, then learns it', () => {
    // Means at the end of days 1..5. Refits fall on points 287 + 72k; the step starts at point 864. At the
    // refit on point 1151 the run has lasted 287 steps (< 24 h) and stays out; at 1223 it has lasted 359
    // and is learnt. The last refit of day 4 (point 1439) sees 864 points at 10 and 575 at 50.
    const means = finalMean({ acceptAfterMs: 24 * HOUR, maxExcludedFraction: 1 });
    expect(means.slice(0, 3)).toEqual([10, 10, 10]);
    expect(means[3]).toBeCloseTo((864 * 10 + 575 * 50) / 1439, 9);
    expect(means[4]).toBeCloseTo((864 * 10 + 863 * 50) / 1727, 9);
  });

  it('never learns it when both bounds are off', () => {
    expect(finalMean({ acceptAfterMs: Infinity, maxExcludedFraction: 1 })).toEqual([10, 10, 10, 10, 10]);
  });

  it('learns it too at 30 s, where old history is kept in compact 10-minute buckets', () => {
    // The compact history keeps an episode's buckets (flagged), so accept_after can still re-admit them.
    const learnt = finalMean({ acceptAfterMs: 24 * HOUR, maxExcludedFraction: 1 }, 30_000);
    expect(learnt.slice(0, 3).map((m) => Math.round(m))).toEqual([10, 10, 10]);
    expect(learnt[4]).toBeGreaterThan(25);
    const never = finalMean({ acceptAfterMs: Infinity, maxExcludedFraction: 1 }, 30_000);
    for (const m of never) expect(m).toBeCloseTo(10, 3);
  });
});
