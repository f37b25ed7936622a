import type { ThresholdRow } from '../../evaluate/types';
import { bestF1Row } from '../select';
import { formatFixed } from '../format';
import { legend, numericXAxis, swatch, valueAxis, type PlotArea } from './axes';
import { thinToPixels } from './roc';
import { linearScale, niceTicks } from './scale';
import { el, emptyChart, pointsAttr, svgRoot, text } from './svg';

/** Stable id of the threshold-analysis chart's `<svg>`. */
export const THRESHOLD_CHART_ID = 'chart-threshold';

const WIDTH = 470;
const HEIGHT = 330;
// Room at the top for a two-row legend.
const MARGIN = { top: 48, right: 18, bottom: 50, left: 54 } as const;
const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/**
 * Precision, recall and F1 against the score threshold, with the configured threshold (the detector's
 * `threshold_multiplier`) as a vertical line and the best-F1 threshold as a dot. Rows whose metric is
 * undefined (precision with nothing flagged) leave a gap rather than a drop to zero.
 */
export function renderThresholdChart(
  sweep: readonly ThresholdRow[],
  configuredThreshold: number,
  hasGroundTruth: boolean,
): string {
  const title = 'Threshold analysis';
  if (!hasGroundTruth) {
    return emptyChart(
      THRESHOLD_CHART_ID,
      WIDTH,
      HEIGHT,
      title,
      'No threshold analysis: the evaluation had no ground truth.',
    );
  }
  const rows = sweep.filter((r) => Number.isFinite(r.threshold)).sort((a, b) => a.threshold - b.threshold);
  if (rows.length === 0) {
    return emptyChart(THRESHOLD_CHART_ID, WIDTH, HEIGHT, title, 'No threshold analysis: the sweep is empty.');
  }
  const area: PlotArea = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: WIDTH - MARGIN.left - MARGIN.right,
    height: HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const first = rows[0]?.threshold ?? 0;
  const last = rows[rows.length - 1]?.threshold ?? 1;
  const lo = Number.isFinite(configuredThreshold) ? Math.min(first, configuredThreshold) : first;
  const hi = Number.isFinite(configuredThreshold) ? Math.max(last, configuredThreshold) : last;
  const xTicks = niceTicks(lo, hi, 6);
  const x = linearScale(xTicks.domain, [area.left, area.left + area.width]);
  const y = linearScale([0, 1], [area.top + area.height, area.top]);

  const line = (pick: (r: ThresholdRow) => number, cls: string): string => {
    const segments: { px: number; py: number }[][] = [[]];
    for (const r of rows) {
      const v = pick(r);
      if (Number.isFinite(v))
        segments[segments.length - 1]?.push({ px: x(r.threshold), py: y(Math.min(1, Math.max(0, v))) });
      else if ((segments[segments.length - 1]?.length ?? 0) > 0) segments.push([]);
    }
    return segments
      .filter((s) => s.length > 0)
      .map((s) =>
        s.length === 1
          ? el('circle', { cx: s[0]?.px ?? 0, cy: s[0]?.py ?? 0, r: 2, class: `${cls}-dot` })
          : el('polyline', { points: pointsAttr(thinToPixels(s)), class: cls }),
      )
      .join('');
  };

  const parts: string[] = [
    el('rect', { x: area.left, y: area.top, width: area.width, height: area.height, class: 'plot-bg' }),
    valueAxis(area, y, UNIT_TICKS, 0.2, ''),
    numericXAxis(area, x, xTicks.ticks, xTicks.step, 'score threshold'),
    line((r) => r.precision, 'precision'),
    line((r) => r.recall, 'recall'),
    line((r) => r.f1, 'f1'),
  ];
  if (Number.isFinite(configuredThreshold)) {
    const cx = x(configuredThreshold);
    parts.push(el('line', { x1: cx, x2: cx, y1: area.top, y2: area.top + area.height, class: 'configured' }));
    // Labelled near the bottom: the curves crowd the top of the plot at low thresholds.
    const side = cx > area.left + area.width * 0.7 ? 'end' : 'start';
    parts.push(
      el(
        'text',
        {
          x: cx + (side === 'end' ? -4 : 4),
          y: area.top + area.height - 8,
          'text-anchor': side,
          class: 'annotation annotation-configured',
        },
        text(`configured ${formatFixed(configuredThreshold, 2)}`),
      ),
    );
  }
  const legendItems = [
    { label: 'precision', swatch: swatch.line('precision') },
    { label: 'recall', swatch: swatch.line('recall') },
    { label: 'F1', swatch: swatch.line('f1') },
    { label: 'configured', swatch: swatch.line('configured') },
  ];
  const best = bestF1Row(rows);
  if (best !== undefined) {
    const bx = x(best.threshold);
    const by = y(Math.min(1, Math.max(0, best.f1)));
    parts.push(el('circle', { cx: bx, cy: by, r: 4.5, class: 'best-f1' }));
    // The dot marks it on the curve; the words go in the legend, where they cannot cover the curves.
    legendItems.push({
      label: `best F1 ${formatFixed(best.f1)} at ${formatFixed(best.threshold, 2)}`,
      swatch: swatch.ring('best-f1'),
    });
  }
  parts.push(
    el('rect', { x: area.left, y: area.top, width: area.width, height: area.height, class: 'plot-frame' }),
  );
  parts.push(legend(area.left, 14, legendItems, area.width));
  return svgRoot(
    THRESHOLD_CHART_ID,
    WIDTH,
    HEIGHT,
    title,
    `Precision, recall and F1 for ${rows.length} thresholds.`,
    parts.join(''),
  );
}
