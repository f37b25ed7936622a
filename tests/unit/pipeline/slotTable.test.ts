import { SlotTable } from '../../../src/pipeline/slotTable';

describe('SlotTable', () => {
  it('sets, updates, reads and deletes like a Map, growing as needed', () => {
    const t = new SlotTable();
    const m = new Map<number, number>();
    // A deterministic mix of writes, overwrites and deletes over 40 slots.
    for (let k = 0; k < 500; k++) {
      const slot = (k * 7) % 40;
      if (k % 5 === 4) {
        t.delete(slot);
        m.delete(slot);
      } else {
        t.set(slot, k * 65536 - 3);
        m.set(slot, k * 65536 - 3);
      }
      expect(t.size).toBe(m.size);
    }
    for (let slot = 0; slot < 45; slot++) expect(t.get(slot)).toBe(m.get(slot));
    expect(t.byteLength).toBeGreaterThanOrEqual(8 * t.size);
  });

  it('takes 8 bytes an entry, growing by half, and nothing before its first entry', () => {
    const t = new SlotTable();
    expect(t.byteLength).toBe(0);
    const capacities: number[] = [];
    for (let slot = 0; slot < 36; slot++) {
      t.set(slot, slot);
      if (capacities.at(-1) !== t.byteLength / 8) capacities.push(t.byteLength / 8);
    }
    expect(capacities).toEqual([4, 6, 9, 14, 21, 32, 48]);
    t.delete(99); // absent: nothing changes
    expect([t.size, t.get(35), t.get(0)]).toEqual([36, 35, 0]);
  });

  it('holds the extremes of a 32-bit integer and refuses what does not fit rather than truncate it', () => {
    const t = new SlotTable();
    t.set(7, 2 ** 31 - 1);
    t.set(8, -(2 ** 31));
    expect([t.get(7), t.get(8)]).toEqual([2 ** 31 - 1, -(2 ** 31)]);
    expect(() => t.set(9, 2 ** 31)).toThrow(RangeError);
    expect(() => t.set(9, 1.5)).toThrow(RangeError);
    expect(() => t.set(2 ** 32, 1)).toThrow(RangeError);
    expect(t.size).toBe(2);
  });
});
