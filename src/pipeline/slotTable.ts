/**
 * A small map from bucket slot to a number, for what only a few buckets have (a step kept inside a bucket):
 * slot/value pairs in one Float64Array, found by a scan, growing by doubling. With a V8 `Map` for the steps of
 * a simulated daemon series (~36 over 14 days at 30 s), one more series cost 11.0 KB of JS heap and 10.3 KB of
 * typed arrays (`node dist/bench/seriesMemory.js`); with this, 9.7 KB and 11.2 KB: 0.4 KB less in all, and
 * less for the garbage collector to walk. Lookups scan: the tables hold tens of entries, and a snapshot reads
 * each bucket's once.
 */
export class SlotTable {
  private pairs = new Float64Array(0);
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

  set(slot: number, value: number): void {
    const i = this.indexOf(slot);
    if (i >= 0) {
      this.pairs[i + 1] = value;
      return;
    }
    if (2 * this.count === this.pairs.length) {
      const grown = new Float64Array(Math.max(8, 2 * this.pairs.length));
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
