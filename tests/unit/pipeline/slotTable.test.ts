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
    expect(t.byteLength).toBeGreaterThanOrEqual(16 * t.size);
  });

  it('takes 16 bytes an entry once grown, and nothing before its first entry', () => {
    const t = new SlotTable();
    expect(t.byteLength).toBe(0);
    for (let slot = 0; slot < 32; slot++) t.set(slot, slot);
    expect(t.byteLength).toBe(32 * 16);
    t.delete(99); // absent: nothing changes
    expect([t.size, t.get(31), t.get(0)]).toEqual([32, 31, 0]);
  });
});
