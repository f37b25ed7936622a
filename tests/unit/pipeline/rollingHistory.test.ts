import { RollingHistory } from '../../../src/pipeline/rollingHistory';

const STEP = 60_000;

describe('RollingHistory', () => {
  it('returns what was pushed, oldest first, with timestamps on the grid', () => {
    const h = new RollingHistory(STEP, 10);
    for (let i = 0; i < 5; i++) h.push(1_000 * STEP + i * STEP, i * 1.5);
    const snap = h.snapshot(10 * STEP);
    expect(Array.from(snap.values)).toEqual([0, 1.5, 3, 4.5, 6]);
    expect(snap.timestampsMs[0]).toBe(1_000 * STEP);
    expect(snap.timestampsMs[4]).toBe(1_004 * STEP);
  });

  it('keeps only the newest `capacity` slots once full', () => {
    const h = new RollingHistory(STEP, 4);
    for (let i = 0; i < 10; i++) h.push(i * STEP, i);
    expect(Array.from(h.snapshot(100 * STEP).values)).toEqual([6, 7, 8, 9]);
    expect(h.span).toBe(4);
  });

  it('turns skipped slots into gaps and leaves them out of the snapshot', () => {
    const h = new RollingHistory(STEP, 10);
    h.push(0, 1);
    h.push(3 * STEP, 4);
    const snap = h.snapshot(10 * STEP);
    expect(Array.from(snap.timestampsMs)).toEqual([0, 3 * STEP]);
    expect(h.span).toBe(4);
  });

  it('clears slots reused after a jump longer than the capacity', () => {
    const h = new RollingHistory(STEP, 3);
    h.push(0, 1);
    h.push(STEP, 2);
    h.push(100 * STEP, 3);
    expect(Array.from(h.snapshot(1000 * STEP).values)).toEqual([3]);
  });

  it('snaps jittered timestamps to the nearest slot and ignores samples older than the window', () => {
    const h = new RollingHistory(STEP, 3);
    h.push(10 * STEP + 1_500, 1);
    h.push(11 * STEP - 2_000, 2);
    h.push(20 * STEP, 3);
    expect(h.push(5 * STEP, 9)).toBe(false);
    expect(Array.from(h.snapshot(1000 * STEP).values)).toEqual([3]);
  });

  it('limits the snapshot to the requested window', () => {
    const h = new RollingHistory(STEP, 100);
    for (let i = 0; i < 50; i++) h.push(i * STEP, i);
    expect(Array.from(h.snapshot(3 * STEP).values)).toEqual([47, 48, 49]);
  });

  it('marks points from an episode start as excluded, and a later push can include again', () => {
    const h = new RollingHistory(STEP, 10);
    for (let i = 0; i < 6; i++) h.push(i * STEP, i);
    h.excludeFrom(3 * STEP);
    h.push(6 * STEP, 6);
    expect(Array.from(h.snapshot(10 * STEP).exclude)).toEqual([0, 0, 0, 1, 1, 1, 0]);
  });

  it('marks a closed range (a screened episode) and nothing outside it', () => {
    const h = new RollingHistory(STEP, 10);
    for (let i = 0; i < 8; i++) h.push(i * STEP, i);
    // Both ends are included; a range reaching past the kept slots marks what is kept.
    h.excludeRange(2 * STEP, 4 * STEP);
    h.excludeRange(7 * STEP, 30 * STEP);
    expect(Array.from(h.snapshot(10 * STEP).exclude)).toEqual([0, 0, 1, 1, 1, 0, 0, 1]);
  });

  it('accepts a late sample inside the window without moving the newest slot', () => {
    const h = new RollingHistory(STEP, 10);
    h.push(5 * STEP, 5);
    h.push(3 * STEP, 3);
    expect(h.newestMs).toBe(5 * STEP);
    expect(Array.from(h.snapshot(10 * STEP).values)).toEqual([3, 5]);
  });
});
