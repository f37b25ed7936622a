import type { PointMetrics } from '../../evaluate/types';
import { formatCount, formatPercent } from '../format';
import { el, emptyChart, svgRoot, text } from './svg';

/** Stable id of the confusion-matrix chart's `<svg>`. */
export const CONFUSION_CHART_ID = 'chart-confusion';

const WIDTH = 340;
const HEIGHT = 300;
const GRID = { left: 100, top: 56, cell: 114, cellHeight: 110 } as const;

/**
 * The point confusion matrix as a 2×2 grid: rows are the truth (anomalous, normal), columns the verdict
 * (flagged, not flagged). Each cell shows its count and its rate within the row (TP and FN rates share
 * the anomalous row, FP and TN rates the normal row; shown as TPR, FNR, FPR, TNR). Cell tint grows with the rate; correct cells are
 * green, errors red, so the eye goes to the big mistakes.
 */
export function renderConfusionChart(point: PointMetrics, hasGroundTruth: boolean): string {
  const title = 'Confusion matrix';
  if (!hasGroundTruth) {
    return emptyChart(
      CONFUSION_CHART_ID,
      WIDTH,
      HEIGHT,
      title,
      'No confusion matrix: the evaluation had no ground truth.',
    );
  }
  const positives = point.tp + point.fn;
  const negatives = point.fp + point.tn;
  const rate = (count: number, total: number): number => (total > 0 ? count / total : NaN);
  const cells = [
    {
      row: 0,
      col: 0,
      name: 'TP',
      rateName: 'TPR',
      count: point.tp,
      rate: rate(point.tp, positives),
      good: true,
    },
    {
      row: 0,
      col: 1,
      name: 'FN',
      rateName: 'FNR',
      count: point.fn,
      rate: rate(point.fn, positives),
      good: false,
    },
    {
      row: 1,
      col: 0,
      name: 'FP',
      rateName: 'FPR',
      count: point.fp,
      rate: rate(point.fp, negatives),
      good: false,
    },
    {
      row: 1,
      col: 1,
      name: 'TN',
      rateName: 'TNR',
      count: point.tn,
      rate: rate(point.tn, negatives),
      good: true,
    },
  ];
  const parts: string[] = [];
  parts.push(
    el(
      'text',
      { x: GRID.left + GRID.cell, y: 18, 'text-anchor': 'middle', class: 'axis-label' },
      text('detector verdict'),
    ),
  );
  ['flagged', 'not flagged'].forEach((label, col) =>
    parts.push(
      el(
        'text',
        { x: GRID.left + GRID.cell * (col + 0.5), y: GRID.top - 10, 'text-anchor': 'middle', class: 'tick' },
        text(label),
      ),
    ),
  );
  ['anomalous', 'normal'].forEach((label, row) =>
    parts.push(
      el(
        'text',
        {
          x: GRID.left - 10,
          y: GRID.top + GRID.cellHeight * (row + 0.5) + 4,
          'text-anchor': 'end',
          class: 'tick',
        },
        text(label),
      ),
    ),
  );
  const cy = GRID.top + GRID.cellHeight;
  parts.push(
    el(
      'text',
      { x: 16, y: cy, transform: `rotate(-90 16 ${cy})`, 'text-anchor': 'middle', class: 'axis-label' },
      text('ground truth'),
    ),
  );
  for (const c of cells) {
    const x0 = GRID.left + c.col * GRID.cell;
    const y0 = GRID.top + c.row * GRID.cellHeight;
    // Tint capped at 0.55 so dark text stays readable on the strongest cell.
    const opacity = Number.isFinite(c.rate) ? 0.08 + 0.47 * c.rate : 0.04;
    parts.push(
      el(
        'g',
        { class: `cell cell-${c.name.toLowerCase()}` },
        el('rect', {
          x: x0,
          y: y0,
          width: GRID.cell,
          height: GRID.cellHeight,
          class: c.good ? 'cell-good' : 'cell-bad',
          'fill-opacity': opacity,
        }) +
          el(
            'text',
            { x: x0 + GRID.cell / 2, y: y0 + 26, 'text-anchor': 'middle', class: 'cell-name' },
            text(c.name),
          ) +
          el(
            'text',
            { x: x0 + GRID.cell / 2, y: y0 + 62, 'text-anchor': 'middle', class: 'cell-count' },
            text(formatCount(c.count)),
          ) +
          el(
            'text',
            { x: x0 + GRID.cell / 2, y: y0 + 88, 'text-anchor': 'middle', class: 'cell-rate' },
            text(`${c.rateName} ${formatPercent(c.rate)}`),
          ),
      ),
    );
  }
  parts.push(
    el('rect', {
      x: GRID.left,
      y: GRID.top,
      width: GRID.cell * 2,
      height: GRID.cellHeight * 2,
      class: 'plot-frame',
    }),
  );
  const desc = `TP ${point.tp}, FN ${point.fn}, FP ${point.fp}, TN ${point.tn}.`;
  return svgRoot(CONFUSION_CHART_ID, WIDTH, HEIGHT, title, desc, parts.join(''));
}
