import { Random } from '../../../src/domain/random';
import { choosePhaseBins, towBinsInto } from '../../../src/model/bins';
import {
  dailyProfileIndex,
  learnDailyProfile,
  MIN_PROFILE_DAYS,
  profileHelps,
  profileIndex,
  profileRepeats,
  subtractProfile,
} from '../../../src/model/dailyProfile';

const STEP = 3_600_000; // hourly: 24 bins a day keep the known answers readable
const DAY = 86_400_000;
const MONDAY = Date.UTC(2024, 0, 1);

/** `days` days of hourly residuals: `shape(hour)` plus `noise` sd, with their time-of-week bins. */
function residuals(days: number, shape: (hour: number) => number, noise: number, seed = 1) {
  const n = days * 24;
  const ts = Float64Array.from({ length: n }, (_, i) => MONDAY + i * STEP);
  const bins = choosePhaseBins(ts, n, STEP);
  const tow = new Int32Array(n);
  towBinsInto(bins, ts, n, tow);
  const random = new Random(seed);
  const r = Float64Array.from({ length: n }, (_, i) => shape(i % 24) + noise * random.normal());
  return { ts, bins, tow, r, n };
}

/** A 9-to-17 business-hours step of height 10, as a Fourier shape leaves it. */
const step = (hour: number): number => (hour >= 9 && hour < 17 ? 10 : 0);

describe('learnDailyProfile', () => {
  it('is the per-bin median, centred to mean zero over the learnt bins', () => {
    const { bins, tow, r } = residuals(5, step, 0);
    const p = learnDailyProfile(r, tow, 0, r.length, bins, false, 1);
    expect(p.length).toBe(24);
    // 8 of 24 hours at 10: mean 10/3; the profile is the step minus that mean.
    for (let h = 0; h < 24; h++) expect(p[h]).toBeCloseTo(step(h) - 10 / 3, 12);
  });

  it('takes medians, so one day of incident does not move a bin', () => {
    const { bins, tow, r } = residuals(5, () => 0, 0);
    r[2 * 24 + 3] = 500; // day 2, 03:00
    const p = learnDailyProfile(r, tow, 0, r.length, bins, false, 1);
    expect(Array.from(p)).toEqual(new Array<number>(24).fill(0));
  });

  it('gives a bin 0 until it has MIN_PROFILE_DAYS days, and only reads [from, to)', () => {
    const { bins, tow, r } = residuals(5, (h) => h, 0);
    // Two days plus the first 6 hours of a third: only hours 0-5 have 3 samples.
    const p = learnDailyProfile(r, tow, 0, 2 * 24 + 6, bins, false, 1);
    expect(MIN_PROFILE_DAYS).toBe(3);
    const mean = (0 + 1 + 2 + 3 + 4 + 5) / 6;
    for (let h = 0; h < 6; h++) expect(p[h]).toBeCloseTo(h - mean, 12);
    for (let h = 6; h < 24; h++) expect(p[h]).toBe(0);
  });

  it('keeps a weekday and a weekend half when split', () => {
    // Weekends (Sat, Sun) are 5 higher at every hour than weekdays, with the same step.
    const n = 21 * 24;
    const ts = Float64Array.from({ length: n }, (_, i) => MONDAY + i * STEP);
    const bins = choosePhaseBins(ts, n, STEP);
    const tow = new Int32Array(n);
    towBinsInto(bins, ts, n, tow);
    const r = Float64Array.from(
      { length: n },
      (_, i) => step(i % 24) + (bins.weekendOf[tow[i]] === 1 ? 5 : 0),
    );
    const p = learnDailyProfile(r, tow, 0, n, bins, true, 1);
    expect(p.length).toBe(48);
    // Centred over all 48 bins: mean 10/3 + 2.5.
    expect(p[10] - p[3]).toBeCloseTo(10, 12);
    expect(p[24 + 3] - p[3]).toBeCloseTo(5, 12);
    expect(profileIndex(bins, tow[5 * 24 + 7], true)).toBe(24 + 7); // Saturday 07:00
    expect(profileIndex(bins, tow[5 * 24 + 7], false)).toBe(7);
  });
});

describe('profileRepeats and profileHelps', () => {
  it('accept a step that is there every day', () => {
    const { ts, bins, tow, r, n } = residuals(14, step, 1);
    const m = Math.floor(0.8 * n);
    expect(profileRepeats(r, tow, ts, 0, m, bins, false, 1)).toBe(true);
    const p = learnDailyProfile(r, tow, 0, m, bins, false, 1);
    expect(profileHelps(r, tow, m, n, bins, false, p)).toBe(true);
  });

  it('reject noise: the even and odd days disagree, and the medians make the held-out days worse', () => {
    let repeats = 0;
    let helps = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { ts, bins, tow, r, n } = residuals(14, () => 0, 1, seed);
      const m = Math.floor(0.8 * n);
      if (profileRepeats(r, tow, ts, 0, m, bins, false, 1)) repeats++;
      const p = learnDailyProfile(r, tow, 0, m, bins, false, 1);
      if (profileHelps(r, tow, m, n, bins, false, p)) helps++;
    }
    expect(repeats).toBe(0);
    expect(helps).toBe(0);
  });

  it('profileHelps is false on an empty hold-out', () => {
    const { bins, tow, r, n } = residuals(3, step, 0);
    expect(profileHelps(r, tow, n, n, bins, false, new Float64Array(24))).toBe(false);
  });
});

describe('subtractProfile and dailyProfileIndex', () => {
  it('removes the shape, and reads it back at any timestamp by its nearest bin', () => {
    const { ts, bins, tow, r, n } = residuals(5, step, 0);
    const p = learnDailyProfile(r, tow, 0, n, bins, false, 1);
    subtractProfile(r, tow, n, bins, false, p);
    for (let i = 0; i < n; i++) expect(r[i]).toBeCloseTo(10 / 3, 12);
    const at = (t: number): number => p[dailyProfileIndex(t, STEP, 0, 24, false)];
    expect(at(ts[0] + 10 * STEP)).toBe(p[10]);
    // 10:29 reads the 10:00 bin, 10:31 the 11:00 bin, 23:45 wraps to 00:00.
    expect(at(MONDAY + 10 * STEP + 29 * 60_000)).toBe(p[10]);
    expect(at(MONDAY + 10 * STEP + 31 * 60_000)).toBe(p[11]);
    expect(at(MONDAY + DAY - 15 * 60_000)).toBe(p[0]);
  });

  it('reads the weekend half on weekend days of a split profile, with the grid offset', () => {
    const values = Float64Array.from({ length: 48 }, (_, k) => k);
    const offset = 20 * 60_000; // bins at hh:20
    const t = MONDAY + 5 * STEP + offset;
    expect(values[dailyProfileIndex(t, STEP, offset, 24, false)]).toBe(5);
    expect(values[dailyProfileIndex(t, STEP, offset, 24, true)]).toBe(29);
    // An unsplit profile is read from its weekday half whatever the day (the model asks for the weekend
    // half only when its profile is split: SeasonalModel.predict).
    expect(values.subarray(0, 24)[dailyProfileIndex(t, STEP, offset, 24, false)]).toBe(5);
  });
});
