/**
 * A stack of reusable typed-array slots for the per-fit statistics: residuals, replayed detector
 * statistics, selection buffers — n-sized arrays that live only while one fit computes its metrics.
 *
 * Why: a fit of a 30 s series over 14 days (n = 40,320) used to allocate some 30 such arrays of 322 KB each
 * and drop them at once; in a daemon fitting 10,000 series the allocator keeps that churn as resident memory
 * (RSS rose past the 300 MB bar) and the collector's work showed in the fit time. Each slot here grows to
 * the largest size asked of it and is then reused, so steady-state fits allocate none of them.
 *
 * Why one module-level stack is safe: fitting is synchronous (no await between taking and releasing a slot)
 * and single-threaded per isolate, so no two users interleave; nested users (a level that calls
 * `kthClusterLevel`) simply sit higher on the stack. The discipline:
 * - `const mark = scratchMark()` before taking, `scratchRelease(mark)` in a `finally` when done: everything
 *   taken since the mark is free again, and an exception cannot leak slots.
 * - A taken array holds whatever its last user left: write before you read (or pass `fill`).
 * - Nothing that outlives the release — above all nothing a model keeps — may be (or view) a scratch array:
 *   the next fit overwrites it.
 */

/** The slots, lowest first; slot i serves the i-th array taken below the current top. */
const slots: Float64Array[] = [];
let top = 0;

/**
 * Slots grow by at least this factor, so a series whose history lengthens a point per fit (a backfill, a
 * growing window) reallocates a few times rather than on every fit.
 */
const GROWTH = 1.25;

/** The current top of the stack, to hand back to {@link scratchRelease}. */
export function scratchMark(): number {
  return top;
}

/** Frees every array taken since `mark` was read. */
export function scratchRelease(mark: number): void {
  top = mark;
}

/** The next slot with room for `doubles` float64 values (grown if needed), moving the top past it. */
function takeSlot(doubles: number): Float64Array {
  let slot = slots[top];
  if (slot === undefined || slot.length < doubles) {
    const size = Math.max(doubles, Math.ceil((slot?.length ?? 0) * GROWTH));
    slot = new Float64Array(size);
    slots[top] = slot;
  }
  top++;
  return slot;
}

/**
 * A Float64Array of exactly `n` entries from the arena (a view when its slot is larger), holding stale values
 * unless `fill` is given.
 */
export function scratchFloat64(n: number, fill?: number): Float64Array {
  const slot = takeSlot(n);
  const out = slot.length === n ? slot : slot.subarray(0, n);
  if (fill !== undefined) out.fill(fill);
  return out;
}

/** A copy of `values` in the arena (for a routine that reorders its input when the original is still needed). */
export function scratchCopy(values: Float64Array): Float64Array {
  const out = scratchFloat64(values.length);
  out.set(values);
  return out;
}

/** An Int32Array of exactly `n` entries from the arena (a view on a float slot), stale unless `fill` is given. */
export function scratchInt32(n: number, fill?: number): Int32Array {
  const slot = takeSlot(Math.ceil(n / 2));
  const out = new Int32Array(slot.buffer, slot.byteOffset, n);
  if (fill !== undefined) out.fill(fill);
  return out;
}

/** Float64 slots the arena holds and their total size in bytes (for tests and diagnostics). */
export function scratchFootprint(): { slots: number; bytes: number } {
  let bytes = 0;
  for (const s of slots) bytes += s.byteLength;
  return { slots: slots.length, bytes };
}
