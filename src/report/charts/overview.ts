import type { EpisodeSummary, EvaluatedPoints } from '../../evaluate/types';
import { formatFixed, formatTimestamp, formatValue } from '../format';
import { legend, swatch, timeAxis, valueAxis, type PlotArea } from './axes';
import { envelopeDownsample, minMaxDownsample } from './downsample';
import { linearScale, niceTicks, timeTicks } from './scale';
import { el, emptyChart, pointsAttr, px, svgRoot, text } from './svg';

/** Score cut-offs used to colour flagged points (mirrors the detector's severity cut-offs). */
export interface SeverityScale {
  readonly low: number;
  readonly medium: number;
  readonly high: number;
  readonly critical: number;
}

/** The detector's default cut-offs (detect/types.ts `SeverityCutoffs` defaults). */
export const DEFAULT_SEVERITY_SCALE: SeverityScale = { low: 1.0, medium: 1.5, high: 2.5, critical: 4.0 };

/** Options for {@link renderOverviewChart}. */
export interface OverviewOptions {
  /** Total SVG width in px (the page scales it down on narrow screens). Default 1240. */
  readonly widthPx: number;
  /** Total SVG height in px. Default 380. */
  readonly heightPx: number;
  /** Score cut-offs for marker colours. Default {@link DEFAULT_SEVERITY_SCALE}. */
  readonly severity: SeverityScale;
  /** Sampling step (seconds), used to give a single point or a one-point label run a visible width. */
  readonly stepSeconds: number;
  /** Accessible title; the dataset name goes here. */
  readonly title: string;
}

/** Defaults for {@link OverviewOptions}. */
export const DEFAULT_OVERVIEW_OPTIONS: OverviewOptions = {
  widthPx: 1240,
  heightPx: 380,
  severity: DEFAULT_SEVERITY_SCALE,
  stepSeconds: 60,
  title: 'Detection overview',
};

/** Stable id of the overview chart's `<svg>`. */
export const OVERVIEW_CHART_ID = 'chart-overview';

const MARGIN = { top: 34, right: 18, bottom: 50, left: 64 } as const;
/** Height of the strip along the bottom of the plot that marks labelled (true) anomalies. */
const LABEL_STRIP_PX = 8;

/** The severity bucket (CSS class suffix) of a score. */
export function severityOf(
  score: number,
  scale: SeverityScale,
): 'none' | 'low' | 'medium' | 'high' | 'critical' {
  if (!(score > scale.low)) return 'none';
  if (score > scale.critical) return 'critical';
  if (score > scale.high) return 'high';
  if (score > scale.medium) return 'medium';
  return 'low';
}

/**
 * The detection overview: actual and forecast lines, the prediction band, detected episodes as shaded
 * ranges, labelled anomalies as a strip plus rings, and every flagged point as a dot coloured by severity.
 *
 * Lines and the band are downsampled to about one bucket per pixel column (min/max, so spikes survive);
 * markers are never downsampled, so every flagged and every labelled point is drawn.
 */
export function renderOverviewChart(
  points: EvaluatedPoints,
  episodes: readonly EpisodeSummary[],
  options: Partial<OverviewOptions> = {},
): string {
  const opts: OverviewOptions = { ...DEFAULT_OVERVIEW_OPTIONS, ...options };
  const { widthPx: width, heightPx: height } = opts;
  const ts = points.timestampsMs;
  const n = ts.length;

  let tMin = Infinity;
  let tMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ts[i] ?? NaN;
    if (!Number.isFinite(t)) continue;
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
  }
  if (!(tMin <= tMax)) {
    return emptyChart(OVERVIEW_CHART_ID, width, height, opts.title, 'No test points to draw.');
  }
  if (tMin === tMax) {
    // A single point still deserves a time axis: centre it in one sampling step either side.
    const halfMs = Math.max(1000, opts.stepSeconds * 1000);
    tMin -= halfMs;
    tMax += halfMs;
  }

  let vMin = Infinity;
  let vMax = -Infinity;
  for (const arr of [points.actual, points.forecast, points.lower, points.upper]) {
    for (let i = 0; i < Math.min(n, arr.length); i++) {
      const v = arr[i] ?? NaN;
      if (!Number.isFinite(v)) continue;
      if (v < vMin) vMin = v;
      if (v > vMax) vMax = v;
    }
  }

  const area: PlotArea = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  const yTicks = niceTicks(vMin, vMax, 6);
  const x = linearScale([tMin, tMax], [area.left, area.left + area.width]);
  const y = linearScale(yTicks.domain, [area.top + area.height, area.top]);
  const buckets = Math.max(1, Math.round(area.width));
  const bottom = area.top + area.height;
  const stepPx = Math.max(2, ((opts.stepSeconds * 1000) / (tMax - tMin)) * area.width);

  const parts: string[] = [];
  parts.push(
    el(
      'defs',
      {},
      el(
        'clipPath',
        { id: `${OVERVIEW_CHART_ID}-clip` },
        el('rect', { x: area.left, y: area.top, width: area.width, height: area.height }),
      ),
    ),
  );
  parts.push(
    el('rect', { x: area.left, y: area.top, width: area.width, height: area.height, class: 'plot-bg' }),
  );
  parts.push(valueAxis(area, y, yTicks.ticks, yTicks.step, 'value'));
  parts.push(timeAxis(area, x, timeTicks(tMin, tMax, Math.max(3, Math.floor(area.width / 110)))));

  const plot: string[] = [];

  // Episodes first so everything else draws on top of the shading.
  const episodeRects = episodes
    .filter((e) => Number.isFinite(e.start_ms) && Number.isFinite(e.end_ms))
    .map((e) => {
      const x0 = x(Math.max(tMin, Math.min(e.start_ms, e.end_ms)));
      const x1 = x(Math.min(tMax, Math.max(e.start_ms, e.end_ms)));
      const w = Math.max(3, x1 - x0);
      const tip = `Episode ${e.id}: ${formatTimestamp(e.start_ms)} to ${formatTimestamp(e.end_ms)}, peak ${formatFixed(e.peak_score, 2)} (${e.severity})`;
      return el(
        'rect',
        { x: x0 - (w - (x1 - x0)) / 2, y: area.top, width: w, height: area.height, class: 'episode' },
        el('title', {}, text(tip)),
      );
    });
  plot.push(el('g', { class: 'episodes' }, episodeRects.join('')));

  const band = envelopeDownsample(ts, points.lower, points.upper, buckets);
  const bandPaths = band
    .map((seg) => {
      const upper = seg.map((p) => `${px(x(p.x))},${px(y(p.hi))}`);
      const lower = seg.map((p) => `${px(x(p.x))},${px(y(p.lo))}`).reverse();
      if (seg.length === 1) {
        // One point has no area; widen it to a sampling step so a single forecast still shows its band.
        const p = seg[0];
        if (p === undefined) return '';
        const cx = x(p.x);
        // Capped: with one point the axis spans only two steps, and a half-plot-wide block reads as data.
        const h = Math.min(stepPx, 16) / 2;
        return `M${px(cx - h)},${px(y(p.hi))}L${px(cx + h)},${px(y(p.hi))}L${px(cx + h)},${px(y(p.lo))}L${px(cx - h)},${px(y(p.lo))}Z`;
      }
      return `M${upper.join('L')}L${lower.join('L')}Z`;
    })
    .filter((d) => d !== '')
    .join('');
  if (bandPaths !== '') plot.push(el('path', { d: bandPaths, class: 'band' }));

  for (const [series, cls] of [
    [points.forecast, 'forecast'],
    [points.actual, 'actual'],
  ] as const) {
    const segments = minMaxDownsample(ts, series, buckets);
    const lines = segments.map((seg) =>
      seg.length === 1
        ? el('circle', { cx: x(seg[0]?.x ?? tMin), cy: y(seg[0]?.y ?? 0), r: 2.5, class: `${cls}-dot` })
        : el('polyline', { points: pointsAttr(seg.map((p) => ({ px: x(p.x), py: y(p.y) }))), class: cls }),
    );
    plot.push(el('g', { class: `line-${cls}` }, lines.join('')));
  }

  // Labelled anomalies: contiguous runs as a strip along the bottom, and a ring on every labelled point.
  const label = points.label;
  const rings: string[] = [];
  const strips: string[] = [];
  if (label !== undefined) {
    let runStart = -1;
    for (let i = 0; i <= n; i++) {
      const on = i < n && label[i] === 1 && Number.isFinite(ts[i] ?? NaN);
      if (on && runStart < 0) runStart = i;
      if (!on && runStart >= 0) {
        const x0 = x(ts[runStart] ?? tMin) - stepPx / 2;
        const x1 = x(ts[i - 1] ?? tMax) + stepPx / 2;
        strips.push(
          el('rect', {
            x: x0,
            y: bottom - LABEL_STRIP_PX,
            width: x1 - x0,
            height: LABEL_STRIP_PX,
            class: 'label-strip',
          }),
        );
        runStart = -1;
      }
      if (on) {
        rings.push(
          el('circle', {
            cx: x(ts[i] ?? tMin),
            cy: markerY(points.actual[i], y, area),
            r: 5.5,
            class: 'label-ring',
          }),
        );
      }
    }
  }
  plot.push(el('g', { class: 'labels' }, strips.join('') + rings.join('')));

  const flagged: string[] = [];
  for (let i = 0; i < n; i++) {
    if (points.isAnomaly[i] !== 1) continue;
    const t = ts[i] ?? NaN;
    if (!Number.isFinite(t)) continue;
    const score = points.score[i] ?? NaN;
    const sev = severityOf(score, opts.severity);
    const tip = `${formatTimestamp(t)} actual ${formatValue(points.actual[i])}, forecast ${formatValue(points.forecast[i])}, score ${formatFixed(score, 2)}`;
    flagged.push(
      el(
        'circle',
        { cx: x(t), cy: markerY(points.actual[i], y, area), r: 3.5, class: `flag sev-${sev}` },
        el('title', {}, text(tip)),
      ),
    );
  }
  plot.push(el('g', { class: 'flags' }, flagged.join('')));

  parts.push(el('g', { 'clip-path': `url(#${OVERVIEW_CHART_ID}-clip)` }, plot.join('')));
  parts.push(
    el('rect', { x: area.left, y: area.top, width: area.width, height: area.height, class: 'plot-frame' }),
  );

  parts.push(
    legend(area.left, 16, [
      { label: 'actual', swatch: swatch.line('actual') },
      { label: 'forecast', swatch: swatch.line('forecast') },
      { label: 'prediction band', swatch: swatch.box('band') },
      { label: 'episode', swatch: swatch.box('episode legend-episode') },
      ...(label === undefined ? [] : [{ label: 'labelled anomaly', swatch: swatch.ring('label-ring') }]),
      { label: 'flagged: low', swatch: swatch.dot('flag sev-low') },
      { label: 'medium', swatch: swatch.dot('flag sev-medium') },
      { label: 'high', swatch: swatch.dot('flag sev-high') },
      { label: 'critical', swatch: swatch.dot('flag sev-critical') },
    ]),
  );

  const nFlagged = flagged.length;
  const desc = `${n} points from ${formatTimestamp(ts[0])} to ${formatTimestamp(ts[n - 1])}; ${nFlagged} flagged, ${episodes.length} episodes${label === undefined ? ', no labels' : `, ${rings.length} labelled anomalous`}.`;
  return svgRoot(OVERVIEW_CHART_ID, width, height, opts.title, desc, parts.join(''));
}

/** Markers sit on the actual value; a point without one is pinned to the top edge rather than dropped. */
function markerY(actual: number | undefined, y: (v: number) => number, area: PlotArea): number {
  return actual !== undefined && Number.isFinite(actual) ? y(actual) : area.top + 4;
}
