import type { HistorySnapshot, HistoryStore } from './compactHistory';

/**
 * A fixed-capacity history of one series on a regular time grid, for refits.
 *
 * Why a grid of Float32 and no timestamps: at fleet scale (10,000 series x 14 days) per-point timestamps
 * and doubles would cost gigabytes. Values are stored at the series' step; a missing sample is NaN; a
 * sample off the grid (scrape jitter) goes to the nearest slot. Float32 keeps ~7 significant digits, far
 * below the noise of any metric we model.
 */
export class RollingHistory implements HistoryStore {
  readonly stepMs: number;
  readonly capacity: number;
  private readonly values: Float32Array;
  private readonly excluded: Uint8Array;
  /** Grid index (timestamp / step) of the newest slot written, or undefined when empty. */
  private newestIndex: number | undefined;

  constructor(stepMs: number, capacity: number) {
    if (!(stepMs > 0)) throw new RangeError(`stepMs must be > 0, got ${stepMs}`);
    if (!(capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.stepMs = stepMs;
    this.capacity = Math.floor(capacity);
    this.values = new Float32Array(this.capacity).fill(NaN);
    this.excluded = new Uint8Array(this.capacity);
  }

  /** Number of grid slots between the oldest kept and the newest slot (gaps included). */
  get span(): number {
    if (this.newestIndex === undefined) return 0;
    return Math.min(this.capacity, this.newestIndex - this.oldestIndex() + 1);
  }

  get newestMs(): number | undefined {
    return this.newestIndex === undefined ? undefined : this.newestIndex * this.stepMs;
  }

  /** Oldest grid index still held: the first ever written, or newest - capacity + 1 once full. */
  private oldestIndex(): number {
    const newest = this.newestIndex ?? 0;
    return Math.max(this.firstIndex ?? newest, newest - this.capacity + 1);
  }

  /** Grid index of the earliest slot written, so a young history does not report empty leading slots. */
  private firstIndex: number | undefined;

  private slot(index: number): number {
    const m = index % this.capacity;
    return m < 0 ? m + this.capacity : m;
  }

  /**
   * Records a sample. Older-than-window samples are ignored (returns false); a sample newer than the newest
   * clears the slots it skips over (they become gaps).
   */
  push(timestampMs: number, value: number, exclude = false): boolean {
    const index = Math.round(timestampMs / this.stepMs);
    if (this.newestIndex === undefined) {
      this.newestIndex = index;
      this.firstIndex = index;
    } else if (index > this.newestIndex) {
      const clearFrom = Math.max(this.newestIndex + 1, index - this.capacity + 1);
      for (let i = clearFrom; i < index; i++) {
        const s = this.slot(i);
        this.values[s] = NaN;
        this.excluded[s] = 0;
      }
      this.newestIndex = index;
    } else if (index <= this.newestIndex - this.capacity) {
      return false;
    } else if (this.firstIndex === undefined || index < this.firstIndex) {
      this.firstIndex = index;
    }
    const s = this.slot(index);
    this.values[s] = value;
    this.excluded[s] = exclude ? 1 : 0;
    return true;
  }

  /** Marks every kept slot at or after `fromMs` (up to the newest) as excluded from refits. */
  excludeFrom(fromMs: number): void {
    this.excludeRange(fromMs, Number.POSITIVE_INFINITY);
  }

  /** Marks every kept slot in [fromMs, toMs] as excluded from refits. */
  excludeRange(fromMs: number, toMs: number): void {
    if (this.newestIndex === undefined) return;
    const from = Math.max(Math.ceil(fromMs / this.stepMs - 1e-9), this.oldestIndex());
    const to = Math.min(Math.floor(toMs / this.stepMs + 1e-9), this.newestIndex);
    for (let i = from; i <= to; i++) this.excluded[this.slot(i)] = 1;
  }

  /**
   * The kept history within the last `windowMs` as column arrays, oldest first, leaving out empty slots.
   * Allocates once per call (called per refit, not per point).
   */
  snapshot(windowMs: number): HistorySnapshot {
    if (this.newestIndex === undefined) {
      return { timestampsMs: new Float64Array(0), values: new Float64Array(0), exclude: new Uint8Array(0) };
    }
    const windowSlots = Math.max(1, Math.floor(windowMs / this.stepMs));
    const start = Math.max(this.oldestIndex(), this.newestIndex - windowSlots + 1);
    let n = 0;
    for (let i = start; i <= this.newestIndex; i++) if (!Number.isNaN(this.values[this.slot(i)])) n++;
    const timestampsMs = new Float64Array(n);
    const values = new Float64Array(n);
    const exclude = new Uint8Array(n);
    let k = 0;
    for (let i = start; i <= this.newestIndex; i++) {
      const s = this.slot(i);
      const v = this.values[s];
      if (Number.isNaN(v)) continue;
      timestampsMs[k] = i * this.stepMs;
      values[k] = v;
      exclude[k] = this.excluded[s];
      k++;
    }
    return { timestampsMs, values, exclude };
  }

  /** Approximate heap bytes held (for memory accounting). */
  get bytes(): number {
    return this.values.byteLength + this.excluded.byteLength;
  }
}
