/** Reduction of long series to what a chart of a given pixel width can show. Pure. */

/** A drawable point in data coordinates. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/**
 * Min/max-per-bucket downsampling: the x range is cut into `buckets` equal slices (one per pixel column is
 * typical) and each slice keeps its lowest and highest finite y, in time order. A one-point spike therefore
 * survives, which averaging or every-nth sampling would lose. Slices without a finite value become gaps:
 * the result is a list of contiguous segments, and lines are never drawn across missing data.
 *
 * Output size is bounded by 2 × `buckets` points in total whatever the input length. Inputs short enough
 * (≤ 2 × `buckets` points) are returned unreduced, only split at gaps.
 *
 * @param xs ascending x values (epoch ms); non-finite x are skipped
 * @param ys values aligned with `xs`; NaN/±Infinity mark missing data
 * @param buckets number of slices, ≥ 1
 */
export function minMaxDownsample(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number): XY[][] {
  const n = Math.min(xs.length, ys.length);
  const nb = Math.max(1, Math.floor(buckets));
  if (n === 0) return [];
  if (n <= 2 * nb) return splitAtGaps(xs, ys, n);

  const [x0, x1] = finiteRange(xs, n);
  if (!Number.isFinite(x0)) return [];
  const width = x1 - x0;
  const segments: XY[][] = [];
  let current: XY[] = [];
  let bucket = -1;
  let minI = -1;
  let maxI = -1;
  let sawMissing = false;

  const flush = (): void => {
    if (minI >= 0) {
      // Emit the two extremes in time order so the polyline zig-zags forward, never backward.
      const a = Math.min(minI, maxI);
      const b = Math.max(minI, maxI);
      current.push({ x: xs[a] ?? NaN, y: ys[a] ?? NaN });
      if (b !== a) current.push({ x: xs[b] ?? NaN, y: ys[b] ?? NaN });
    }
    // A bucket with no finite value at all is a gap; a bucket that has values keeps the line connected.
    if (minI < 0 && sawMissing && current.length > 0) {
      segments.push(current);
      current = [];
    }
    minI = -1;
    maxI = -1;
    sawMissing = false;
  };

  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? NaN;
    if (!Number.isFinite(x)) continue;
    const b = width === 0 ? 0 : Math.min(nb - 1, Math.floor(((x - x0) / width) * nb));
    if (b !== bucket) {
      flush();
      bucket = b;
    }
    const y = ys[i] ?? NaN;
    if (!Number.isFinite(y)) {
      sawMissing = true;
      continue;
    }
    if (minI < 0 || y < (ys[minI] ?? y)) minI = i;
    if (maxI < 0 || y > (ys[maxI] ?? y)) maxI = i;
  }
  flush();
  if (current.length > 0) segments.push(current);
  return segments;
}

/**
 * Envelope downsampling for the prediction band: per bucket, the lowest `lower` and the highest `upper`,
 * so the drawn band never looks narrower than the real one. Buckets where either edge is missing are gaps.
 * Returns segments of `{x, lo, hi}` with at most one entry per bucket (short inputs are not reduced).
 */
export function envelopeDownsample(
  xs: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  buckets: number,
): { x: number; lo: number; hi: number }[][] {
  const n = Math.min(xs.length, lower.length, upper.length);
  const nb = Math.max(1, Math.floor(buckets));
  const segments: { x: number; lo: number; hi: number }[][] = [];
  if (n === 0) return segments;
  const reduce = n > nb;
  const [x0, x1] = finiteRange(xs, n);
  if (!Number.isFinite(x0)) return segments;
  const width = x1 - x0;
  let current: { x: number; lo: number; hi: number }[] = [];
  let bucket = -1;
  let acc: { x: number; lo: number; hi: number } | undefined;
  let gap = false;

  const flush = (): void => {
    if (acc !== undefined) current.push(acc);
    else if (gap && current.length > 0) {
      segments.push(current);
      current = [];
    }
    acc = undefined;
    gap = false;
  };

  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? NaN;
    if (!Number.isFinite(x)) continue;
    const b = !reduce ? i : width === 0 ? 0 : Math.min(nb - 1, Math.floor(((x - x0) / width) * nb));
    if (b !== bucket) {
      flush();
      bucket = b;
    }
    const lo = lower[i] ?? NaN;
    const hi = upper[i] ?? NaN;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      gap = true;
      continue;
    }
    // The bucket's x is its first finite point, so reduced and unreduced bands line up with the data.
    if (acc === undefined) acc = { x, lo, hi };
    else acc = { x: acc.x, lo: Math.min(acc.lo, lo), hi: Math.max(acc.hi, hi) };
  }
  flush();
  if (current.length > 0) segments.push(current);
  return segments;
}

function splitAtGaps(xs: ArrayLike<number>, ys: ArrayLike<number>, n: number): XY[][] {
  const segments: XY[][] = [];
  let current: XY[] = [];
  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? NaN;
    const y = ys[i] ?? NaN;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      current.push({ x, y });
    } else if (current.length > 0) {
      segments.push(current);
      current = [];
    }
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

function finiteRange(xs: ArrayLike<number>, n: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i] ?? NaN;
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}
