import { SlotTable } from './slotTable';
import { Random } from '../domain/random';

/** The kept history as columns, oldest first, for a (re)fit. */
export interface HistorySnapshot {
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
  /** 1 = inside an anomaly episode: left out of the fit. */
  readonly exclude: Uint8Array;
}

/** What a series runner needs from its rolling history (a plain grid or the compact form below). */
export interface HistoryStore {
  readonly stepMs: number;
  /** Grid slots between the oldest kept and the newest slot (gaps included); 0 when empty. */
  readonly span: number;
  readonly newestMs: number | undefined;
  /** Records a sample; false when it is too old to be kept. */
  push(timestampMs: number, value: number, exclude?: boolean): boolean;
  /** Marks every kept sample at or after `fromMs` as excluded from refits. */
  excludeFrom(fromMs: number): void;
  /** Marks every kept sample in [fromMs, toMs] as excluded from refits. */
  excludeRange(fromMs: number, toMs: number): void;
  /** The history within the last `windowMs`. Allocates once per call (per refit, not per point). */
  snapshot(windowMs: number): HistorySnapshot;
  /** Bytes of typed-array memory held. */
  readonly bytes: number;
}

/**
 * Width of the aggregation buckets, ms. It is the width of the means the seasonal forecaster fits
 * sub-5-minute data on (model/forecaster.ts), so the fit sees the same bucket means it would see from the
 * raw samples; it divides a day, so buckets never straddle an hour or a day.
 */
export const BUCKET_MS = 600_000;
/** Series with a step below this are kept compact (the forecaster averages them into buckets anyway). */
export const COMPACT_BELOW_MS = 300_000;
/**
 * Raw samples are kept this long behind the bucket being filled before they are folded into a bucket, so
 * an episode that opens with a look-back (N of M points) can still exclude them one by one.
 */
export const RAW_TAIL_MS = 30 * 60_000;
const DAY_MS = 86_400_000;
/** Bucket spreads are coded in 1/16 octave (±2.2%) around a per-day reference, ±8 octaves. */
const SD_CODES_PER_OCTAVE = 16;
const SD_CODE_ZERO = 128;
/** Largest share of a bucket's variance the interpolated level may take in a synthesised bucket. */
const MAX_RAMP_SHARE = 0.5;
/**
 * A bucket holds a step when its largest one-step change is at least this many times the root mean square
 * of its other changes (and the bucket's two sides differ by at least half of it, the same way): a heap
 * dropping back at GC, a cache flush. About 4-7 buckets a day of the simulated 1-minute metrics, of 144.
 */
const STEP_MIN_RATIO = 4;
/** A step needs at least this many one-step changes in its bucket to be told from noise. */
const STEP_MIN_CHANGES = 3;
/**
 * Largest share of a bucket's squares a kept step may take in a synthesised bucket: its exact share (the
 * squares between its two sides) up to this, so some noise is left to keep the samples distinct.
 */
const MAX_STEP_SHARE = 0.99;
/** Step sizes are coded in 1/64 of the bucket's spread. */
const STEP_CODES_PER_SD = 64;
/** Steps are packed as code * STEP_PLACES + index of the first sample after the step. */
const STEP_PLACES = 65_536;
/**
 * Codes stay below this in size, so a packed step is a 32-bit integer (see slotTable.ts). It never binds: a
 * step of size s after sample `at` of n takes s²·at·(n−at)/n² of the bucket's variance, so |s| / sd is at
 * most n / √(n−1), under 256 for the 65,536 samples a bucket can place, i.e. codes under 16,384.
 */
const STEP_MAX_CODE = 32_768;
/** Bucket means are coded in steps of the day's reference spread / this. */
const MEAN_STEPS_PER_SD = 32;
/** Code of a mean kept outside the 16-bit array. */
const WIDE_MEAN = -32_768;
/** More out-of-range means than this switch a series to Float32 means. */
const MAX_WIDE_MEANS = 64;
/** The synthesised within-bucket autocorrelation is matched to this many bisection steps. */
const PHI_ITERATIONS = 8;
const PHI_LIMIT = 0.999;
/** Partial bucket counts kept in a map before a count per bucket is cheaper (see CompactHistory). */
const MAX_PARTIAL_COUNTS = 32;
/**
 * Buckets with exact repeats kept in a map before a count per bucket: a 6-hour flatline (the longest the
 * simulator makes, a stuck exporter) is 36 buckets, in ~0.9 KB of map instead of 2 KB of counts.
 */
const MAX_SPARSE_REPEATS = 48;
/** Layout of CompactHistory's per-day statistics. */
const DAY_FIELDS = 6;
const DAY_TAG = 0;
const DAY_MEAN_REF = 1;
const DAY_SD_REF = 2;
const DAY_MEAN_STEP = 3;
const DAY_LAG_PRODUCT = 4;
const DAY_SQUARES = 5;

/**
 * A bucket's changes between consecutive samples, gathered while it is folded: how many and their squares,
 * and the largest one — its value, the index of the sample after it and the sum of the samples before it.
 */
interface BucketChanges {
  changes: number;
  squares: number;
  largest: number;
  at: number;
  sumBefore: number;
}

/**
 * A rolling history of one fine-grained series (step < 5 minutes) in about 7 bytes per 10 minutes instead
 * of 5 bytes per sample: 14 days at 30 s is ~14 KB rather than ~200 KB, which is what lets 10,000 series
 * keep the default 14-day window in a few hundred MB.
 *
 * Samples are kept raw for the newest bucket plus {@link RAW_TAIL_MS}; older ones are folded into
 * 10-minute buckets of the finite samples: count, mean, spread (population standard deviation), the
 * number of exact repeats of the previous sample and whether any sample lay inside an anomaly episode, plus
 * per day the within-bucket lag-1 autocorrelation. A bucket holding an excluded sample (or reached by a
 * later exclusion) is excluded whole; its samples are kept so the refit admission rules can learn them back.
 *
 * A snapshot turns each bucket back into `count` samples on its grid slots whose mean and sum of squares
 * are the bucket's (exactly, and to 0.3% after coding), whose lag-1 autocorrelation over the day matches
 * the measured one, and which repeat exactly as often — so the bucket means the forecaster fits are
 * unchanged, and its calibration (hour-of-day scale profile, residual quantiles, lag-1 autocorrelation,
 * repeat rate), which reads full-resolution residuals, sees the same spread and persistence. The shapes
 * inside a bucket are synthetic (a seeded AR(1) draw), so single-sample extremes inside a folded bucket
 * are spread over it; a step inside one (a GC's drop) is kept where it was, at its size (see `steps`).
 * Deterministic: the same pushes give the same snapshot.
 */
export class CompactHistory implements HistoryStore {
  readonly stepMs: number;
  private readonly tailSlots: number;
  private readonly ringCap: number;
  private readonly ring: Float64Array;
  private readonly bucketCap: number;
  /**
   * Mean minus the day's reference mean, per bucket, in steps of 1/32 of the day's reference spread (an
   * error below 2% of a quiet bucket's spread), or {@link WIDE_MEAN} when it does not fit in 16 bits.
   */
  private readonly means: Int16Array;
  /**
   * Means that did not fit (a spike bucket), by bucket slot; see {@link wideMeans}. Created at the first
   * such mean: most series never have one, and an empty Map costs ~200 bytes, times 10,000 series.
   */
  private wideMeanOf: Map<number, number> | undefined;
  /**
   * Set when too many means did not fit (a series whose buckets are mostly constant gives no spread to
   * scale by): from then on every mean is kept here, as a Float32 offset from the day's reference.
   */
  private wideMeans: Float32Array | undefined;
  /**
   * The step inside a bucket, by bucket slot (see {@link STEP_MIN_RATIO}), packed as `code * STEP_PLACES +
   * place`: `place` is the index of the bucket's first sample after the step, `code` the difference of the
   * two sides' means in 1/{@link STEP_CODES_PER_SD} of the bucket's spread. Without it a folded bucket's
   * synthetic samples spread a GC's drop over the bucket as noise: the fit then read about as many
   * upward jumps (0.2-0.8 a day on simulated 1-minute heaps, none in the raw samples) as a quarter of the
   * downward ones, and stopped recognising the heap's routine resets. Sparse: a few buckets a day, in a
   * typed table (slotTable.ts).
   */
  private steps: SlotTable | undefined;
  /**
   * The byte-sized columns, one view (each typed-array view costs ~100 bytes of heap, times 10,000
   * series): per bucket the spread code (at `sdOffset`); per ring slot the excluded flag
   * (`ringExcludedOffset`); one bit per bucket "held samples inside an anomaly episode"
   * (`excludedBitsOffset`: the bucket keeps all its samples, so a refit can still learn them once the
   * episode has lasted `model.accept_after`, or when too much of the window is excluded, see
   * pipeline/refitAdmission.ts; a bucket is excluded whole); one bit per bucket "holds a sample in every
   * grid slot" (`fullBitsOffset`, see {@link countOf}).
   */
  private readonly bytes8: Uint8Array;
  private readonly sdOffset: number;
  private readonly ringExcludedOffset: number;
  private readonly excludedBitsOffset: number;
  private readonly fullBitsOffset: number;
  /**
   * Sample counts of the buckets that are neither full nor empty, by bucket slot. A regular series has
   * almost none (its first bucket, a missed scrape), so a count per bucket (2 KB at 14 days) is not kept
   * unless more than {@link MAX_PARTIAL_COUNTS} are: then {@link denseCounts} takes over for good.
   */
  private partialCounts: Map<number, number> | undefined;
  private denseCounts: Uint8Array | Uint16Array | undefined;
  /**
   * Exact repeats by bucket slot, for the buckets that have any: none on a noisy float series, a few hours'
   * worth after a flatline, so a map until more than {@link MAX_SPARSE_REPEATS} buckets have some (a
   * quantised gauge); then {@link denseRepeats} takes over for good.
   */
  private sparseRepeats: Map<number, number> | undefined;
  private denseRepeats: Uint8Array | Uint16Array | undefined;
  private readonly wideCounts: boolean;
  private readonly dayCap: number;
  /**
   * Per day slot, {@link DAY_FIELDS} numbers: its day number (tag), reference mean, reference spread, the
   * spread basis of its mean coding (fixed at its first bucket, see {@link meanStep}), and the sums of
   * within-bucket lag products and squares.
   */
  private readonly dayStats: Float64Array;
  /** The one buffer behind the arrays above. */
  private readonly buffer: ArrayBuffer;
  private newestIndex: number | undefined;
  private firstIndex = 0;
  /** Buckets below this are folded; the ring holds every slot of the buckets from here on. */
  private sealedUpTo = 0;

  constructor(stepMs: number, windowMs: number) {
    if (!(stepMs > 0) || !(stepMs < BUCKET_MS)) {
      throw new RangeError(`stepMs must be > 0 and < ${BUCKET_MS}, got ${stepMs}`);
    }
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.stepMs = stepMs;
    const maxSlotsPerBucket = Math.ceil(BUCKET_MS / stepMs) + 1;
    this.tailSlots = Math.ceil(RAW_TAIL_MS / stepMs);
    this.ringCap = this.tailSlots + maxSlotsPerBucket + 1;
    this.bucketCap = Math.ceil(windowMs / BUCKET_MS) + 2;
    this.dayCap = Math.ceil(windowMs / DAY_MS) + 2;
    this.wideCounts = maxSlotsPerBucket > 255;
    // Every array is a view into one buffer: at 10,000 series, a separate ArrayBuffer per array would
    // cost more than a kilobyte per series in object headers. Widest elements first, so all are aligned.
    const bitBytes = Math.ceil(this.bucketCap / 8);
    const buffer = new ArrayBuffer(
      8 * (DAY_FIELDS * this.dayCap + this.ringCap) +
        2 * this.bucketCap +
        this.bucketCap +
        this.ringCap +
        2 * bitBytes,
    );
    let offset = 0;
    this.dayStats = new Float64Array(buffer, offset, DAY_FIELDS * this.dayCap);
    for (let m = 0; m < this.dayCap; m++) this.dayStats[m * DAY_FIELDS + DAY_TAG] = Number.NaN;
    offset += 8 * DAY_FIELDS * this.dayCap;
    this.ring = new Float64Array(buffer, offset, this.ringCap).fill(Number.NaN);
    offset += 8 * this.ringCap;
    this.means = new Int16Array(buffer, offset, this.bucketCap);
    offset += 2 * this.bucketCap;
    this.bytes8 = new Uint8Array(buffer, offset);
    this.sdOffset = 0;
    this.ringExcludedOffset = this.bucketCap;
    this.excludedBitsOffset = this.ringExcludedOffset + this.ringCap;
    this.fullBitsOffset = this.excludedBitsOffset + bitBytes;
    this.buffer = buffer;
  }

  /** Grid slots of bucket b (the most samples it can hold). */
  private slotsOf(b: number): number {
    return this.firstSlot(b + 1) - this.firstSlot(b);
  }

  /** Samples in bucket b (slot bs): every slot when its full bit is set, else the partial count or 0. */
  private countOf(b: number, bs: number): number {
    if (this.denseCounts !== undefined) return this.denseCounts[bs];
    if ((this.bytes8[this.fullBitsOffset + (bs >> 3)] & (1 << (bs & 7))) !== 0) return this.slotsOf(b);
    return this.partialCounts?.get(bs) ?? 0;
  }

  private setCount(b: number, bs: number, count: number): void {
    if (this.denseCounts !== undefined) {
      this.denseCounts[bs] = count;
      return;
    }
    const full = count > 0 && count === this.slotsOf(b);
    const bit = this.fullBitsOffset + (bs >> 3);
    if (full) this.bytes8[bit] |= 1 << (bs & 7);
    else this.bytes8[bit] &= ~(1 << (bs & 7));
    if (full || count === 0) {
      this.partialCounts?.delete(bs);
      return;
    }
    this.partialCounts ??= new Map();
    this.partialCounts.set(bs, count);
    if (this.partialCounts.size > MAX_PARTIAL_COUNTS) {
      // A gappy series: a count per bucket is smaller than this many map entries. Buckets are filled in
      // time order, so the live ones are the bucketCap before b (b itself last, as its slot is reused).
      const dense = this.wideCounts ? new Uint16Array(this.bucketCap) : new Uint8Array(this.bucketCap);
      for (let x = b - this.bucketCap + 1; x <= b; x++)
        dense[this.bucketSlot(x)] = this.countOf(x, this.bucketSlot(x));
      this.denseCounts = dense;
      this.partialCounts = undefined;
    }
  }

  private repeatsOf(bs: number): number {
    return this.denseRepeats !== undefined ? this.denseRepeats[bs] : (this.sparseRepeats?.get(bs) ?? 0);
  }

  /** Records a bucket slot's repeats (0 clears a reused slot). */
  private setRepeats(bs: number, repeats: number): void {
    if (this.denseRepeats !== undefined) {
      this.denseRepeats[bs] = repeats;
      return;
    }
    if (repeats === 0) {
      this.sparseRepeats?.delete(bs);
      return;
    }
    this.sparseRepeats ??= new Map();
    this.sparseRepeats.set(bs, repeats);
    if (this.sparseRepeats.size > MAX_SPARSE_REPEATS) {
      const dense = this.wideCounts ? new Uint16Array(this.bucketCap) : new Uint8Array(this.bucketCap);
      for (const [slot, r] of this.sparseRepeats) dense[slot] = r;
      this.denseRepeats = dense;
      this.sparseRepeats = undefined;
    }
  }

  get newestMs(): number | undefined {
    return this.newestIndex === undefined ? undefined : this.newestIndex * this.stepMs;
  }

  get span(): number {
    if (this.newestIndex === undefined) return 0;
    const oldest = Math.max(this.firstIndex, this.firstSlot(this.sealedUpTo - this.bucketCap));
    return this.newestIndex - oldest + 1;
  }

  get bytes(): number {
    return (
      this.buffer.byteLength +
      (this.denseCounts?.byteLength ?? 0) +
      (this.partialCounts?.size ?? 0) * 16 +
      (this.wideMeans?.byteLength ?? 0) +
      (this.wideMeanOf?.size ?? 0) * 16 +
      (this.steps?.byteLength ?? 0) +
      (this.sparseRepeats?.size ?? 0) * 16 +
      (this.denseRepeats?.byteLength ?? 0)
    );
  }

  private bucketOf(slot: number): number {
    return Math.floor((slot * this.stepMs) / BUCKET_MS);
  }

  /** First grid slot whose time lies in bucket b. */
  private firstSlot(b: number): number {
    return Math.ceil((b * BUCKET_MS) / this.stepMs);
  }

  private ringSlot(index: number): number {
    const m = index % this.ringCap;
    return m < 0 ? m + this.ringCap : m;
  }

  private isExcluded(bs: number): boolean {
    return (this.bytes8[this.excludedBitsOffset + (bs >> 3)] & (1 << (bs & 7))) !== 0;
  }

  private setExcluded(bs: number, excluded: boolean): void {
    if (excluded) this.bytes8[this.excludedBitsOffset + (bs >> 3)] |= 1 << (bs & 7);
    else this.bytes8[this.excludedBitsOffset + (bs >> 3)] &= ~(1 << (bs & 7));
  }

  private bucketSlot(b: number): number {
    const m = b % this.bucketCap;
    return m < 0 ? m + this.bucketCap : m;
  }

  /** The day slot of bucket b, reset when it last held another day. */
  private daySlot(b: number): number {
    const day = Math.floor((b * BUCKET_MS) / DAY_MS);
    const m = ((day % this.dayCap) + this.dayCap) % this.dayCap;
    if (this.dayStats[m * DAY_FIELDS + DAY_TAG] !== day) {
      this.dayStats[m * DAY_FIELDS + DAY_TAG] = day;
      this.dayStats[m * DAY_FIELDS + DAY_MEAN_REF] = Number.NaN;
      this.dayStats[m * DAY_FIELDS + DAY_SD_REF] = Number.NaN;
      this.dayStats[m * DAY_FIELDS + DAY_MEAN_STEP] = Number.NaN;
      this.dayStats[m * DAY_FIELDS + DAY_LAG_PRODUCT] = 0;
      this.dayStats[m * DAY_FIELDS + DAY_SQUARES] = 0;
    }
    return m;
  }

  /** Oldest slot index the ring still holds. */
  private oldestRaw(): number {
    const newest = this.newestIndex ?? 0;
    return Math.max(this.firstIndex, newest - this.ringCap + 1, this.firstSlot(this.sealedUpTo));
  }

  push(timestampMs: number, value: number, exclude = false): boolean {
    const index = Math.round(timestampMs / this.stepMs);
    if (this.newestIndex === undefined) {
      this.newestIndex = index;
      this.firstIndex = index;
      this.sealedUpTo = this.bucketOf(index);
    } else if (index > this.newestIndex) {
      this.advance(index);
    } else if (index < Math.max(this.newestIndex - this.ringCap + 1, this.firstSlot(this.sealedUpTo))) {
      // Raw samples older than the tail were folded already; a late one cannot join them.
      return false;
    }
    if (index < this.firstIndex) this.firstIndex = index;
    const s = this.ringSlot(index);
    this.ring[s] = value;
    this.bytes8[this.ringExcludedOffset + s] = exclude ? 1 : 0;
    return true;
  }

  /** Moves the newest slot to `index`: folds buckets that leave the raw tail, clears skipped slots. */
  private advance(index: number): void {
    const previous = this.newestIndex ?? index;
    // Fold every bucket whose last slot is more than the tail behind the new newest slot.
    const target = Math.max(this.sealedUpTo, this.bucketOf(index - this.tailSlots));
    const lastWithData = this.bucketOf(previous);
    const foldEnd = Math.min(target, lastWithData + 1);
    for (let b = this.sealedUpTo; b < foldEnd; b++) {
      this.fold(b, previous);
      this.sealedUpTo = b + 1;
    }
    for (let b = Math.max(foldEnd, target - this.bucketCap); b < target; b++) {
      this.setCount(b, this.bucketSlot(b), 0);
      this.setExcluded(this.bucketSlot(b), false);
      this.steps?.delete(this.bucketSlot(b));
    }
    this.sealedUpTo = target;
    const clearFrom = Math.max(previous + 1, index - this.ringCap + 1);
    for (let i = clearFrom; i < index; i++) {
      const s = this.ringSlot(i);
      this.ring[s] = Number.NaN;
      this.bytes8[this.ringExcludedOffset + s] = 0;
    }
    this.newestIndex = index;
  }

  /** Folds bucket b's raw samples (all still in the ring, none newer than `newest`) into its statistics. */
  private fold(b: number, newest: number): void {
    const from = Math.max(this.firstSlot(b), this.firstIndex, newest - this.ringCap + 1);
    const to = Math.min(this.firstSlot(b + 1) - 1, newest);
    let count = 0;
    let sum = 0;
    let excluded = false;
    for (let i = from; i <= to; i++) {
      const s = this.ringSlot(i);
      const v = this.ring[s];
      if (Number.isFinite(v)) {
        count++;
        sum += v;
        if (this.bytes8[this.ringExcludedOffset + s] !== 0) excluded = true;
      }
    }
    const bs = this.bucketSlot(b);
    this.setCount(b, bs, count);
    this.setExcluded(bs, excluded);
    if (count === 0) {
      // Never read (an empty bucket is skipped), but a stale entry would crowd the sparse maps.
      this.setRepeats(bs, 0);
      this.steps?.delete(bs);
      return;
    }
    const mean = sum / count;
    let squares = 0;
    let lagProduct = 0;
    let repeats = 0;
    let previous = Number.NaN;
    let previousDev = Number.NaN;
    let previousSlot = Number.NaN;
    let kept = 0;
    let before = 0;
    const ch: BucketChanges = { changes: 0, squares: 0, largest: 0, at: 0, sumBefore: 0 };
    for (let i = from; i <= to; i++) {
      const s = this.ringSlot(i);
      const v = this.ring[s];
      if (!Number.isFinite(v)) continue;
      const d = v - mean;
      squares += d * d;
      if (previousSlot === i - 1) {
        lagProduct += d * previousDev;
        const change = v - previous;
        ch.changes++;
        ch.squares += change * change;
        if (Math.abs(change) > Math.abs(ch.largest)) {
          ch.largest = change;
          ch.at = kept;
          ch.sumBefore = before;
        }
      }
      if (v === previous) repeats++;
      previous = v;
      previousDev = d;
      previousSlot = i;
      kept++;
      before += v;
    }
    // Equal values leave rounding noise in the spread: that is a constant bucket.
    const spread = Math.sqrt(squares / count);
    const sd = spread > Math.abs(mean) * 1e-12 ? spread : 0;
    const day = this.daySlot(b);
    if (Number.isNaN(this.dayStats[day * DAY_FIELDS + DAY_MEAN_REF])) {
      this.dayStats[day * DAY_FIELDS + DAY_MEAN_REF] = mean;
      // Fixed for the day at its first bucket, so decoding never depends on what came later.
      this.dayStats[day * DAY_FIELDS + DAY_MEAN_STEP] = sd > 0 ? sd : Math.max(Math.abs(mean), 1) * 2 ** -16;
    }
    if (Number.isNaN(this.dayStats[day * DAY_FIELDS + DAY_SD_REF]) && sd > 0)
      this.dayStats[day * DAY_FIELDS + DAY_SD_REF] = sd;
    this.bytes8[this.sdOffset + bs] = sd > 0 ? encodeSd(sd, this.dayStats[day * DAY_FIELDS + DAY_SD_REF]) : 0;
    this.storeMean(bs, mean - this.dayStats[day * DAY_FIELDS + DAY_MEAN_REF], this.meanStep(bs, day));
    this.setRepeats(bs, repeats);
    this.storeStep(bs, count, sum, sd, ch);
    this.dayStats[day * DAY_FIELDS + DAY_LAG_PRODUCT] += lagProduct;
    this.dayStats[day * DAY_FIELDS + DAY_SQUARES] += squares;
  }

  /**
   * Keeps the bucket's step, if it has one: its largest one-step change (`ch.largest`, before sample index
   * `ch.at`) stands out from the others ({@link STEP_MIN_RATIO}) and the means of the two sides it splits the
   * bucket into differ by at least half of it, the same way (it holds: a spike comes back within the bucket).
   * The size kept is that difference, so the step's share of the bucket's squares is exact. `count` samples
   * summing to `sum` with spread `sd`.
   */
  private storeStep(bs: number, count: number, sum: number, sd: number, ch: BucketChanges): void {
    const { changes, squares: changeSquares, largest, at, sumBefore } = ch;
    let packed = Number.NaN;
    if (changes >= STEP_MIN_CHANGES && sd > 0 && at > 0 && at < count) {
      const others = Math.sqrt(Math.max(0, changeSquares - largest * largest) / (changes - 1));
      const size = (sum - sumBefore) / (count - at) - sumBefore / at;
      const code = Math.round((size / sd) * STEP_CODES_PER_SD);
      if (
        Math.abs(largest) >= STEP_MIN_RATIO * others &&
        Math.sign(size) === Math.sign(largest) &&
        Math.abs(size) >= 0.5 * Math.abs(largest) &&
        at < STEP_PLACES &&
        code !== 0 &&
        Math.abs(code) < STEP_MAX_CODE
      )
        packed = code * STEP_PLACES + at;
    }
    if (Number.isNaN(packed)) {
      this.steps?.delete(bs);
      return;
    }
    this.steps ??= new SlotTable();
    this.steps.set(bs, packed);
  }

  /** The step of bucket slot bs with spread sd: index of the first sample after it and its size (0: none). */
  private stepOf(bs: number, sd: number): { at: number; size: number } {
    const packed = this.steps?.get(bs);
    if (packed === undefined) return { at: 0, size: 0 };
    const code = Math.floor(packed / STEP_PLACES);
    return { at: packed - code * STEP_PLACES, size: (code / STEP_CODES_PER_SD) * sd };
  }

  /**
   * Coding step of a bucket mean: 1/32 of the larger of its own spread and the day's reference spread, so
   * the error stays far below the noise (a quiet night bucket does not make busy hours overflow).
   */
  private meanStep(bs: number, day: number): number {
    const own =
      this.bytes8[this.sdOffset + bs] === 0
        ? 0
        : decodeSd(this.bytes8[this.sdOffset + bs], this.dayStats[day * DAY_FIELDS + DAY_SD_REF]);
    return Math.max(own, this.dayStats[day * DAY_FIELDS + DAY_MEAN_STEP]) / MEAN_STEPS_PER_SD;
  }

  /** Stores a bucket mean's offset from its day's reference (see {@link means}). */
  private storeMean(bs: number, offset: number, step: number): void {
    if (this.wideMeans !== undefined) {
      this.wideMeans[bs] = offset;
      return;
    }
    const q = Math.round(offset / step);
    if (Math.abs(q) <= 32_767) {
      this.means[bs] = q;
      this.wideMeanOf?.delete(bs);
      return;
    }
    this.means[bs] = WIDE_MEAN;
    this.wideMeanOf ??= new Map();
    this.wideMeanOf.set(bs, offset);
    if (this.wideMeanOf.size > MAX_WIDE_MEANS) {
      // Mostly unscalable means: keep them all as Float32 offsets (4 bytes a bucket, still compact).
      const wide = new Float32Array(this.bucketCap);
      for (let b = this.sealedUpTo - this.bucketCap; b < this.sealedUpTo; b++) {
        const slot = this.bucketSlot(b);
        if (this.countOf(b, slot) > 0 && slot !== bs)
          wide[slot] = this.meanOf(b) - this.dayStats[this.daySlotOf(b) * DAY_FIELDS + DAY_MEAN_REF];
      }
      wide[bs] = offset;
      this.wideMeans = wide;
      this.wideMeanOf = undefined;
    }
  }

  excludeFrom(fromMs: number): void {
    this.excludeRange(fromMs, Number.POSITIVE_INFINITY);
  }

  excludeRange(fromMs: number, toMs: number): void {
    if (this.newestIndex === undefined) return;
    const from = Math.ceil(fromMs / this.stepMs - 1e-9);
    const to = Math.min(Math.floor(toMs / this.stepMs + 1e-9), this.newestIndex);
    for (let i = Math.max(from, this.oldestRaw()); i <= to; i++) {
      this.bytes8[this.ringExcludedOffset + this.ringSlot(i)] = 1;
    }
    // Folded buckets cannot mark single samples: any bucket the range reaches into is excluded whole.
    const firstBucket = Math.max(this.bucketOf(from), this.sealedUpTo - this.bucketCap);
    const endBucket = Math.min(this.sealedUpTo, this.bucketOf(to) + 1);
    for (let b = firstBucket; b < endBucket; b++) this.setExcluded(this.bucketSlot(b), true);
  }

  snapshot(windowMs: number): HistorySnapshot {
    const newest = this.newestIndex;
    if (newest === undefined) {
      return { timestampsMs: new Float64Array(0), values: new Float64Array(0), exclude: new Uint8Array(0) };
    }
    const windowSlots = Math.max(1, Math.floor(windowMs / this.stepMs));
    const start = Math.max(newest - windowSlots + 1, this.firstIndex);
    const firstBucket = Math.max(this.sealedUpTo - this.bucketCap, this.bucketOf(start));
    const rawFrom = Math.max(start, this.oldestRaw());
    let n = 0;
    for (let b = firstBucket; b < this.sealedUpTo; b++) n += this.countOf(b, this.bucketSlot(b));
    for (let i = rawFrom; i <= newest; i++) if (!Number.isNaN(this.ring[this.ringSlot(i)])) n++;
    const timestampsMs = new Float64Array(n);
    const values = new Float64Array(n);
    const exclude = new Uint8Array(n);
    let k = 0;
    const synth = takeSynthesiser();
    // Day by day: the within-bucket autocorrelation is a per-day figure.
    let b = firstBucket;
    while (b < this.sealedUpTo) {
      const daySlot = this.daySlotOf(b);
      let end = b + 1;
      while (end < this.sealedUpTo && this.daySlotOf(end) === daySlot) end++;
      synth.reset(b);
      const kept: number[] = [];
      for (let x = b; x < end; x++) {
        const bs = this.bucketSlot(x);
        const count = this.countOf(x, bs);
        if (count === 0) continue;
        kept.push(x);
        const mean = this.meanOf(x);
        const slots = this.firstSlot(x + 1) - this.firstSlot(x);
        const sd = this.sdOf(x);
        const step = this.stepOf(bs, sd);
        synth.add(
          count,
          sd,
          this.repeatsOf(bs),
          slots,
          this.edgeOf(x - 1, true) - mean,
          this.edgeOf(x + 1, false) - mean,
          step.at,
          step.size,
        );
      }
      const squares = this.dayStats[daySlot * DAY_FIELDS + DAY_SQUARES];
      synth.generate(squares > 0 ? this.dayStats[daySlot * DAY_FIELDS + DAY_LAG_PRODUCT] / squares : 0);
      for (let j = 0; j < kept.length; j++) {
        const x = kept[j];
        const mean = this.meanOf(x);
        const count = this.countOf(x, this.bucketSlot(x));
        const s0 = this.firstSlot(x);
        const slots = this.firstSlot(x + 1) - s0;
        const dev = synth.deviations(j);
        const excluded = this.isExcluded(this.bucketSlot(x)) ? 1 : 0;
        for (let q = 0; q < count; q++) {
          const slot = s0 + placeOf(q, count, slots);
          if (slot < start) continue;
          timestampsMs[k] = slot * this.stepMs;
          values[k] = mean + dev[q];
          exclude[k] = excluded;
          k++;
        }
      }
      b = end;
    }
    for (let i = rawFrom; i <= newest; i++) {
      const s = this.ringSlot(i);
      const v = this.ring[s];
      if (Number.isNaN(v)) continue;
      timestampsMs[k] = i * this.stepMs;
      values[k] = v;
      exclude[k] = this.bytes8[this.ringExcludedOffset + s];
      k++;
    }
    if (synth.capacity > MAX_SHARED_SYNTH_SAMPLES) sharedSynthesiser = undefined;
    // Synthesised samples before `start` (of a bucket straddling it) were skipped: trim.
    return {
      timestampsMs: timestampsMs.subarray(0, k),
      values: values.subarray(0, k),
      exclude: exclude.subarray(0, k),
    };
  }

  /** Mean of bucket b in series units, or NaN when it holds nothing (or lies outside the ring). */
  private meanOf(b: number): number {
    if (b < this.sealedUpTo - this.bucketCap || b >= this.sealedUpTo) return Number.NaN;
    const bs = this.bucketSlot(b);
    if (this.countOf(b, bs) === 0) return Number.NaN;
    const day = this.daySlotOf(b);
    if (this.wideMeans !== undefined)
      return this.dayStats[day * DAY_FIELDS + DAY_MEAN_REF] + this.wideMeans[bs];
    const q = this.means[bs];
    if (q === WIDE_MEAN)
      return this.dayStats[day * DAY_FIELDS + DAY_MEAN_REF] + (this.wideMeanOf?.get(bs) ?? Number.NaN);
    return this.dayStats[day * DAY_FIELDS + DAY_MEAN_REF] + q * this.meanStep(bs, day);
  }

  /** Spread of bucket b (which holds samples) in series units. */
  private sdOf(b: number): number {
    const bs = this.bucketSlot(b);
    return decodeSd(
      this.bytes8[this.sdOffset + bs],
      this.dayStats[this.daySlotOf(b) * DAY_FIELDS + DAY_SD_REF],
    );
  }

  /**
   * The level at bucket b's first (`end` false) or last samples: its mean, or for a bucket with a step the
   * mean of that side, so a neighbour's level runs up to where the step starts or ends, not to the middle of
   * the step (which would add a jump the other way at the bucket boundary). NaN when b holds nothing.
   */
  private edgeOf(b: number, end: boolean): number {
    const mean = this.meanOf(b);
    if (Number.isNaN(mean) || this.steps === undefined) return mean;
    const bs = this.bucketSlot(b);
    const { at, size } = this.stepOf(bs, this.sdOf(b));
    if (size === 0) return mean;
    const count = this.countOf(b, bs);
    return end ? mean + (size * at) / count : mean - (size * (count - at)) / count;
  }

  /** Day slot of bucket b without resetting it (for grouping). */
  private daySlotOf(b: number): number {
    const day = Math.floor((b * BUCKET_MS) / DAY_MS);
    return ((day % this.dayCap) + this.dayCap) % this.dayCap;
  }
}

/** Slot (within its bucket) of synthesised sample q: a full bucket fills its slots, a partial one is spread evenly. */
function placeOf(q: number, count: number, slots: number): number {
  return count === slots ? q : Math.round(((q + 0.5) * slots) / count - 0.5);
}

function encodeSd(sd: number, reference: number): number {
  const code = Math.round(SD_CODES_PER_OCTAVE * Math.log2(sd / reference)) + SD_CODE_ZERO;
  return Math.min(255, Math.max(1, code));
}

function decodeSd(code: number, reference: number): number {
  if (code === 0) return 0;
  return reference * 2 ** ((code - SD_CODE_ZERO) / SD_CODES_PER_OCTAVE);
}

/**
 * The snapshot's synthesiser, kept from one snapshot to the next. Made anew for each, its per-sample arrays
 * (a day of samples each, grown by doubling) were the daemon's largest churn of mid-sized allocations while
 * it fitted and screened its series (~19 per series at 30 s); the C allocator keeps such churn resident as
 * holes between long-lived buffers. Safe to share: a snapshot uses it synchronously from its first `reset` to
 * its last read, and snapshots do not nest.
 */
let sharedSynthesiser: BucketSynthesiser | undefined;
/** A synthesiser grown past this many samples (a day at steps under 10 s, ~0.4 MB) is not kept. */
const MAX_SHARED_SYNTH_SAMPLES = 8_640;

function takeSynthesiser(): BucketSynthesiser {
  sharedSynthesiser ??= new BucketSynthesiser();
  return sharedSynthesiser;
}

/**
 * Synthesises the within-bucket deviations of one day's buckets. The level runs piecewise-linearly through
 * the bucket means (so consecutive buckets join without a jump, as raw samples do), or steps where a bucket
 * held one (its neighbours' levels then run to the step's sides); seeded AR(1) noise,
 * continuous over the day and with its own bucket means interpolated away the same way, fills the rest of
 * each bucket's spread. The noise coefficient is bisected until the day's lag-1 autocorrelation of the
 * deviations equals the measured one. Every bucket is then centred and scaled to its mean and spread
 * exactly, and gets as many exact repeats as it had.
 */
class BucketSynthesiser {
  // Per bucket of the day (at most 144 plus a straddling one).
  private count: number[] = [];
  private sd: number[] = [];
  private repeat: number[] = [];
  /** Largest share of each bucket's squares its level (interpolated, or a step) may take. */
  private rampCap: number[] = [];
  private offsets: number[] = [];
  // Per sample of the day: grown as needed and reused from day to day, so a refit's snapshot allocates a
  // handful of arrays instead of several per day and per bisection step.
  private total = 0;
  private phase: Float64Array = new Float64Array(0);
  private ramp: Float64Array = new Float64Array(0);
  private noise = new Float64Array(0);
  private out = new Float64Array(0);
  private path = new Float64Array(0);
  private noiseMean = new Float64Array(0);
  private rampCentred = new Float64Array(0);
  private rampScale = new Float64Array(0);
  private rampSquares = new Float64Array(0);
  private seed = 0;

  /** Samples the per-sample arrays have room for. */
  get capacity(): number {
    return this.phase.length;
  }

  reset(seed: number): void {
    this.count = [];
    this.sd = [];
    this.repeat = [];
    this.rampCap = [];
    this.offsets = [];
    this.total = 0;
    this.seed = seed;
  }

  /** Room for `n` samples, keeping those added so far. */
  private reserve(n: number): void {
    if (n <= this.phase.length) return;
    const size = Math.max(n, 2 * this.phase.length, 64);
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a.subarray(0, this.total));
      return b;
    };
    this.phase = grow(this.phase);
    this.ramp = grow(this.ramp);
    this.noise = new Float64Array(size);
    this.out = new Float64Array(size);
    this.path = new Float64Array(size);
  }

  /**
   * Adds a bucket of `count` samples on `slots` grid slots (sample q's place in the bucket is in
   * [-0.5, 0.5)), `before`/`after` the neighbouring buckets' edge levels minus this one's mean (NaN when
   * empty). A bucket with a step (`stepSize` ≠ 0, from sample `stepAt` on) gets the step as its level
   * instead of the interpolation: two flat sides whose means differ by `stepSize`.
   */
  add(
    count: number,
    sd: number,
    repeats: number,
    slots: number,
    before: number,
    after: number,
    stepAt = 0,
    stepSize = 0,
  ): void {
    this.offsets.push(this.total);
    this.count.push(count);
    this.sd.push(sd);
    this.repeat.push(repeats);
    this.rampCap.push(stepSize !== 0 ? MAX_STEP_SHARE : MAX_RAMP_SHARE);
    this.reserve(this.total + count);
    const low = (-stepSize * (count - stepAt)) / count;
    const high = (stepSize * stepAt) / count;
    for (let q = 0; q < count; q++) {
      const u = (placeOf(q, count, slots) + 0.5) / slots - 0.5;
      this.phase[this.total] = u;
      this.ramp[this.total] = stepSize !== 0 ? (q < stepAt ? low : high) : interpolate(u, 0, before, after);
      this.total++;
    }
  }

  generate(targetRho: number): void {
    const total = this.total;
    if (this.noiseMean.length < this.count.length) this.noiseMean = new Float64Array(this.count.length);
    const rng = new Random(this.seed);
    for (let i = 0; i < total; i++) this.noise[i] = rng.normal();
    this.prepareRamps();
    const target = Math.min(PHI_LIMIT, Math.max(-PHI_LIMIT, targetRho));
    let lo = -PHI_LIMIT;
    let hi = PHI_LIMIT;
    let phi = target;
    for (let it = 0; it < PHI_ITERATIONS; it++) {
      const rho = this.shape(phi);
      if (rho < target) lo = phi;
      else hi = phi;
      phi = 0.5 * (lo + hi);
    }
    this.shape(phi);
    for (let j = 0; j < this.count.length; j++) this.finish(j);
  }

  /** Deviations of bucket j (valid after generate). */
  deviations(j: number): Float64Array {
    const o = this.offsets[j];
    return this.out.subarray(o, o + this.count[j]);
  }

  /**
   * The ramp's share of each bucket, which does not depend on the noise coefficient: computed once per
   * day rather than at every bisection step. The ramp takes at most half the spread: noise always keeps
   * samples distinct (a flat stretch would read as exact repeats) and the bucket from looking like a
   * straight line.
   */
  private prepareRamps(): void {
    const m = this.count.length;
    if (this.rampScale.length < m) {
      this.rampScale = new Float64Array(m);
      this.rampSquares = new Float64Array(m);
    }
    if (this.rampCentred.length < this.total) this.rampCentred = new Float64Array(this.phase.length);
    for (let j = 0; j < m; j++) {
      const o = this.offsets[j];
      const c = this.count[j];
      let rampMean = 0;
      for (let q = 0; q < c; q++) rampMean += this.ramp[o + q] / c;
      let rr = 0;
      for (let q = 0; q < c; q++) {
        const r = this.ramp[o + q] - rampMean;
        this.rampCentred[o + q] = r;
        rr += r * r;
      }
      const target = this.sd[j] * this.sd[j] * c;
      const cap = this.rampCap[j];
      const rampScale = rr > cap * target ? Math.sqrt((cap * target) / rr) : 1;
      this.rampScale[j] = rampScale;
      this.rampSquares[j] = rr * rampScale * rampScale;
    }
  }

  /** Builds the deviations for noise coefficient `phi`; returns the day's lag-1 autocorrelation of them. */
  private shape(phi: number): number {
    const total = this.total;
    const innovation = Math.sqrt(1 - phi * phi);
    let x = 0;
    for (let i = 0; i < total; i++) {
      x = i === 0 ? this.noise[0] : phi * x + innovation * this.noise[i];
      this.path[i] = x;
    }
    const m = this.count.length;
    const noiseMean = this.noiseMean;
    for (let j = 0; j < m; j++) {
      const o = this.offsets[j];
      let sum = 0;
      for (let q = 0; q < this.count[j]; q++) sum += this.path[o + q];
      noiseMean[j] = sum / this.count[j];
    }
    let product = 0;
    let squares = 0;
    for (let j = 0; j < m; j++) {
      const o = this.offsets[j];
      const c = this.count[j];
      const before = j > 0 ? noiseMean[j - 1] - noiseMean[j] : Number.NaN;
      const after = j + 1 < m ? noiseMean[j + 1] - noiseMean[j] : Number.NaN;
      // Noise around its own interpolated level, centred.
      let mean = 0;
      for (let q = 0; q < c; q++) {
        const v = this.path[o + q] - noiseMean[j] - interpolate(this.phase[o + q], 0, before, after);
        this.out[o + q] = v;
        mean += v / c;
      }
      // Spread = |ramp + a·noise|: solve for a ≥ 0 (the ramp's part is fixed, see prepareRamps). Under a
      // step the noise is first made orthogonal to it: a step takes up to 99% of the squares, and noise
      // that happened to run against it would cancel it (the drop came out as noise, or reversed). The
      // interpolated ramps keep the noise as drawn: made orthogonal too, they moved the 30 s cpu band of
      // compactHistory.test 3.2% off the raw fit's.
      const orthogonal = this.rampCap[j] === MAX_STEP_SHARE;
      let rn = 0;
      let rr = 0;
      for (let q = 0; q < c; q++) {
        const r = this.rampCentred[o + q];
        rn += r * (this.out[o + q] - mean);
        rr += r * r;
      }
      const along = orthogonal && rr > 0 ? rn / rr : 0;
      let nn = 0;
      for (let q = 0; q < c; q++) {
        const v = this.out[o + q] - mean - along * this.rampCentred[o + q];
        this.out[o + q] = v;
        nn += v * v;
      }
      const target = this.sd[j] * this.sd[j] * c;
      const rampScale = this.rampScale[j];
      const rs = this.rampSquares[j];
      const rns = (rn - along * rr) * rampScale;
      // nn·a² + 2·rns·a + rs − target = 0, positive root (rs <= target, so it exists).
      const a = nn > 0 ? (-rns + Math.sqrt(Math.max(0, rns * rns - nn * (rs - target)))) / nn : 0;
      for (let q = 0; q < c; q++) {
        const d = rampScale * this.rampCentred[o + q] + a * this.out[o + q];
        this.out[o + q] = d;
        squares += d * d;
        if (q > 0) product += d * this.out[o + q - 1];
      }
    }
    return squares > 0 ? product / squares : 0;
  }

  /** Centres bucket [o, o+c) and scales it to population sd `sd`. */
  private normalise(o: number, c: number, sd: number): void {
    let mean = 0;
    for (let q = 0; q < c; q++) mean += this.out[o + q];
    mean /= c;
    let ss = 0;
    for (let q = 0; q < c; q++) {
      const d = this.out[o + q] - mean;
      this.out[o + q] = d;
      ss += d * d;
    }
    const scale = ss > 0 && sd > 0 ? sd / Math.sqrt(ss / c) : 0;
    for (let q = 0; q < c; q++) this.out[o + q] *= scale;
  }

  /** Makes the bucket's closest consecutive pairs exact repeats, then restores its mean and spread. */
  private finish(j: number): void {
    const o = this.offsets[j];
    const c = this.count[j];
    this.normalise(o, c, this.sd[j]);
    const r = Math.min(this.repeat[j], c - 1);
    if (r <= 0 || this.sd[j] === 0) return;
    const order = Array.from({ length: c - 1 }, (_, q) => q + 1).sort(
      (a, b) =>
        Math.abs(this.out[o + a] - this.out[o + a - 1]) - Math.abs(this.out[o + b] - this.out[o + b - 1]) ||
        a - b,
    );
    const tie = new Uint8Array(c);
    for (let q = 0; q < r; q++) tie[order[q]] = 1;
    for (let q = 1; q < c; q++) if (tie[q] === 1) this.out[o + q] = this.out[o + q - 1];
    this.normalise(o, c, this.sd[j]);
  }
}

/**
 * The piecewise-linear level through bucket centres at place u in [-0.5, 0.5) of a bucket whose mean is
 * `here`, with the neighbours' means `before` and `after` (NaN: flat on that side).
 */
function interpolate(u: number, here: number, before: number, after: number): number {
  if (u < 0) return Number.isFinite(before) ? here - u * (before - here) : here;
  return Number.isFinite(after) ? here + u * (after - here) : here;
}
