import type { FeatureTables, PhaseBins } from './bins';
import { choleskyInPlace, choleskySolveInPlace } from './linalg';
import { MAD_TO_SIGMA, medianInPlace, medianOfRange } from './stats';
import { TrendScratch, trendGram, trendParameterCount } from './trend';

/**
 * Robust additive fit: trend + weekly + daily + weekend-daily, by iteratively reweighted least squares
 * (Huber weights from a robust start, then Tukey biweight; see COLD_SCHEDULE / WARM_SCHEDULE).
 *
 * The coefficients form two blocks solved alternately (block Gauss–Seidel): {trend, weekly} and
 * {daily, weekend-daily}. Trend and weekly share a block because a changepoint trend can bend like a
 * weekly wave, so alternating between them converges slowly; daily terms are nearly orthogonal to both.
 * Normal equations come from sufficient statistics: suffix sums past each changepoint for the trend,
 * weighted sums per time-of-week bin for the seasonal terms, whose Fourier Grams come from the weight
 * spectrum by product-to-sum identities. A reweighting stage costs O(n·(1 + weekly terms) + bins·harmonics)
 * and a sweep O(n + time-of-day bins·p); no n×p design matrix is ever built.
 */

/** Points prepared for fitting: usable points only, ascending time, values already centred and scaled. */
export interface FitPoints {
  /** Days since the model origin, ascending. */
  readonly tDays: Float64Array;
  /** Normalised values (y − centre) / spread. */
  readonly y: Float64Array;
  /** Time-of-week bin of each point. */
  readonly tow: Int32Array;
  /**
   * Prior weight of each point (how many raw samples it averages), or undefined for 1 each. Robust weights
   * multiply it, and residuals are judged in units of the raw noise (r·√prior).
   */
  readonly prior?: Float64Array;
}

/** Which seasonal components a fit uses. */
export interface ComponentChoice {
  readonly daily: boolean;
  readonly weekly: boolean;
  readonly weekend: boolean;
}

/** Coefficients and per-bin component values, in normalised units (the caller rescales them). */
export interface FitResult {
  /** [level, slope per day, δ_1 … δ_C]. */
  readonly trend: Float64Array;
  readonly daily: Float64Array;
  readonly weekly: Float64Array;
  readonly weekend: Float64Array;
  readonly dailyByTod: Float64Array;
  readonly weeklyByTow: Float64Array;
  /** Weekend value per time of day: the weekend-daily shape plus the weekend level. */
  readonly weekendByTod: Float64Array;
  /** Weekend level: a step added on Saturday and Sunday (0 when the weekend component is off). */
  readonly weekendLevel: number;
  /** Combined seasonal value per time-of-week bin. */
  readonly seasonalByTow: Float64Array;
  /** Sum of the final robustness weights (a count of effectively used points). */
  readonly weightSum: number;
}

const HUBER_K = 1.345;
const TUKEY_C = 4.685;
/** Robust scales below this (in units of the series' spread) are treated as an exact fit. */
const SIGMA_FLOOR = 1e-9;
/** 'warm': Tukey where the previous fit saw the point, Huber where it only extrapolated. */
type Stage = 'ls' | 'huber' | 'tukey' | 'warm';
/**
 * A cold fit starts from Huber weights of the residuals about each time of day's median (a robust
 * seasonal-naive fit, so outages and spikes are down-weighted before the first solve, which a least-squares
 * start would let them bend), then Tukey (redescending) so they end with zero weight.
 */
const COLD_SCHEDULE: readonly Stage[] = ['huber', 'tukey'];
/**
 * A warm start already has residuals from a robust fit of most of the same data: where that fit saw a point
 * its residual is trusted (Tukey, so known outliers get zero weight at once); where it extrapolated, the
 * residual may reflect a real change the old fit could not know, so it only gets Huber's bounded
 * down-weighting, and one reweighting stage suffices.
 */
const WARM_SCHEDULE: readonly Stage[] = ['warm'];
const SWEEPS_PER_STAGE = 2;
const FINAL_MAX_SWEEPS = 50;
/**
 * Convergence: largest change of any coefficient's effect on the fit, in units of the series' spread.
 * The final model is solved to 1e-6 of the spread (forecasts agree with a 1e-9 solve to six significant
 * digits, and noisy series converge slowly at the tighter bar); a calibration fit (`loose`) likewise.
 */
const CONVERGED = 1e-6;
const CONVERGED_LOOSE = 1e-6;

/**
 * Buffers for fits. A fit allocates nothing of its own but its result: off-heap typed arrays are slow to
 * create and to collect, and a fleet refit would otherwise churn through dozens of them per series.
 * Point- and bin-sized buffers are sized at construction; the small matrix buffers grow on demand.
 * Use {@link FitWorkspace.shared} to reuse one workspace across fits (fits are synchronous, so one per bin
 * layout suffices).
 */
export class FitWorkspace {
  readonly capacity: number;
  readonly binsPerWeek: number;
  readonly weight: Float64Array;
  readonly trendValue: Float64Array;
  readonly absResidual: Float64Array;
  /** The robust start's residuals (medianResiduals writes here). */
  readonly startResidual: Float64Array;
  /** Time-of-day bin and weekend flag of each point (saves a lookup through its time-of-week bin). */
  readonly todOfPoint: Int32Array;
  readonly weekendOfPoint: Uint8Array;
  readonly weightByTow: Float64Array;
  readonly wyByTow: Float64Array;
  readonly weightByTod: Float64Array;
  readonly weekendWeightByTod: Float64Array;
  readonly dailyTargetByTod: Float64Array;
  readonly weekendTargetByTod: Float64Array;
  readonly dailyByTod: Float64Array;
  readonly weekendByTod: Float64Array;
  readonly weeklyByTow: Float64Array;
  readonly seasonalByTow: Float64Array;
  readonly bByTow: Float64Array;
  readonly wyByTod: Float64Array;
  readonly wyWeekendByTod: Float64Array;
  /** Per-group counts and medians of the robust start (binsPerDay + 1 groups at most). */
  readonly groupCount: Int32Array;
  readonly groupFill: Int32Array;
  readonly groupMedian: Float64Array;
  gramA = new Float64Array(0);
  rhsA = new Float64Array(0);
  coefA = new Float64Array(0);
  gramB = new Float64Array(0);
  rhsB = new Float64Array(0);
  coefB = new Float64Array(0);
  accW = new Float64Array(0);
  accT = new Float64Array(0);
  sufW = new Float64Array(0);
  sufT = new Float64Array(0);
  specC = new Float64Array(0);
  specS = new Float64Array(0);
  weeklyByTodSum = new Float64Array(0);
  weeklyByTodWeekend = new Float64Array(0);
  constW = new Float64Array(0);
  trendScratch = new TrendScratch(0);

  constructor(n: number, bins: PhaseBins) {
    this.capacity = n;
    this.binsPerWeek = bins.binsPerWeek;
    const bd = bins.binsPerDay;
    const bw = bins.binsPerWeek;
    this.weight = new Float64Array(n);
    this.trendValue = new Float64Array(n);
    this.absResidual = new Float64Array(n);
    this.startResidual = new Float64Array(n);
    this.todOfPoint = new Int32Array(n);
    this.weekendOfPoint = new Uint8Array(n);
    this.weightByTow = new Float64Array(bw);
    this.wyByTow = new Float64Array(bw);
    this.weightByTod = new Float64Array(bd);
    this.weekendWeightByTod = new Float64Array(bd);
    this.dailyTargetByTod = new Float64Array(bd);
    this.weekendTargetByTod = new Float64Array(bd);
    this.dailyByTod = new Float64Array(bd);
    this.weekendByTod = new Float64Array(bd);
    this.weeklyByTow = new Float64Array(bw);
    this.seasonalByTow = new Float64Array(bw);
    this.bByTow = new Float64Array(bw);
    this.wyByTod = new Float64Array(bd);
    this.wyWeekendByTod = new Float64Array(bd);
    this.groupCount = new Int32Array(bd + 1);
    this.groupFill = new Int32Array(bd + 1);
    this.groupMedian = new Float64Array(bd);
  }

  /**
   * A workspace for `n` points on `bins`, reused from earlier calls when one of this layout is big enough
   * (a few layouts are kept: a deployment has one or two steps).
   */
  static shared(n: number, bins: PhaseBins): FitWorkspace {
    const hit = SHARED.get(bins.binsPerWeek);
    if (hit !== undefined && hit.capacity >= n) return hit;
    // Some headroom, so a rolling window that grows by a few points does not reallocate every fit.
    const ws = new FitWorkspace(Math.max(n, Math.ceil(n * 1.1)), bins);
    if (hit === undefined && SHARED.size >= SHARED_LAYOUTS) {
      const oldest = SHARED.keys().next();
      if (oldest.done !== true) SHARED.delete(oldest.value);
    }
    SHARED.set(bins.binsPerWeek, ws);
    return ws;
  }

  /** Makes the matrix buffers large enough for these block sizes (contents are not preserved). */
  ensure(pt: number, pw: number, pb: number, nc: number, harmonics: number, bd: number): void {
    const pa = pt + pw;
    if (this.gramA.length < pa * pa) this.gramA = new Float64Array(pa * pa);
    if (this.rhsA.length < pa) {
      this.rhsA = new Float64Array(pa);
      this.coefA = new Float64Array(pa);
    }
    if (this.gramB.length < pb * pb) this.gramB = new Float64Array(pb * pb);
    if (this.rhsB.length < pb) {
      this.rhsB = new Float64Array(pb);
      this.coefB = new Float64Array(pb);
    }
    if (this.trendScratch.s0.length < nc + 1) this.trendScratch = new TrendScratch(nc);
    if (this.accW.length < pw) {
      this.accW = new Float64Array(pw);
      this.accT = new Float64Array(pw);
      this.constW = new Float64Array(pw);
    }
    if (this.sufW.length < (nc + 1) * pw) {
      this.sufW = new Float64Array((nc + 1) * pw);
      this.sufT = new Float64Array((nc + 1) * pw);
    }
    if (this.specC.length < harmonics) {
      this.specC = new Float64Array(harmonics);
      this.specS = new Float64Array(harmonics);
    }
    if (this.weeklyByTodSum.length < bd * pw) {
      this.weeklyByTodSum = new Float64Array(bd * pw);
      this.weeklyByTodWeekend = new Float64Array(bd * pw);
    }
  }
}

const SHARED = new Map<number, FitWorkspace>();
const SHARED_LAYOUTS = 4;

/** A previous fit of (most of) the same points to start from. */
export interface WarmStart {
  /** Residuals of the previous fit at each of the n points (extrapolated where it did not see them). */
  readonly residual: Float64Array;
  /** The previous daily and weekend-daily coefficients (used when their sizes match this fit's). */
  readonly daily: Float64Array;
  readonly weekend: Float64Array;
  /** How many leading points the previous fit was trained on. */
  readonly seen: number;
}

/**
 * Fits the first `n` points with trend hinges at `changepointsDays` (days since origin), the slope changes
 * ridge-penalised by penalty·W/100 in units where t is measured in spans of `spanDays` (W = total weight),
 * so the trend's stiffness does not depend on the sampling rate.
 */
export function fitRobust(
  pts: FitPoints,
  n: number,
  bins: PhaseBins,
  tables: FeatureTables,
  choice: ComponentChoice,
  changepointsDays: Float64Array,
  penalty: number,
  spanDays: number,
  ws: FitWorkspace,
  warm?: WarmStart,
  loose = false,
): FitResult {
  const tolerance = loose ? CONVERGED_LOOSE : CONVERGED;
  const { tDays, y, tow } = pts;
  const bd = bins.binsPerDay;
  const bw = bins.binsPerWeek;
  const { todOf, weekendOf } = bins;
  const nc = changepointsDays.length;
  const pt = trendParameterCount(nc);
  const pw = choice.weekly ? 2 * tables.weeklyOrder : 0;
  const pd = choice.daily ? 2 * tables.dailyOrder : 0;
  const pe = choice.weekend ? 2 * tables.weekendOrder : 0;
  // The weekend component is its daily shape (Fourier, zero mean per day) plus a level: one coefficient, a
  // step that is 1 on Saturday and Sunday. Weekend traffic switches to a lower level within an hour of
  // midnight, which a smooth weekly wave of low order cannot follow (it rings across Friday and Monday).
  // The level is the last column of block A, with trend and weekly: it is a time-of-week feature, and the
  // weekly wave and the step are highly correlated, so alternating between them (the level in block B)
  // converged slowly (50 sweeps, unconverged, on 5-minute series against 4-5 without the level).
  const pl = choice.weekend ? 1 : 0;
  const pa = pt + pw + pl;
  const lv = pa - 1;
  const pb = pd + pe;
  const wTab = tables.weekly;
  const dTab = tables.daily;
  const eTab = tables.weekend;
  const dStride = 2 * tables.dailyOrder;
  const eStride = 2 * tables.weekendOrder;
  const wStride = 2 * tables.weeklyOrder;

  if (ws.capacity < n || ws.binsPerWeek !== bw) throw new RangeError('fitRobust: workspace too small');
  ws.ensure(pt, pw + pl, pb, nc, Math.max(tables.dayHarmonics, tables.weekHarmonics), bd);
  const { gramA, rhsA, coefA, gramB, rhsB, coefB, trendScratch } = ws;
  const { accW, accT, sufW, sufT, specC, specS, weeklyByTodSum, weeklyByTodWeekend, constW } = ws;
  const { dailyByTod, weekendByTod, weeklyByTow, seasonalByTow, bByTow, wyByTod, wyWeekendByTod } = ws;
  const { weight, trendValue, absResidual, weightByTow, wyByTow } = ws;
  const { weightByTod, weekendWeightByTod, dailyTargetByTod, weekendTargetByTod } = ws;
  const { todOfPoint, weekendOfPoint } = ws;
  for (let i = 0; i < n; i++) {
    const tb = tow[i];
    todOfPoint[i] = todOf[tb];
    weekendOfPoint[i] = weekendOf[tb];
  }
  // Buffers are reused: everything read before it is written starts at zero.
  coefA.fill(0, 0, pa);
  coefB.fill(0, 0, pb);
  dailyByTod.fill(0, 0, bd);
  weekendByTod.fill(0, 0, bd);
  weeklyByTow.fill(0, 0, bw);
  seasonalByTow.fill(0, 0, bw);
  bByTow.fill(0, 0, bw);

  const prior = pts.prior;
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    weight[i] = prior === undefined ? 1 : prior[i];
    weightSum += weight[i];
  }
  const schedule = warm === undefined ? COLD_SCHEDULE : WARM_SCHEDULE;
  const start = warm?.residual ?? medianResiduals(pts, n, bins, pd > 0, ws);
  if (warm !== undefined && pb > 0 && warm.daily.length === pd && warm.weekend.length === pe) {
    // Start block B where the previous fit left it, so the first block-A solve is already consistent.
    coefB.set(warm.daily, 0);
    coefB.set(warm.weekend, pd);
    if (pd > 0) evaluateBins(coefB, 0, dTab, dStride, pd, dailyByTod, bd);
    if (pe > 0) evaluateBins(coefB, pd, eTab, eStride, pe, weekendByTod, bd);
    for (let tb = 0; tb < bw; tb++) {
      const tod = todOf[tb];
      bByTow[tb] = dailyByTod[tod] + (weekendOf[tb] === 1 ? weekendByTod[tod] : 0);
    }
  }
  for (let stage = 0; stage < schedule.length; stage++) {
    const kind = schedule[stage];
    if (kind !== 'ls') {
      const fromStart = stage === 0;
      for (let i = 0; i < n; i++) {
        const r = fromStart ? start[i] : y[i] - trendValue[i] - seasonalByTow[tow[i]];
        absResidual[i] = Math.abs(prior === undefined ? r : r * Math.sqrt(prior[i]));
      }
      const sigma = Math.max(MAD_TO_SIGMA * medianInPlace(absResidual, n), SIGMA_FLOOR);
      const huberCut = HUBER_K * sigma;
      const tukeyCut = TUKEY_C * sigma;
      const tukeyBelow = kind === 'tukey' ? n : kind === 'warm' && warm !== undefined ? warm.seen : 0;
      weightSum = 0;
      for (let i = 0; i < n; i++) {
        const raw = fromStart ? start[i] : y[i] - trendValue[i] - seasonalByTow[tow[i]];
        const r = Math.abs(prior === undefined ? raw : raw * Math.sqrt(prior[i]));
        let wi: number;
        if (i >= tukeyBelow) wi = r <= huberCut ? 1 : huberCut / r;
        else {
          const u = r / tukeyCut;
          wi = u < 1 ? (1 - u * u) * (1 - u * u) : 0;
        }
        if (prior !== undefined) wi *= prior[i];
        weight[i] = wi;
        weightSum += wi;
      }
    }

    // ---- Normal equations of this weight set.
    weightByTow.fill(0, 0, bw);
    wyByTow.fill(0, 0, bw);
    for (let i = 0; i < n; i++) {
      weightByTow[tow[i]] += weight[i];
      wyByTow[tow[i]] += weight[i] * y[i];
    }
    // Block A: trend (suffix sums) + weekly (bins) + their cross terms (suffix sums of w·f, w·t·f).
    gramA.fill(0, 0, pa * pa);
    const deltaRidge = (penalty * weightSum * spanDays * spanDays) / 100;
    trendGram(tDays, weight, n, changepointsDays, deltaRidge, trendScratch, gramA, pa);
    if (pw > 0) {
      weeklySuffixSums(tDays, weight, tow, n, changepointsDays, wTab, wStride, pw, ws);
      for (let c = 0; c < pw; c++) {
        const r = (pt + c) * pa;
        gramA[r] = accW[c];
        gramA[r + 1] = accT[c];
        for (let j = 0; j < nc; j++) {
          gramA[r + 2 + j] = sufT[j * pw + c] - changepointsDays[j] * sufW[j * pw + c];
        }
      }
      weightSpectrum(weightByTow, bw, tables.weekCos, tables.weekSin, tables.weekHarmonics, specC, specS);
      fourierGramFromSpectrum(specC, specS, pw / 2, pw / 2, gramA, pa, pt, pt);
      // Ridge: keeps aliased or unobserved harmonics at zero instead of letting them explode.
      for (let c = 0; c < pw; c++) gramA[(pt + c) * pa + pt + c] += 1e-9 * weightSum + 1e-300;
    }
    if (pl > 0) {
      // The weekend level's row (last): against the trend, Σ w·x over weekend points (x = 1, t, and the
      // hinge (t − c)⁺ from suffix sums past each changepoint); against the weekly terms, per-bin sums.
      const { s0, s1 } = trendScratch;
      let a0 = 0;
      let a1 = 0;
      let k = nc - 1;
      for (let i = n - 1; i >= 0; i--) {
        const ti = tDays[i];
        while (k >= 0 && ti <= changepointsDays[k]) {
          s0[k] = a0;
          s1[k] = a1;
          k--;
        }
        if (weekendOfPoint[i] === 0) continue;
        a0 += weight[i];
        a1 += weight[i] * ti;
      }
      for (; k >= 0; k--) {
        s0[k] = a0;
        s1[k] = a1;
      }
      const r = lv * pa;
      gramA[r] = a0;
      gramA[r + 1] = a1;
      for (let j = 0; j < nc; j++) gramA[r + 2 + j] = s1[j] - changepointsDays[j] * s0[j];
      for (let c = 0; c < pw; c++) gramA[r + pt + c] = 0;
      for (let tb = 0; tb < bw; tb++) {
        if (weekendOf[tb] === 0) continue;
        const wt = weightByTow[tb];
        const row = tb * wStride;
        for (let c = 0; c < pw; c++) gramA[r + pt + c] += wt * wTab[row + c];
      }
      // Σ weekend weight is a0; the ridge keeps a fit with no weekend point solvable (level 0).
      gramA[r + lv] = a0 + 1e-9 * weightSum + 1e-300;
    }
    choleskyInPlace(gramA, pa);
    // Block B: daily + weekend-daily, all on time-of-day bins.
    if (pb > 0) {
      weightByTod.fill(0, 0, bd);
      weekendWeightByTod.fill(0, 0, bd);
      for (let tb = 0; tb < bw; tb++) {
        weightByTod[todOf[tb]] += weightByTow[tb];
        if (weekendOf[tb] === 1) weekendWeightByTod[todOf[tb]] += weightByTow[tb];
      }
      gramB.fill(0, 0, pb * pb);
      const { dayCos, daySin, dayHarmonics } = tables;
      if (pd > 0) {
        weightSpectrum(weightByTod, bd, dayCos, daySin, dayHarmonics, specC, specS);
        fourierGramFromSpectrum(specC, specS, pd / 2, pd / 2, gramB, pb, 0, 0);
      }
      if (pe > 0) {
        // Weekend terms see weekend points only; so do their cross terms with the daily terms.
        weightSpectrum(weekendWeightByTod, bd, dayCos, daySin, dayHarmonics, specC, specS);
        fourierGramFromSpectrum(specC, specS, pe / 2, pe / 2, gramB, pb, pd, pd);
        if (pd > 0) fourierGramFromSpectrum(specC, specS, pe / 2, pd / 2, gramB, pb, pd, 0);
      }
      let total = 0;
      for (let b = 0; b < bd; b++) total += weightByTod[b];
      const ridge = 1e-9 * total + 1e-300;
      for (let i = 0; i < pb; i++) gramB[i * pb + i] += ridge;
      choleskyInPlace(gramB, pb);
    }

    // Per-stage sums that let a sweep skip every time-of-week loop: Σ w·y per time of day (all days and
    // weekend days), and the weighted weekly features summed per time of day (M, Me) and overall (constW).
    wyByTod.fill(0, 0, bd);
    wyWeekendByTod.fill(0, 0, bd);
    for (let tb = 0; tb < bw; tb++) {
      wyByTod[todOf[tb]] += wyByTow[tb];
      if (weekendOf[tb] === 1) wyWeekendByTod[todOf[tb]] += wyByTow[tb];
    }
    let wyWeekendTotal = 0;
    for (let b = 0; b < bd; b++) wyWeekendTotal += wyWeekendByTod[b];
    if (pw > 0) {
      weeklyByTodSum.fill(0, 0, bd * pw);
      weeklyByTodWeekend.fill(0, 0, bd * pw);
      constW.fill(0, 0, pw);
      for (let tb = 0; tb < bw; tb++) {
        const wt = weightByTow[tb];
        const wy = wyByTow[tb];
        const row = tb * wStride;
        const at = todOf[tb] * pw;
        const weekend = weekendOf[tb] === 1;
        for (let c = 0; c < pw; c++) {
          const f = wTab[row + c];
          constW[c] += wy * f;
          weeklyByTodSum[at + c] += wt * f;
          if (weekend) weeklyByTodWeekend[at + c] += wt * f;
        }
      }
    }

    // ---- Block Gauss–Seidel sweeps.
    const last = stage === schedule.length - 1;
    const maxSweeps = last ? FINAL_MAX_SWEEPS : SWEEPS_PER_STAGE;
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      let change = 0;
      // Block A against the current daily/weekend values.
      trendRhsAgainst(pts, weight, n, dailyByTod, weekendByTod, ws, changepointsDays, rhsA);
      if (pw > 0) {
        // Σ_tb (wy − W·(D + E))·f = constW − Σ_tod D·M − Σ_tod E·Me.
        for (let c = 0; c < pw; c++) rhsA[pt + c] = constW[c];
        for (let b = 0; b < bd; b++) {
          const dv = dailyByTod[b];
          const ev = weekendByTod[b];
          if (dv === 0 && ev === 0) continue;
          const at = b * pw;
          for (let c = 0; c < pw; c++) {
            rhsA[pt + c] -= dv * weeklyByTodSum[at + c] + ev * weeklyByTodWeekend[at + c];
          }
        }
      }
      if (pl > 0) {
        // Σ over weekend points of w·(y − D − E) = Σ w·y − Σ_tod (D + E)·(weekend weight).
        let r = wyWeekendTotal;
        for (let b = 0; b < bd; b++) r -= (dailyByTod[b] + weekendByTod[b]) * weekendWeightByTod[b];
        rhsA[lv] = r;
      }
      choleskySolveInPlace(gramA, pa, rhsA);
      for (let j = 0; j < pa; j++) {
        // A slope-type change moves the fit by Δ·span at the far end.
        const d = Math.abs(rhsA[j] - coefA[j]) * (j === 0 || j >= pt ? 1 : spanDays);
        if (d > change) change = d;
        coefA[j] = rhsA[j];
      }
      if (pb > 0) {
        // Block B's targets per time of day: Σ w·(y − trend − weekly), all days and weekend days.
        // The trend is evaluated inline (running intercept and slope) to keep this to one pass.
        dailyTargetByTod.set(wyByTod);
        weekendTargetByTod.set(wyWeekendByTod);
        let intercept = coefA[0];
        let slope = coefA[1];
        let k = 0;
        for (let i = 0; i < n; i++) {
          const ti = tDays[i];
          while (k < nc && ti > changepointsDays[k]) {
            slope += coefA[2 + k];
            intercept -= coefA[2 + k] * changepointsDays[k];
            k++;
          }
          const v = weight[i] * (intercept + slope * ti);
          const b = todOfPoint[i];
          dailyTargetByTod[b] -= v;
          if (weekendOfPoint[i] === 1) weekendTargetByTod[b] -= v;
        }
        if (pw > 0) {
          for (let b = 0; b < bd; b++) {
            const at = b * pw;
            let sd = 0;
            let se = 0;
            for (let c = 0; c < pw; c++) {
              sd += coefA[pt + c] * weeklyByTodSum[at + c];
              se += coefA[pt + c] * weeklyByTodWeekend[at + c];
            }
            dailyTargetByTod[b] -= sd;
            weekendTargetByTod[b] -= se;
          }
        }
        if (pl > 0) {
          const level = coefA[lv];
          for (let b = 0; b < bd; b++) {
            const v = level * weekendWeightByTod[b];
            dailyTargetByTod[b] -= v;
            weekendTargetByTod[b] -= v;
          }
        }
        projectBins(dailyTargetByTod, dTab, dStride, pd, bd, rhsB, 0);
        projectBins(weekendTargetByTod, eTab, eStride, pe, bd, rhsB, pd);
        choleskySolveInPlace(gramB, pb, rhsB);
        for (let j = 0; j < pb; j++) {
          const d = Math.abs(rhsB[j] - coefB[j]);
          if (d > change) change = d;
          coefB[j] = rhsB[j];
        }
        if (pd > 0) evaluateBins(coefB, 0, dTab, dStride, pd, dailyByTod, bd);
        if (pe > 0) evaluateBins(coefB, pd, eTab, eStride, pe, weekendByTod, bd);
      }
      // Without block B there is nothing to alternate with: one solve is exact.
      if (change < tolerance || pb === 0) break;
    }
    // Values of this stage's fit, for the next stage's weights (and the result).
    for (let tb = 0; tb < bw; tb++) {
      const tod = todOf[tb];
      bByTow[tb] = dailyByTod[tod] + (weekendOf[tb] === 1 ? weekendByTod[tod] : 0);
    }
    evaluateTrendInto(tDays, n, coefA, changepointsDays, trendValue);
    if (pw > 0) evaluateBins(coefA, pt, wTab, wStride, pw, weeklyByTow, bw);
    const level = pl > 0 ? coefA[lv] : 0;
    for (let tb = 0; tb < bw; tb++) {
      seasonalByTow[tb] = bByTow[tb] + weeklyByTow[tb] + (weekendOf[tb] === 1 ? level : 0);
    }
  }
  const level = pl > 0 ? coefA[lv] : 0;
  const weekendOut = weekendByTod.slice(0, bd);
  for (let b = 0; b < bd; b++) weekendOut[b] += level;
  return {
    trend: coefA.slice(0, pt),
    weekly: coefA.slice(pt, pt + pw),
    daily: coefB.slice(0, pd),
    weekend: coefB.slice(pd, pb),
    weekendLevel: level,
    dailyByTod: dailyByTod.slice(0, bd),
    weeklyByTow: weeklyByTow.slice(0, bw),
    weekendByTod: weekendOut,
    seasonalByTow: seasonalByTow.slice(0, bw),
    weightSum,
  };
}

/**
 * For the trend × weekly block: totals of w·f and w·t·f over all points (accW, accT) and over the points
 * past each changepoint (sufW, sufT, row k for changepoint k), f the weekly features. Two feature columns
 * (a sine and its cosine) per pass over the points, with the sums in registers; each sum adds its terms
 * in the same (descending time) order as a single pass would.
 */
function weeklySuffixSums(
  t: Float64Array,
  w: Float64Array,
  tow: Int32Array,
  n: number,
  cps: Float64Array,
  table: Float64Array,
  stride: number,
  pw: number,
  ws: FitWorkspace,
): void {
  const { accW, accT, sufW, sufT } = ws;
  const nc = cps.length;
  for (let c = 0; c < pw; c += 2) {
    let w0 = 0;
    let w1 = 0;
    let t0 = 0;
    let t1 = 0;
    let k = nc - 1;
    for (let i = n - 1; i >= 0; i--) {
      const ti = t[i];
      while (k >= 0 && ti <= cps[k]) {
        const at = k * pw + c;
        sufW[at] = w0;
        sufW[at + 1] = w1;
        sufT[at] = t0;
        sufT[at + 1] = t1;
        k--;
      }
      const wi = w[i];
      if (wi === 0) continue;
      const row = tow[i] * stride + c;
      const f0 = table[row];
      const f1 = table[row + 1];
      const wt = wi * ti;
      w0 += wi * f0;
      w1 += wi * f1;
      t0 += wt * f0;
      t1 += wt * f1;
    }
    for (; k >= 0; k--) {
      const at = k * pw + c;
      sufW[at] = w0;
      sufW[at + 1] = w1;
      sufT[at] = t0;
      sufT[at + 1] = t1;
    }
    accW[c] = w0;
    accW[c + 1] = w1;
    accT[c] = t0;
    accT[c + 1] = t1;
  }
}

/**
 * C_m = Σ_b w_b·cos(mφ_b), S_m = Σ_b w_b·sin(mφ_b) for m below `harmonics`, summed over b in ascending
 * order, two harmonics per pass with the sums in registers.
 */
function weightSpectrum(
  weightByBin: Float64Array,
  bins: number,
  cos: Float64Array,
  sin: Float64Array,
  harmonics: number,
  specC: Float64Array,
  specS: Float64Array,
): void {
  let m = 0;
  for (; m + 1 < harmonics; m += 2) {
    let c0 = 0;
    let c1 = 0;
    let s0 = 0;
    let s1 = 0;
    for (let b = 0, row = m; b < bins; b++, row += harmonics) {
      const wb = weightByBin[b];
      if (wb === 0) continue;
      c0 += wb * cos[row];
      c1 += wb * cos[row + 1];
      s0 += wb * sin[row];
      s1 += wb * sin[row + 1];
    }
    specC[m] = c0;
    specC[m + 1] = c1;
    specS[m] = s0;
    specS[m + 1] = s1;
  }
  for (; m < harmonics; m++) {
    let c0 = 0;
    let s0 = 0;
    for (let b = 0, row = m; b < bins; b++, row += harmonics) {
      const wb = weightByBin[b];
      if (wb === 0) continue;
      c0 += wb * cos[row];
      s0 += wb * sin[row];
    }
    specC[m] = c0;
    specS[m] = s0;
  }
}

/**
 * Writes Σ w·f fᵀ for Fourier features [sin kθ, cos kθ]_k from the weight spectrum (product-to-sum
 * identities), so a Gram costs O(bins·harmonics) instead of O(bins·p²). Rows are the `rowOrder`
 * harmonics starting at matrix row `rowAt`, columns the `colOrder` harmonics at column `colAt`; only
 * lower-triangle entries (row ≥ column) of the p×p matrix are written.
 */
function fourierGramFromSpectrum(
  specC: Float64Array,
  specS: Float64Array,
  rowOrder: number,
  colOrder: number,
  gram: Float64Array,
  p: number,
  rowAt: number,
  colAt: number,
): void {
  for (let k = 1; k <= rowOrder; k++) {
    for (let l = 1; l <= colOrder; l++) {
      const d = Math.abs(k - l);
      const sgn = k > l ? 1 : k < l ? -1 : 0;
      const cMinus = specC[d];
      const cPlus = specC[k + l];
      const sMinus = sgn * specS[d];
      const sPlus = specS[k + l];
      const rs = rowAt + 2 * (k - 1);
      const cs = colAt + 2 * (l - 1);
      // sin k·sin l, sin k·cos l, cos k·sin l, cos k·cos l.
      setLower(gram, p, rs, cs, 0.5 * (cMinus - cPlus));
      setLower(gram, p, rs, cs + 1, 0.5 * (sPlus + sMinus));
      setLower(gram, p, rs + 1, cs, 0.5 * (sPlus - sMinus));
      setLower(gram, p, rs + 1, cs + 1, 0.5 * (cMinus + cPlus));
    }
  }
}

function setLower(gram: Float64Array, p: number, r: number, c: number, v: number): void {
  if (r >= c) gram[r * p + c] = v;
}

/**
 * value[b] = Σ_c coef[from + c]·table[b, c]. Four bins at a time: each bin's sum is a chain of dependent
 * additions, and interleaving independent chains keeps the FPU busy (each sum is still added in the same
 * order, so the result is bit for bit that of one bin at a time).
 */
function evaluateBins(
  coef: Float64Array,
  from: number,
  table: Float64Array,
  stride: number,
  cols: number,
  out: Float64Array,
  bins: number,
): void {
  let b = 0;
  for (; b + 3 < bins; b += 4) {
    const r0 = b * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    for (let c = 0; c < cols; c++) {
      const k = coef[from + c];
      v0 += table[r0 + c] * k;
      v1 += table[r1 + c] * k;
      v2 += table[r2 + c] * k;
      v3 += table[r3 + c] * k;
    }
    out[b] = v0;
    out[b + 1] = v1;
    out[b + 2] = v2;
    out[b + 3] = v3;
  }
  for (; b < bins; b++) {
    const row = b * stride;
    let v = 0;
    for (let c = 0; c < cols; c++) v += table[row + c] * coef[from + c];
    out[b] = v;
  }
}

/**
 * out[at + c] = Σ_b value[b]·table[b, c] for c < cols (the transpose of {@link evaluateBins}), summed over b
 * in ascending order with four columns' sums kept in registers.
 */
function projectBins(
  value: Float64Array,
  table: Float64Array,
  stride: number,
  cols: number,
  bins: number,
  out: Float64Array,
  at: number,
): void {
  let c = 0;
  for (; c + 3 < cols; c += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let b = 0, row = c; b < bins; b++, row += stride) {
      const v = value[b];
      s0 += v * table[row];
      s1 += v * table[row + 1];
      s2 += v * table[row + 2];
      s3 += v * table[row + 3];
    }
    out[at + c] = s0;
    out[at + c + 1] = s1;
    out[at + c + 2] = s2;
    out[at + c + 3] = s3;
  }
  for (; c < cols; c++) {
    let s = 0;
    for (let b = 0, row = c; b < bins; b++, row += stride) s += value[b] * table[row];
    out[at + c] = s;
  }
}

/**
 * The trend block's right-hand side, Σ w·(y − seasonal)·x over the first n points (the seasonal part being
 * the daily value plus, on weekend days, the weekend value of the point's time of day), into rhs[0 … 2 + C).
 * Suffix sums past each changepoint (as in `trendGram`), reading the per-point time of day from `ws`.
 */
function trendRhsAgainst(
  pts: FitPoints,
  w: Float64Array,
  n: number,
  daily: Float64Array,
  weekend: Float64Array,
  ws: FitWorkspace,
  cps: Float64Array,
  rhs: Float64Array,
): void {
  const { tDays: t, y } = pts;
  const { todOfPoint, weekendOfPoint } = ws;
  const { s0, s1 } = ws.trendScratch;
  const nc = cps.length;
  let a0 = 0;
  let a1 = 0;
  let k = nc - 1;
  for (let i = n - 1; i >= 0; i--) {
    const ti = t[i];
    while (k >= 0 && ti <= cps[k]) {
      s0[k] = a0;
      s1[k] = a1;
      k--;
    }
    const b = todOfPoint[i];
    const seasonal = daily[b] + (weekendOfPoint[i] === 1 ? weekend[b] : 0);
    const v = w[i] * (y[i] - seasonal);
    a0 += v;
    a1 += v * ti;
  }
  for (; k >= 0; k--) {
    s0[k] = a0;
    s1[k] = a1;
  }
  rhs[0] = a0;
  rhs[1] = a1;
  for (let j = 0; j < nc; j++) rhs[2 + j] = s1[j] - cps[j] * s0[j];
}

/**
 * Residuals of the first n points about the median of their time-of-day bin (or about the overall median
 * when `byTimeOfDay` is false): a robust start that needs no fit. Written to `ws.startResidual`, with
 * `ws.absResidual` as sorting space.
 */
function medianResiduals(
  pts: FitPoints,
  n: number,
  bins: PhaseBins,
  byTimeOfDay: boolean,
  ws: FitWorkspace,
): Float64Array {
  const out = ws.startResidual;
  const scratch = ws.absResidual;
  const { y, tow } = pts;
  const groups = byTimeOfDay ? bins.binsPerDay : 1;
  const count = ws.groupCount;
  count.fill(0, 0, groups + 1);
  for (let i = 0; i < n; i++) count[(byTimeOfDay ? bins.todOf[tow[i]] : 0) + 1]++;
  for (let g = 0; g < groups; g++) count[g + 1] += count[g];
  const fill = ws.groupFill;
  for (let g = 0; g <= groups; g++) fill[g] = count[g];
  for (let i = 0; i < n; i++) scratch[fill[byTimeOfDay ? bins.todOf[tow[i]] : 0]++] = y[i];
  const median = ws.groupMedian;
  for (let g = 0; g < groups; g++) {
    const size = count[g + 1] - count[g];
    median[g] = size > 0 ? medianOfRange(scratch, count[g], size) : 0;
  }
  for (let i = 0; i < n; i++) out[i] = y[i] - median[byTimeOfDay ? bins.todOf[tow[i]] : 0];
  return out;
}

/** Trend values at ascending times, in O(n + C) with a running (intercept, slope) pair. */
export function evaluateTrendInto(
  t: Float64Array,
  n: number,
  coef: Float64Array,
  cps: Float64Array,
  out: Float64Array,
): void {
  let intercept = coef[0];
  let slope = coef[1];
  let k = 0;
  const nc = cps.length;
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    while (k < nc && ti > cps[k]) {
      slope += coef[2 + k];
      intercept -= coef[2 + k] * cps[k];
      k++;
    }
    out[i] = intercept + slope * ti;
  }
}
