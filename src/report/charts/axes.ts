import { formatTick, type LinearScale, type TimeTick } from './scale';
import { el, text } from './svg';

/** The drawable rectangle inside a chart's margins, in pixels. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Horizontal grid lines and labels for a value axis on the left. */
export function valueAxis(
  area: PlotArea,
  y: LinearScale,
  ticks: readonly number[],
  step: number,
  label: string,
): string {
  const parts: string[] = [];
  for (const t of ticks) {
    const py = y(t);
    parts.push(el('line', { x1: area.left, x2: area.left + area.width, y1: py, y2: py, class: 'grid' }));
    parts.push(
      el(
        'text',
        { x: area.left - 6, y: py + 4, 'text-anchor': 'end', class: 'tick' },
        text(formatTick(t, step)),
      ),
    );
  }
  if (label !== '') {
    const cx = 14;
    const cy = area.top + area.height / 2;
    parts.push(
      el(
        'text',
        { x: cx, y: cy, transform: `rotate(-90 ${cx} ${cy})`, 'text-anchor': 'middle', class: 'axis-label' },
        text(label),
      ),
    );
  }
  return el('g', { class: 'axis axis-y' }, parts.join(''));
}

/** Tick marks and (one- or two-line) labels for a UTC time axis along the bottom. */
export function timeAxis(area: PlotArea, x: LinearScale, ticks: readonly TimeTick[]): string {
  const bottom = area.top + area.height;
  const parts: string[] = [
    el('line', { x1: area.left, x2: area.left + area.width, y1: bottom, y2: bottom, class: 'axis-line' }),
  ];
  for (const t of ticks) {
    const pxX = x(t.ms);
    parts.push(el('line', { x1: pxX, x2: pxX, y1: area.top, y2: bottom, class: 'grid grid-x' }));
    parts.push(el('line', { x1: pxX, x2: pxX, y1: bottom, y2: bottom + 5, class: 'axis-line' }));
    parts.push(el('text', { x: pxX, y: bottom + 18, 'text-anchor': 'middle', class: 'tick' }, text(t.label)));
    if (t.sublabel !== '') {
      parts.push(
        el(
          'text',
          { x: pxX, y: bottom + 32, 'text-anchor': 'middle', class: 'tick tick-date' },
          text(t.sublabel),
        ),
      );
    }
  }
  return el('g', { class: 'axis axis-x' }, parts.join(''));
}

/** Numeric ticks along the bottom (threshold, false-positive rate). */
export function numericXAxis(
  area: PlotArea,
  x: LinearScale,
  ticks: readonly number[],
  step: number,
  label: string,
): string {
  const bottom = area.top + area.height;
  const parts: string[] = [
    el('line', { x1: area.left, x2: area.left + area.width, y1: bottom, y2: bottom, class: 'axis-line' }),
  ];
  for (const t of ticks) {
    const pxX = x(t);
    parts.push(el('line', { x1: pxX, x2: pxX, y1: area.top, y2: bottom, class: 'grid grid-x' }));
    parts.push(
      el(
        'text',
        { x: pxX, y: bottom + 16, 'text-anchor': 'middle', class: 'tick' },
        text(formatTick(t, step)),
      ),
    );
  }
  parts.push(
    el(
      'text',
      { x: area.left + area.width / 2, y: bottom + 34, 'text-anchor': 'middle', class: 'axis-label' },
      text(label),
    ),
  );
  return el('g', { class: 'axis axis-x' }, parts.join(''));
}

/**
 * A legend: coloured swatches with labels, laid out left to right from (x, y), wrapping to a new row
 * (16 px lower) before `maxWidthPx` is exceeded.
 */
export function legend(
  x: number,
  y: number,
  items: readonly { readonly label: string; readonly swatch: string }[],
  maxWidthPx = Infinity,
): string {
  let cursor = x;
  let row = y;
  const parts: string[] = [];
  for (const item of items) {
    // Approximate text width (≈ 7 px per character at 12 px) so items do not overlap without measuring.
    const width = 18 + item.label.length * 7;
    if (cursor > x && cursor + width > x + maxWidthPx) {
      cursor = x;
      row += LEGEND_ROW_PX;
    }
    parts.push(
      el(
        'g',
        { transform: `translate(${cursor} ${row})`, class: 'legend-item' },
        item.swatch + el('text', { x: 18, y: 4, class: 'legend' }, text(item.label)),
      ),
    );
    cursor += width + 18;
  }
  return el('g', { class: 'legend-row' }, parts.join(''));
}

/** Vertical distance between wrapped legend rows. */
export const LEGEND_ROW_PX = 16;

/** Legend swatches: a short line, a filled box, a dot or a ring, centred on (7, 0). */
export const swatch = {
  line: (cls: string): string => el('line', { x1: 0, x2: 14, y1: 0, y2: 0, class: cls }),
  box: (cls: string): string => el('rect', { x: 0, y: -6, width: 14, height: 12, class: cls }),
  dot: (cls: string): string => el('circle', { cx: 7, cy: 0, r: 4, class: cls }),
  ring: (cls: string): string => el('circle', { cx: 7, cy: 0, r: 5, class: cls }),
};
