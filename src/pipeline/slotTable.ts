/**
 * A small map from bucket slot to a 32-bit integer, for what only a few buckets have (a step kept inside a
 * bucket): slot/value pairs in one Int32Array, found by a scan, growing by half. With a V8 `Map` for the
 * steps of a simulated daemon series (~36 over 14 days at 30 s), one more series cost 11.0 KB of JS heap and
 * 10.3 KB of typed arrays (`node dist/bench/seriesMemory.js`); as Float64 pairs growing by doubling, 9.7 KB
 * and 11.2 KB; as Int32 pairs growing by half, 8 bytes an entry and at most half of that again unused.
 * Lookups scan: the tables hold tens of entries, and a snapshot reads each bucket's once.
 */
export class SlotTable {
  private pairs = new Int32Array(0);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.pairs.byteLength;
  }

  get(slot: number): number | undefined {
    const i = this.indexOf(slot);
    return i < 0 ? undefined : this.pairs[i + 1];
  }

  /** Sets slot's value; both must be 32-bit signed integers (a RangeError otherwise: nothing is truncated). */
  set(slot: number, value: number): void {
    if ((slot | 0) !== slot || (value | 0) !== value) {
      throw new RangeError(`SlotTable holds 32-bit integers, got slot ${slot}, value ${value}`);
    }
    const i = this.indexOf(slot);
    if (i >= 0) {
      this.pairs[i + 1] = value;
      return;
    }
    if (2 * this.count === this.pairs.length) {
      const entries = Math.max(4, Math.ceil(1.5 * this.count));
      const grown = new Int32Array(2 * entries);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[2 * this.count] = slot;
    this.pairs[2 * this.count + 1] = value;
    this.count++;
  }

  /** Removes the slot's entry, if any (the last entry takes its place: order is not kept). */
  delete(slot: number): void {
    const i = this.indexOf(slot);
    if (i < 0) return;
    const last = 2 * (this.count - 1);
    this.pairs[i] = this.pairs[last];
    this.pairs[i + 1] = this.pairs[last + 1];
    this.count--;
  }

  private indexOf(slot: number): number {
    const p = this.pairs;
    for (let i = 0; i < 2 * this.count; i += 2) if (p[i] === slot) return i;
    return -1;
  }
}
