import { featureTablesFor, choosePhaseBins, towBinsInto, type PhaseBins } from './bins';
import {
  type ResidualDistribution,
  calibrateResiduals,
  profileAtPhase,
  profileOfDay,
  scaleProfile,
  TailModel,
} from './calibration';
import { MS_PER_DAY } from './fourier';
import {
  learnDailyProfile,
  MIN_PROFILE_DAYS,
  profileHelps,
  profileRepeats,
  subtractProfile,
} from './dailyProfile';
import { balanceBand, pooledCalibrationSet, removeHoldoutBias } from './holdoutBias';
import { fitLevelModel } from './levelModel';
import { resolveSeasonalOptions } from './options';
import {
  type ComponentChoice,
  type FitPoints,
  type FitResult,
  FitWorkspace,
  type WarmStart,
  evaluateTrendInto,
  fitRobust,
} from './robustFit';
import { scratchCopy, scratchFloat64, scratchInt32, scratchMark, scratchRelease } from './scratch';
import { type ComponentName, SeasonalModel } from './seasonalModel';
import {
  centralInterval,
  MAD_TO_SIGMA,
  medianInPlace,
  robustSample,
  robustSampleSize,
  selectInPlace,
} from './stats';
import { burstLevel } from './burstLevel';
import { driftLevel, normalEquivalents } from './driftLevel';
import { shiftLevel } from './shiftLevel';
import { runLevel } from './runLevel';
import { cycleRamps, resetCycleStarts } from './resetCycles';
import { resetGrowth, resetRates, ROUTINE_RESETS_PER_DAY } from './resets';
import { oneStepSpikeLevels, spikeLevels, TRUSTED_CLIP } from './spikeLevel';
import { placeChangepoints, trendAt } from './trend';
import type { Forecaster, SeasonalOptions, TrainingInput } from './types';
import { chooseTransform, toModelScale } from './valueTransform';

/** Below this many usable points, or less than a day of data, the level model is used. */
export const MIN_SEASONAL_POINTS = 20;
/** Days of usable data needed before a daily / weekly (and weekend) component is even tried. */
export const MIN_DAILY_DAYS = 2;
export const MIN_WEEKLY_DAYS = 14;
/** The weekend daily shape uses at most this Fourier order: it is a correction to the daily shape. */
export const MAX_WEEKEND_ORDER = 5;
/**
 * A component stays only if removing it raises the out-of-sample robust loss by more than this factor:
 * a component fitted to noise makes held-out predictions slightly worse, so it never clears the bar.
 */
const KEEP_OUT_OF_SAMPLE = 1 / 0.98;
/** The same test in sample (used for the weekend shape when the held-out tail has no weekend). */
const KEEP_IN_SAMPLE = 1 / 0.95;
const HUBER_LOSS_K = 2;

/**
 * The default forecaster (kind 'seasonal'): an additive, robustly fitted model of
 * piecewise-linear trend + daily + weekly + weekend-daily Fourier seasonality, with prediction intervals
 * calibrated on out-of-sample residuals. Pure and deterministic (same input → same model file bytes).
 *
 * - Components come from the data: daily needs ≥ 2 days of usable history, weekly and the weekend shape
 *   ≥ 14 days, and each is kept only if it improves the forecast of the held-out tail.
 * - Fewer than 20 usable points or less than a day of data give a robust level model (components
 *   ['level']); a history with no usable point gives a model that predicts NaN. `fit` never throws.
 * - NaN values and points with `exclude[i] === 1` are ignored; outliers and outages are down-weighted to
 *   zero (Huber, then Tukey IRLS). Data finer than 5 minutes is fitted on 10-minute means.
 *
 * @param options overrides of {@link DEFAULT_SEASONAL_OPTIONS}; validated here.
 * @throws UserError for an out-of-range option, naming it.
 */
/**
 * The residual scale never drops below this fraction of the series' own spread (the robust spread of its
 * values). Noisy series never reach it; a noise-free or very smooth series would otherwise get a band of
 * width ~0, and every rounding-level wobble would score as an anomaly (NAB's noise-free files raised a
 * hundred alerts each). It is a resolution: deviations below ~2% of the series' range are not anomalies.
 */
export const RESOLUTION_FLOOR = 0.01;

/**
 * Days of history a fit may use for component eligibility. The span from first to last usable point, so
 * that a 14-day window with a few hours left out (anomaly episodes, scrape gaps) still counts as two weeks
 * — otherwise every refit of the daemon's rolling window would silently lose weekly seasonality. When more
 * than a quarter of the span is missing, the usable points alone count, so sparse data cannot claim it.
 */
export function historyDays(ts: Float64Array, n: number, stepMs: number): number {
  if (n === 0) return 0;
  const usableDays = (n * stepMs) / MS_PER_DAY;
  const spanDays = (ts[n - 1] - ts[0] + stepMs) / MS_PER_DAY;
  return usableDays >= 0.75 * spanDays ? spanDays : usableDays;
}

export function createForecaster(options: Partial<SeasonalOptions> = {}): Forecaster {
  const resolved = resolveSeasonalOptions(options);
  return { kind: 'seasonal', fit: (input) => fitSeasonal(input, resolved) };
}

/** Usable points of the input, ascending in time. */
interface Usable {
  readonly ts: Float64Array;
  readonly values: Float64Array;
  readonly n: number;
}

function collectUsable(input: TrainingInput): Usable {
  const { timestampsMs, values, exclude } = input;
  const len = Math.min(timestampsMs.length, values.length);
  // Common case: every point usable and in order; the fit only reads, so no copy is needed.
  let clean = exclude === undefined;
  for (let i = 0; i < len && clean; i++) {
    clean =
      Number.isFinite(values[i]) &&
      Number.isFinite(timestampsMs[i]) &&
      (i === 0 || timestampsMs[i] > timestampsMs[i - 1]);
  }
  if (clean) return { ts: timestampsMs.subarray(0, len), values: values.subarray(0, len), n: len };
  const ts = new Float64Array(len);
  const vs = new Float64Array(len);
  let n = 0;
  let sorted = true;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    const t = timestampsMs[i];
    if (!Number.isFinite(v) || !Number.isFinite(t) || (exclude !== undefined && exclude[i] === 1)) continue;
    if (n > 0 && t < ts[n - 1]) sorted = false;
    ts[n] = t;
    vs[n] = v;
    n++;
  }
  if (!sorted) {
    // The contract says ascending; a misordered input is repaired rather than refused.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
    const ts2 = Float64Array.from(order, (i) => ts[i]);
    const vs2 = Float64Array.from(order, (i) => vs[i]);
    return { ts: ts2, values: vs2, n };
  }
  return { ts, values: vs, n };
}

/** The declared step when sane, else the median positive spacing, else one minute. */
function resolveStep(declared: number, ts: Float64Array, n: number): number {
  if (Number.isFinite(declared) && declared > 0) return declared;
  const diffs = new Float64Array(Math.max(0, n - 1));
  let m = 0;
  for (let i = 1; i < n; i++) if (ts[i] > ts[i - 1]) diffs[m++] = ts[i] - ts[i - 1];
  return m > 0 ? medianInPlace(diffs, m) : 60_000;
}

/** Robust loss of residuals r (+ optional per-point adjustment), Huber with scale sigma. */
function huberLoss(r: Float64Array, adjust: Float64Array | undefined, sigma: number): number {
  const c = HUBER_LOSS_K * sigma;
  let loss = 0;
  for (let i = 0; i < r.length; i++) {
    const a = Math.abs(r[i] + (adjust === undefined ? 0 : adjust[i]));
    loss += a <= c ? 0.5 * a * a : c * (a - 0.5 * c);
  }
  return loss;
}

function robustScale(r: Float64Array): number {
  const buf = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) buf[i] = Math.abs(r[i]);
  return MAD_TO_SIGMA * medianInPlace(buf, buf.length);
}

function fitSeasonal(input: TrainingInput, options: SeasonalOptions): SeasonalModel {
  // The fit's statistics take their n-sized buffers from the scratch arena (model/scratch.ts); all of them
  // are free again once the model is built, even when the fit throws. The model keeps none of them.
  const mark = scratchMark();
  try {
    return fitSeasonalWithScratch(input, options);
  } finally {
    scratchRelease(mark);
  }
}

function fitSeasonalWithScratch(input: TrainingInput, options: SeasonalOptions): SeasonalModel {
  const usable = collectUsable(input);
  const { ts, n } = usable;
  const stepMs = resolveStep(input.stepMs, ts, n);
  const allTs = input.timestampsMs;
  const trainStartMs = n > 0 ? ts[0] : allTs.length > 0 ? allTs[0] : 0;
  const trainEndMs = n > 0 ? ts[n - 1] : allTs.length > 0 ? allTs[allTs.length - 1] : 0;
  const coveredDays = historyDays(ts, n, stepMs);
  if (n < MIN_SEASONAL_POINTS || coveredDays < 1 || !(ts[n - 1] > ts[0])) {
    return fitLevelModel(ts, usable.values, n, stepMs, trainStartMs, trainEndMs, options);
  }
  // The scale the model works on (model/valueTransform.ts): everything below, the calibration and the
  // detector's statistics included, sees the transformed values.
  const valueTransform = chooseTransform(options.transform, ts, usable.values, n, stepMs);
  let values = usable.values;
  if (valueTransform !== undefined) {
    values = scratchFloat64(n);
    for (let i = 0; i < n; i++) values[i] = toModelScale(valueTransform, usable.values[i]);
  }

  // Centre and scale so the fit works in units of the series' spread (huge or tiny values fit alike).
  const centreSample = robustSample(values, n, undefined, scratchFloat64(robustSampleSize(n)));
  const centre = medianInPlace(centreSample, centreSample.length);
  const buf = robustSample(values, n, centre, scratchFloat64(robustSampleSize(n)));
  let spread = MAD_TO_SIGMA * medianInPlace(buf, buf.length);
  if (!(spread > 0) || !Number.isFinite(spread)) {
    // More than half the values coincide: the mean deviation still sees the rest.
    let meanAbs = 0;
    for (let i = 0; i < n; i++) meanAbs += Math.abs(values[i] - centre) / n;
    spread = meanAbs > 0 && Number.isFinite(meanAbs) ? meanAbs : 1;
  }

  // Full-resolution points, normalised.
  // Scratch: the fit and the residuals read them, the model keeps none of them.
  const full: FitPoints = { tDays: scratchFloat64(n), y: scratchFloat64(n), tow: scratchInt32(n) };
  for (let i = 0; i < n; i++) {
    full.tDays[i] = (ts[i] - ts[0]) / MS_PER_DAY;
    full.y[i] = (values[i] - centre) / spread;
  }
  // Sub-5-minute data is fitted on 10-minute means: every component is far smoother than that (the
  // shortest daily harmonic at the default order lasts 2.4 h and loses < 1% to the averaging), and the fit
  // then costs less for 1-minute data than for 5-minute data. Residuals for calibration stay full-resolution.
  const agg = stepMs < AGGREGATE_BELOW_MS ? aggregate(ts, full, n) : undefined;
  const fitTs = agg === undefined ? ts : agg.centreMs;
  const nFit = agg === undefined ? n : agg.n;
  const fitStepMs = agg === undefined ? stepMs : AGGREGATE_MS;
  const bins = choosePhaseBins(fitTs, nFit, fitStepMs);
  const pts: FitPoints = agg === undefined ? full : agg.points;
  towBinsInto(bins, fitTs, nFit, pts.tow);
  if (agg !== undefined) for (let i = 0; i < n; i++) full.tow[i] = pts.tow[agg.bucketOf[i]];
  // The scale profile per time-of-week bin (a day-type-aware profile differs between weekday and weekend
  // bins), at the bin's phase (a point's time of day as its bin's phase: exact on a grid, within half a bin
  // otherwise), computed once per bin rather than once per point.
  const scaleByTow = (profile: Float64Array): Float64Array => {
    const out = new Float64Array(bins.binsPerWeek);
    for (let tb = 0; tb < bins.binsPerWeek; tb++) {
      const ofDay = profileOfDay(profile, bins.weekendOf[tb] === 1);
      out[tb] = profileAtPhase(ofDay, bins.dayPhaseOf[bins.todOf[tb]]);
    }
    return out;
  };
  if (nFit < MIN_SEASONAL_POINTS)
    return fitLevelModel(ts, usable.values, n, stepMs, trainStartMs, trainEndMs, options);
  const spanDays = pts.tDays[nFit - 1];

  // Harmonics need distinct phases: an order-K Fourier block needs > 2K occupied bins.
  const towSeen = new Uint8Array(bins.binsPerWeek);
  const todSeen = new Uint8Array(bins.binsPerDay);
  let towCount = 0;
  let todCount = 0;
  for (let i = 0; i < nFit; i++) {
    const tb = pts.tow[i];
    if (towSeen[tb] === 0) {
      towSeen[tb] = 1;
      towCount++;
      const tod = bins.todOf[tb];
      if (todSeen[tod] === 0) {
        todSeen[tod] = 1;
        todCount++;
      }
    }
  }
  const dailyOrder = Math.min(options.dailyOrder, Math.floor((todCount - 1) / 2));
  const weeklyOrder = Math.min(options.weeklyOrder, Math.floor((towCount - 1) / 2));
  const weekendOrder = Math.min(dailyOrder, MAX_WEEKEND_ORDER);
  const eligible: ComponentChoice = {
    daily: dailyOrder > 0 && coveredDays >= MIN_DAILY_DAYS,
    weekly: weeklyOrder > 0 && coveredDays >= MIN_WEEKLY_DAYS,
    weekend: options.weekendDailyShape && weekendOrder > 0 && coveredDays >= MIN_WEEKLY_DAYS,
  };
  const tables = featureTablesFor(bins, dailyOrder, weeklyOrder, weekendOrder);
  const ws = FitWorkspace.shared(nFit, bins);
  const penalty = options.changepointPenalty;
  const fitPrefix = (
    m: number,
    choice: ComponentChoice,
    warm?: WarmStart,
    // A fit that only measures residuals (the hold-out's, the reset cycles' first) need not be solved to
    // the last digit.
    loose = m < nFit,
  ): { fit: FitResult; cps: Float64Array } => {
    const span = pts.tDays[m - 1];
    const cps = placeChangepoints(options.changepoints, span);
    return { fit: fitRobust(pts, m, bins, tables, choice, cps, penalty, span, ws, warm, loose), cps };
  };

  // A series that resets routinely (a heap between GCs): the seasonal fits below see its values without each
  // cycle's ramp, so its daily shape is not the ramps' (model/resetCycles.ts). One extra fit, on such series
  // only. The residuals the band and the detector's statistics are read from keep the ramps.
  const cycles = resetCycleStarts(pts.y, fitTs, nFit, fitStepMs, coveredDays);
  let ramp: Float64Array | undefined;
  if (cycles !== undefined) {
    const first = fitPrefix(nFit, eligible, undefined, true);
    const r = signedResiduals(pts, nFit, first.fit, first.cps, scratchFloat64(nFit));
    ramp = cycleRamps(pts, nFit, cycles, r, r);
    if (ramp !== undefined) for (let i = 0; i < nFit; i++) pts.y[i] -= ramp[i];
  }
  /** The ramps at full resolution, when the fit points are the full-resolution points (no aggregation). */
  const fullRamp = agg === undefined ? ramp : undefined;

  // Calibration split: the last calibrationFraction of the time span is held out.
  const splitDays = (1 - options.calibrationFraction) * spanDays;
  let m = 0;
  while (m < nFit && pts.tDays[m] <= splitDays) m++;
  let mFull = m;
  if (agg !== undefined) {
    mFull = 0;
    while (mFull < n && agg.bucketOf[mFull] < m) mFull++;
  }
  const canHoldOut = m >= MIN_SEASONAL_POINTS && nFit - m >= 1 && mFull < n && pts.tDays[m - 1] > 0;

  // The daily profile needs an exact grid (its bins are the phase bins) and enough days for its medians.
  const profileEligible =
    options.dailyProfile && canHoldOut && bins.exact && coveredDays >= MIN_PROFILE_DAYS + 1;
  const pointsPerBin = agg === undefined ? 1 : Math.max(1, Math.round(AGGREGATE_MS / stepMs));
  let profileSplit = false;
  let useProfile = false;
  let choice = eligible;
  let outOfSampleZ: Float64Array | undefined;
  let warm: WarmStart | undefined;
  if (canHoldOut) {
    const train = fitPrefix(m, eligible);
    const { fit } = train;
    const r = holdoutResiduals(pts, m, nFit, fit, train.cps);
    choice = selectComponents(pts, bins, m, nFit, eligible, fit, train.cps, r);
    // Dropped components are taken out of the training fit's forecast rather than refitting: they were
    // judged to explain nothing, so the rest of the fit barely depends on them.
    const droppedByTow = new Float64Array(bins.binsPerWeek);
    for (let tb = 0; tb < bins.binsPerWeek; tb++) {
      const tod = bins.todOf[tb];
      const weekend = bins.weekendOf[tb] === 1;
      if (eligible.daily && !choice.daily) droppedByTow[tb] += fit.dailyByTod[tod];
      if (eligible.weekly && !choice.weekly) droppedByTow[tb] += fit.weeklyByTow[tb];
      if (eligible.weekend && !choice.weekend && weekend) droppedByTow[tb] += fit.weekendByTod[tod];
    }
    const residual = signedResiduals(pts, nFit, fit, train.cps, scratchFloat64(nFit));
    for (let i = 0; i < nFit; i++) residual[i] += droppedByTow[pts.tow[i]];
    const keep = (on: boolean, coef: Float64Array): Float64Array => (on ? coef : new Float64Array(0));
    warm = {
      residual,
      daily: keep(choice.daily, fit.daily),
      weekend: keep(choice.weekend, fit.weekend),
      seen: m,
    };
    // Calibration at full resolution: in-sample residuals set the hour profile, held-out ones the quantiles.
    let fullResidual =
      agg === undefined ? residual : signedResiduals(full, n, fit, train.cps, scratchFloat64(n));
    if (agg !== undefined) for (let i = 0; i < n; i++) fullResidual[i] += droppedByTow[full.tow[i]];
    if (fullRamp !== undefined) {
      // `residual` is the final fit's warm start, on the values it fits (without the ramps): a copy.
      fullResidual = scratchCopy(fullResidual);
      for (let i = 0; i < n; i++) fullResidual[i] += fullRamp[i];
    }
    // The daily profile is learnt on the training part and kept only if it repeats and predicts the held-out
    // tail better (model/dailyProfile.ts); the held-out residuals the quantiles come from then include it.
    // The cheap test first: most series' profiles do not repeat, and their trial profile is never learnt.
    profileSplit = choice.weekend;
    if (
      profileEligible &&
      profileRepeats(fullResidual, full.tow, ts, 0, mFull, bins, profileSplit, pointsPerBin)
    ) {
      const trial = learnDailyProfile(fullResidual, full.tow, 0, mFull, bins, profileSplit, pointsPerBin);
      useProfile = profileHelps(fullResidual, full.tow, mFull, n, bins, profileSplit, trial);
      if (useProfile) {
        // A copy: without aggregation `residual` is also the final fit's warm start.
        if (fullResidual === residual) fullResidual = scratchCopy(residual);
        subtractProfile(fullResidual, full.tow, n, bins, profileSplit, trial);
      }
    }
    const byHour = coveredDays >= MIN_DAILY_DAYS;
    const profile = scaleProfile(
      full.tow,
      bins.hourOf,
      fullResidual,
      mFull,
      byHour,
      RESOLUTION_FLOOR * spread,
      spread,
      bins.weekendOf,
    );
    outOfSampleZ = scratchFloat64(n - mFull);
    const scaleAt = scaleByTow(profile);
    for (let i = mFull; i < n; i++)
      outOfSampleZ[i - mFull] = (fullResidual[i] * spread) / scaleAt[full.tow[i]];
    removeHoldoutBias(outOfSampleZ);
  } else {
    choice = { daily: false, weekly: false, weekend: false };
  }

  const final = fitPrefix(nFit, choice, warm);
  // The values themselves again (with their ramps) for the residuals and R² below.
  if (fullRamp !== undefined) for (let i = 0; i < n; i++) full.y[i] += fullRamp[i];
  const signed = signedResiduals(full, n, final.fit, final.cps, scratchFloat64(n));
  let dailyProfile: Float64Array | undefined;
  if (useProfile) {
    dailyProfile = learnDailyProfile(signed, full.tow, 0, n, bins, profileSplit, pointsPerBin);
    subtractProfile(signed, full.tow, n, bins, profileSplit, dailyProfile);
  }
  const scaleFloor = Math.max(RESOLUTION_FLOOR * spread, Number.MIN_VALUE);
  const byHour = coveredDays >= MIN_DAILY_DAYS;
  const profile = scaleProfile(full.tow, bins.hourOf, signed, n, byHour, scaleFloor, spread, bins.weekendOf);
  const finalScaleAt = scaleByTow(profile);
  // In-sample standardised residuals, once: the band pools them (or, without a hold-out, is read from
  // them), and the detector's statistics below replay them.
  const zIn = scratchFloat64(n);
  for (let i = 0; i < n; i++) zIn[i] = (signed[i] * spread) / finalScaleAt[full.tow[i]];
  let residuals: ResidualDistribution;
  let residualLag1: number;
  let residualOneStepRatio: number;
  if (outOfSampleZ !== undefined) {
    residualLag1 = lag1Autocorrelation(outOfSampleZ, ts, n - outOfSampleZ.length, stepMs);
    residuals = balanceBand(
      calibrateResiduals(pooledCalibrationSet(outOfSampleZ, zIn, scratchFloat64(n)), options.intervalWidth),
    );
    // The detector's one-step band is this ratio times the model's band: measured against the band actually
    // issued (pooled quantiles), so widening the model's band to cover what it claims does not also widen
    // the one-step band, whose spread is that of the hold-out's one-step errors.
    residualOneStepRatio = oneStepRatio(
      outOfSampleZ,
      ts,
      n - outOfSampleZ.length,
      stepMs,
      residualLag1,
      options.intervalWidth,
      residuals.qHigh - residuals.qLow,
    );
    // The hold-out's own distribution, for the sustained-shift rule's normal-equivalents (see
    // `FittedModel.shiftTailProbability`): the pooled set's tails carry the whole history's incidents (drifts,
    // missing peaks and shifts of 2.5-4.7 robust sigmas survive the outlier cut), and read under them a live
    // incident of that size is an ordinary tail value (tuning seeds: shift means at 0.5-0.9 of the level on
    // missing peaks and drifts whose means crossed it before the pooling).
    residuals = {
      ...residuals,
      holdoutQuantiles: calibrateResiduals(scratchCopy(outOfSampleZ), options.intervalWidth).quantiles,
    };
  } else {
    // No usable hold-out: in-sample residuals (optimistic, so the normal fallback's floor of N(0,1) helps),
    // a copy, as calibration reorders what it reads.
    residualLag1 = lag1Autocorrelation(zIn, ts, 0, stepMs);
    residualOneStepRatio = oneStepRatio(zIn, ts, 0, stepMs, residualLag1, options.intervalWidth);
    residuals = balanceBand(calibrateResiduals(scratchCopy(zIn), options.intervalWidth));
  }

  const zAt = (i: number): number => zIn[i];
  const resets = resetRates(zAt, ts, n, stepMs, coveredDays);
  const { tailRatio, diffMedian } = oneStepErrorStatistics(zAt, ts, n, stepMs, residualLag1);
  // Only a series that resets often enough to be judged by it (detect/seriesDetector.ts, 0.5 a day) pays
  // for the pass (two sorts and a CUSUM replay of the history).
  const growth =
    Math.max(resets.up, resets.down) >= ROUTINE_RESETS_PER_DAY
      ? resetGrowth(zIn, ts, n, stepMs, options.intervalWidth)
      : undefined;
  const spikes = spikeLevels(zIn, n);
  const singles = oneStepSpikeLevels(zIn, ts, n, stepMs, residualLag1, residualOneStepRatio, TRUSTED_CLIP);
  const tail = new TailModel(residuals.quantiles, true);
  const tailOf = (v: number): number => tail.probability(v);
  // The drift and shift levels replay the residuals at their normal-equivalent size under the distribution
  // the detector reads each rule's live residuals under: the calibrated one for the drift CUSUM, the
  // hold-out's own (`shiftTailProbability`) for the shift rule; one pass when they are the same.
  const zNormal = normalEquivalents(zIn, n, tailOf, scratchFloat64(n));
  const held = residuals.holdoutQuantiles;
  let shiftTailOf = tailOf;
  let zShift = zNormal;
  if (held !== undefined) {
    const shiftTail = new TailModel(held, true);
    shiftTailOf = (v: number): number => shiftTail.probability(v);
    zShift = normalEquivalents(zIn, n, shiftTailOf, scratchFloat64(n));
  }

  const components: ComponentName[] = ['trend'];
  if (choice.daily) components.push('daily');
  if (choice.weekly) components.push('weekly');
  if (choice.weekend) components.push('weekend_daily');
  if (useProfile) components.push('daily_profile');
  const scaled = (a: Float64Array): Float64Array => {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] * spread;
    return out;
  };
  // R² in normalised units (values are O(1) there, so the one-pass variance is accurate).
  let ss = 0;
  let sy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    ss += signed[i] * signed[i];
    sy += full.y[i];
    syy += full.y[i] * full.y[i];
  }
  const tot = syy - (sy * sy) / n;
  const madSample = robustSample(signed, n, 0, scratchFloat64(robustSampleSize(n)));
  return new SeasonalModel({
    options,
    stepMs,
    trainStartMs,
    trainEndMs,
    components,
    originMs: ts[0],
    changepointsDays: final.cps,
    offset: centre,
    trend: scaled(final.fit.trend),
    daily: scaled(final.fit.daily),
    weekly: scaled(final.fit.weekly),
    weekendDaily: scaled(final.fit.weekend),
    weekendLevel: final.fit.weekendLevel * spread,
    ...(dailyProfile !== undefined
      ? { dailyProfile: { binMs: bins.binMs, offsetMs: bins.offsetMs, values: scaled(dailyProfile) } }
      : {}),
    scaleProfile: profile,
    residuals,
    ...(valueTransform !== undefined ? { valueTransform } : {}),
    metrics: {
      trainPoints: n,
      residualMad: spread * medianInPlace(madSample, madSample.length),
      rSquared: tot > 0 ? 1 - ss / tot : 1,
      calibrationPoints: residuals.count,
      calibratedOutOfSample: outOfSampleZ !== undefined ? 1 : 0,
      fitPoints: nFit,
      effectiveWeight: final.fit.weightSum,
      residualLag1,
      residualOneStepRatio,
      repeatRate: repeatRate(usable.values, n),
      spikeUpper: spikes.upper,
      spikeLower: spikes.lower,
      oneStepSpikeUpper: singles.upper,
      oneStepSpikeLower: singles.lower,
      ...repeatProfile(usable.values, n, coveredDays),
      resetsUpPerDay: resets.up,
      resetsDownPerDay: resets.down,
      resetUpSize: resets.upSize,
      resetDownSize: resets.downSize,
      // Only when learnt: a model file holds finite numbers.
      ...(growth !== undefined && Number.isFinite(growth.growth)
        ? { resetGrowth: growth.growth, resetStepRatio: growth.ratio, resetLeakLevel: growth.leakLevel }
        : {}),
      oneStepTailRatio: tailRatio,
      residualDiffMedian: diffMedian,
      runLevel: runLevel(zIn, ts, n, stepMs, residualLag1, residualOneStepRatio),
      driftLevel: driftLevel(zIn, ts, n, stepMs, residualLag1, tailOf, zNormal),
      burstLevel: burstLevel(zIn, ts, n, stepMs, diffMedian),
      shiftLevel: shiftLevel(zIn, ts, n, stepMs, shiftTailOf, zShift),
    },
  });
}

/**
 * Share of consecutive usable values that repeat the previous one exactly. A detector learns from it
 * whether exact repeats are normal for this series (a quantised gauge, a staircase) or a sign that an
 * exporter froze.
 */
export function repeatRate(values: Float64Array, n: number): number {
  if (n < 2) return 0;
  let repeats = 0;
  for (let i = 1; i < n; i++) if (values[i] === values[i - 1]) repeats++;
  return repeats / (n - 1);
}

/** φ as the detector's tail rule clamps it: [0, 0.95], 0 when not finite. */
function tailPhi(phi: number): number {
  return Number.isFinite(phi) ? Math.min(0.95, Math.max(0, phi)) : 0;
}

/** The tail ratio (see {@link oneStepErrorStatistics}) of the errors in errors[0..m) (reordered). */
function tailRatioOf(errors: Float64Array, m: number): number {
  if (m < 200) return Number.NaN;
  // Order statistics by selection (O(m), nearest rank): a full sort of 40,000 errors would cost more than
  // the rest of this pass.
  const body = selectInPlace(errors, m, Math.round(0.95 * (m - 1)));
  const mid = selectInPlace(errors, m, Math.round(0.5 * (m - 1)));
  return mid > 0 ? body / mid : Number.NaN;
}

/**
 * Two statistics of the adjacent pairs of z(i) (samples one step apart), from one walk over them:
 * - `tailRatio`: how heavy the tails of the one-step errors z(i) − φ·z(i−1) are (φ clamped to [0, 0.95] as
 *   the detector does): the 95% quantile of |error| over its median, 1.960 / 0.6745 = 2.91 for Gaussian
 *   errors (the simulated hosts measure about 3.2). Bursty series (tweet volumes, ad exchanges) reach well
 *   beyond: a point 2.5 bands out is routine for them, but 5 Gaussian standard deviations out for a Gaussian
 *   one. NaN with fewer than 200 pairs.
 * - `diffMedian`: the median |z(i) − z(i−1)|, the typical one-step change of the standardised residual, the
 *   reference of the detector's variance-burst rule (detect/varianceBurst.ts). NaN with fewer than 30 pairs.
 */
export function oneStepErrorStatistics(
  z: (i: number) => number,
  ts: Float64Array,
  n: number,
  stepMs: number,
  phi: number,
): { tailRatio: number; diffMedian: number } {
  const mark = scratchMark();
  const errors = scratchFloat64(Math.max(0, n - 1));
  const diffs = scratchFloat64(Math.max(0, n - 1));
  const m = adjacentErrors(z, ts, n, stepMs, tailPhi(phi), errors, diffs);
  const tailRatio = tailRatioOf(errors, m);
  const diffMedian = m >= MIN_RATIO_PAIRS ? medianInPlace(diffs, m) : Number.NaN;
  scratchRelease(mark);
  return { tailRatio, diffMedian };
}

/**
 * |z(i) − p·z(i−1)| over finite samples one step apart (at most 1.5 steps) into errors[0..m), and the plain
 * |z(i) − z(i−1)| of the same pairs into diffs[0..m) when given; returns m. Both need n − 1 entries.
 */
function adjacentErrors(
  z: (i: number) => number,
  ts: Float64Array,
  n: number,
  stepMs: number,
  p: number,
  errors: Float64Array,
  diffs?: Float64Array,
): number {
  const maxGap = 1.5 * stepMs;
  let m = 0;
  let prev = n > 0 ? z(0) : Number.NaN;
  for (let i = 1; i < n; i++) {
    const cur = z(i);
    if (ts[i] - ts[i - 1] <= maxGap && Number.isFinite(cur) && Number.isFinite(prev)) {
      errors[m] = Math.abs(cur - p * prev);
      if (diffs !== undefined) diffs[m] = Math.abs(cur - prev);
      m++;
    }
    prev = cur;
  }
  return m;
}

/** Equal values in a row that make a "long" run (the detector's stuck-value rule fires at this length). */
export const LONG_REPEAT_RUN = 6;

/** How a history repeats itself, split into short repeats and long runs (see {@link repeatProfile}). */
export interface RepeatProfile {
  /** Share of consecutive pairs that repeat exactly, not counting pairs inside long runs. */
  readonly shortRepeatRate: number;
  /** Maximal runs of at least {@link LONG_REPEAT_RUN} equal values, per day of history. */
  readonly longRunsPerDay: number;
  /** Share of consecutive pairs that lie inside long runs (1 for a constant series). */
  readonly longRunShare: number;
}

/**
 * Splits a history's exact repeats into short ones (a quantised gauge) and long runs (a staircase, or a
 * frozen exporter). A stuck exporter inside the training history is one long run: it must not teach the
 * detector that this series repeats itself (the overall repeat rate of a 14-day history with one 6-hour
 * flatline is 1.8%, far above what turns the stuck rule off), whereas a staircase has long runs every day.
 */
export function repeatProfile(values: Float64Array, n: number, days: number): RepeatProfile {
  if (n < 2) return { shortRepeatRate: 0, longRunsPerDay: 0, longRunShare: 0 };
  let shortRepeats = 0;
  let longRuns = 0;
  let longPairs = 0;
  let run = 1;
  const close = (): void => {
    if (run >= LONG_REPEAT_RUN) {
      longRuns++;
      longPairs += run - 1;
    } else shortRepeats += run - 1;
  };
  for (let i = 1; i < n; i++) {
    if (values[i] === values[i - 1]) run++;
    else {
      close();
      run = 1;
    }
  }
  close();
  return {
    shortRepeatRate: shortRepeats / (n - 1),
    longRunsPerDay: days > 0 ? longRuns / days : 0,
    longRunShare: longPairs / (n - 1),
  };
}

/** Series with a finer step than this are averaged into AGGREGATE_MS buckets before fitting, ms. */
const AGGREGATE_BELOW_MS = 300_000;
/** Width of the buckets, ms (divides a day, so the bucket centres form an exact phase grid). */
const AGGREGATE_MS = 600_000;

interface Aggregated {
  readonly n: number;
  /** Bucket centres (epoch ms): a day-aligned grid, so the phase bins are exact. */
  readonly centreMs: Float64Array;
  /** Mean time and value per bucket, with the sample count as prior weight. */
  readonly points: FitPoints;
  /** Bucket of each full-resolution point. */
  readonly bucketOf: Int32Array;
}

function aggregate(ts: Float64Array, full: FitPoints, n: number): Aggregated {
  const bucketOf = scratchInt32(n); // read only while fitting
  const centre: number[] = [];
  let k = -1;
  let current = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = Math.floor(ts[i] / AGGREGATE_MS);
    if (b !== current) {
      k++;
      current = b;
      centre.push(b * AGGREGATE_MS + AGGREGATE_MS / 2);
    }
    bucketOf[i] = k;
  }
  const na = k + 1;
  // Scratch, as the full-resolution points: the fit reads them, the model keeps none of them.
  const tDays = scratchFloat64(na, 0);
  const y = scratchFloat64(na, 0);
  const prior = scratchFloat64(na, 0);
  for (let i = 0; i < n; i++) {
    const b = bucketOf[i];
    tDays[b] += full.tDays[i];
    y[b] += full.y[i];
    prior[b] += 1;
  }
  for (let b = 0; b < na; b++) {
    tDays[b] /= prior[b];
    y[b] /= prior[b];
  }
  return {
    n: na,
    centreMs: Float64Array.from(centre),
    points: { tDays, y, tow: scratchInt32(na, 0), prior },
    bucketOf,
  };
}

/** Signed residuals y − fit on the first n points (normalised units), into `out` when given (n entries). */
function signedResiduals(
  pts: FitPoints,
  n: number,
  fit: FitResult,
  cps: Float64Array,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  evaluateTrendInto(pts.tDays, n, fit.trend, cps, out);
  for (let i = 0; i < n; i++) out[i] = pts.y[i] - out[i] - fit.seasonalByTow[pts.tow[i]];
  return out;
}

/** Residuals of points [m, n) under a fit of the first m points (the trend extrapolates). */
function holdoutResiduals(
  pts: FitPoints,
  m: number,
  n: number,
  fit: FitResult,
  cps: Float64Array,
): Float64Array {
  const out = new Float64Array(n - m);
  for (let i = m; i < n; i++) {
    out[i - m] = pts.y[i] - trendAt(pts.tDays[i], fit.trend, cps) - fit.seasonalByTow[pts.tow[i]];
  }
  return out;
}

/**
 * Keeps each eligible seasonal component only if dropping it from the training fit's forecast makes the
 * held-out tail's robust loss clearly worse. The weekend shape is judged on held-out weekend points when the
 * tail has enough of them, else in sample on weekend points with a stricter bar.
 */
function selectComponents(
  pts: FitPoints,
  bins: PhaseBins,
  m: number,
  n: number,
  eligible: ComponentChoice,
  fit: FitResult,
  cps: Float64Array,
  residual: Float64Array,
): ComponentChoice {
  const h = n - m;
  const sigma = Math.max(robustScale(residual), 1e-12);
  const base = huberLoss(residual, undefined, sigma);
  const contribution = new Float64Array(h);
  const keeps = (value: (tb: number) => number): boolean => {
    for (let j = 0; j < h; j++) contribution[j] = value(pts.tow[m + j]);
    return huberLoss(residual, contribution, sigma) > base * KEEP_OUT_OF_SAMPLE;
  };
  const daily = eligible.daily && keeps((tb) => fit.dailyByTod[bins.todOf[tb]]);
  const weekly = eligible.weekly && keeps((tb) => fit.weeklyByTow[tb]);
  let weekend = false;
  if (eligible.weekend) {
    const pointsPerDay = MS_PER_DAY / (bins.binMs > 0 ? bins.binMs : MS_PER_DAY);
    let weekendHeldOut = 0;
    for (let j = 0; j < h; j++) weekendHeldOut += bins.weekendOf[pts.tow[m + j]];
    const onHoldout = weekendHeldOut >= Math.max(30, 0.25 * Math.min(pointsPerDay, h));
    const from = onHoldout ? m : 0;
    const to = onHoldout ? n : m;
    const r = onHoldout ? residual : signedResiduals(pts, m, fit, cps);
    const offset = onHoldout ? m : 0;
    const sel: number[] = [];
    for (let i = from; i < to; i++) if (bins.weekendOf[pts.tow[i]] === 1) sel.push(i);
    const rw = Float64Array.from(sel, (i) => r[i - offset]);
    const adj = Float64Array.from(sel, (i) => fit.weekendByTod[bins.todOf[pts.tow[i]]]);
    const s = Math.max(robustScale(rw), 1e-12);
    const bar = onHoldout ? KEEP_OUT_OF_SAMPLE : KEEP_IN_SAMPLE;
    weekend = rw.length > 0 && huberLoss(rw, adj, s) > huberLoss(rw, undefined, s) * bar;
  }
  return { daily, weekly, weekend };
}

/** Standardised residuals are clipped to this before the autocorrelation, so outliers do not dominate it. */
const LAG1_CLIP = 3;

/**
 * Lag-1 autocorrelation of standardised residuals z (z[j] belongs to the point at ts[from + j]), over pairs
 * of consecutive samples one step apart, each z clipped to ±3 (so a spike does not dominate). It measures
 * how much residuals persist from one sample to the next — AR(1) noise and hours-long model misses alike —
 * which the drift detector needs to tell persistence from a shift. In [-1, 1]; 0 without pairs.
 */
export function lag1Autocorrelation(z: Float64Array, ts: Float64Array, from: number, stepMs: number): number {
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  const maxGap = 1.5 * stepMs;
  const clip = (v: number): number => Math.min(LAG1_CLIP, Math.max(-LAG1_CLIP, v));
  for (let j = 1; j < z.length; j++) {
    const a = z[j - 1];
    const b = z[j];
    if (!Number.isFinite(a) || !Number.isFinite(b) || ts[from + j] - ts[from + j - 1] > maxGap) continue;
    const x = clip(a);
    const y = clip(b);
    sxy += x * y;
    sxx += x * x;
    syy += y * y;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * Spread of the one-step prediction errors z[j] − φ·z[j−1] (over pairs one step apart) relative to the
 * spread of z itself, each measured as the width of its central `width` interval (so heavy tails — a heap
 * dropping back at GC — count as they will in a band); 1 without enough pairs. √(1 − φ²) for Gaussian
 * AR(1) residuals; smaller when the residual is a smooth wave plus little noise, which a one-step forecast
 * follows closely. Clamped to [0.05, 1]. With `bandSpan`, relative to that band width (the model's issued
 * band) instead of z's own central interval.
 */
export function oneStepRatio(
  z: Float64Array,
  ts: Float64Array,
  from: number,
  stepMs: number,
  phi: number,
  width: number,
  bandSpan?: number,
): number {
  const maxGap = 1.5 * stepMs;
  const mark = scratchMark();
  const errors = scratchFloat64(z.length);
  // The levels' own interval is the denominator only without a band span: with one, they are not collected.
  const levels = bandSpan === undefined ? scratchFloat64(z.length) : undefined;
  let m = 0;
  for (let j = 1; j < z.length; j++) {
    const a = z[j - 1];
    const b = z[j];
    if (!Number.isFinite(a) || !Number.isFinite(b) || ts[from + j] - ts[from + j - 1] > maxGap) continue;
    errors[m] = b - phi * a;
    if (levels !== undefined) levels[m] = b;
    m++;
  }
  // A non-finite φ makes every error NaN, whose ratio is 1 (and which selection must not see).
  let ratio = 1;
  if (m >= MIN_RATIO_PAIRS && Number.isFinite(phi)) {
    const span = bandSpan ?? (levels !== undefined ? centralInterval(levels, m, width) : Number.NaN);
    if (span > 0) {
      const r = centralInterval(errors, m, width) / span;
      ratio = Number.isFinite(r) ? Math.min(1, Math.max(0.05, r)) : 1;
    }
  }
  scratchRelease(mark);
  return ratio;
}

/** Fewer one-step pairs than this give no ratio (1). */
const MIN_RATIO_PAIRS = 30;
