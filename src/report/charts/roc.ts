import type { Curve } from '../../evaluate/types';
import { formatFixed } from '../format';
import { numericXAxis, valueAxis, type PlotArea } from './axes';
import { linearScale } from './scale';
import { el, emptyChart, pointsAttr, svgRoot, text } from './svg';

/** Stable id of the ROC chart's `<svg>`. */
export const ROC_CHART_ID = 'chart-roc';

const WIDTH = 340;
const HEIGHT = 330;
const MARGIN = { top: 16, right: 16, bottom: 50, left: 54 } as const;
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/**
 * The ROC curve (true-positive rate against false-positive rate) with the chance diagonal and the AUC.
 * Without ground truth, or when the AUC is undefined (a test part with only one class), the chart is a
 * note saying why, not an empty or misleading plot.
 */
export function renderRocChart(roc: Curve, auc: number | null, hasGroundTruth: boolean): string {
  const title = 'ROC curve';
  if (!hasGroundTruth) {
    return emptyChart(
      ROC_CHART_ID,
      WIDTH,
      HEIGHT,
      title,
      'No ROC curve: the evaluation had no ground truth.',
    );
  }
  const points = curvePoints(roc);
  if (auc === null || !Number.isFinite(auc) || points.length < 2) {
    return emptyChart(ROC_CHART_ID, WIDTH, HEIGHT, title, 'No ROC curve: the test part has only one class.');
  }
  const area: PlotArea = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: WIDTH - MARGIN.left - MARGIN.right,
    height: HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const x = linearScale([0, 1], [area.left, area.left + area.width]);
  const y = linearScale([0, 1], [area.top + area.height, area.top]);
  const pixels = thinToPixels(points.map((p) => ({ px: x(p.x), py: y(p.y) })));
  const bottom = area.top + area.height;
  const areaPath =
    `M${pointsAttr([{ px: pixels[0]?.px ?? area.left, py: bottom }])}L` +
    pointsAttr(pixels).replace(/ /g, 'L') +
    `L${pointsAttr([{ px: pixels[pixels.length - 1]?.px ?? area.left, py: bottom }])}Z`;

  const body = [
    el('rect', { x: area.left, y: area.top, width: area.width, height: area.height, class: 'plot-bg' }),
    valueAxis(area, y, UNIT_TICKS, 0.2, 'true-positive rate (recall)'),
    numericXAxis(area, x, UNIT_TICKS, 0.2, 'false-positive rate'),
    // The frame goes under the curve: a perfect detector's curve runs along the frame and must stay visible.
    el('rect', { x: area.left, y: area.top, width: area.width, height: area.height, class: 'plot-frame' }),
    el('line', { x1: x(0), y1: y(0), x2: x(1), y2: y(1), class: 'diagonal' }),
    el('path', { d: areaPath, class: 'roc-area' }),
    el('polyline', { points: pointsAttr(pixels), class: 'roc' }),
    el(
      'text',
      { x: area.left + area.width - 8, y: bottom - 12, 'text-anchor': 'end', class: 'auc' },
      text(`AUC = ${formatFixed(auc)}`),
    ),
  ].join('');
  return svgRoot(
    ROC_CHART_ID,
    WIDTH,
    HEIGHT,
    `${title} (AUC ${formatFixed(auc)})`,
    `ROC curve with ${points.length} operating points and the chance diagonal.`,
    body,
  );
}

/** The finite (x, y) pairs of a curve, clamped to the unit square, sorted by x then y. */
function curvePoints(curve: Curve): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  const n = Math.min(curve.x.length, curve.y.length);
  for (let i = 0; i < n; i++) {
    const cx = curve.x[i] ?? NaN;
    const cy = curve.y[i] ?? NaN;
    if (Number.isFinite(cx) && Number.isFinite(cy)) out.push({ x: clamp01(cx), y: clamp01(cy) });
  }
  return out.sort((a, b) => a.x - b.x || a.y - b.y);
}

/**
 * Drops points less than one pixel from the last kept one (always keeping the last), so a curve from
 * thousands of thresholds becomes at most a few hundred SVG points without visible change.
 */
export function thinToPixels<T extends { readonly px: number; readonly py: number }>(
  pixels: readonly T[],
): T[] {
  const out: T[] = [];
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i];
    if (p === undefined) continue;
    const last = out[out.length - 1];
    if (last === undefined || i === pixels.length - 1 || Math.hypot(p.px - last.px, p.py - last.py) >= 1)
      out.push(p);
  }
  return out;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
