import { escapeXml } from '../format';

/** Attribute values; `undefined` drops the attribute. Strings are escaped, numbers rounded. */
export type Attrs = Readonly<Record<string, string | number | undefined>>;

/** Pixel coordinate with at most one decimal: enough for SVG, and it keeps the file small. */
export function px(value: number): string {
  if (!Number.isFinite(value)) {
    // A non-finite coordinate would make the browser drop the element (and print "NaN" into the file);
    // callers filter these out, so reaching here is a bug worth surfacing loudly.
    throw new RangeError(`non-finite SVG coordinate: ${String(value)}`);
  }
  const r = Math.round(value * 10) / 10;
  return (r === 0 ? 0 : r).toString();
}

/** Builds one element. `children` is raw markup (already escaped); text content must go through `text()`. */
export function el(tag: string, attrs: Attrs, children = ''): string {
  const parts: string[] = [tag];
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    parts.push(`${key}="${typeof value === 'number' ? px(value) : escapeXml(value)}"`);
  }
  const open = parts.join(' ');
  return children === '' && SELF_CLOSING.has(tag) ? `<${open}/>` : `<${open}>${children}</${tag}>`;
}

/** Escaped text content. */
export function text(content: string): string {
  return escapeXml(content);
}

/** The `points` attribute value of a polyline. */
export function pointsAttr(points: readonly { readonly px: number; readonly py: number }[]): string {
  return points.map((p) => `${px(p.px)},${px(p.py)}`).join(' ');
}

/** The opening of a chart: an accessible, stably identified `<svg>` with a `<title>` and `<desc>`. */
export function svgRoot(
  id: string,
  width: number,
  height: number,
  title: string,
  desc: string,
  body: string,
  extraClass = '',
): string {
  // No xmlns: inline SVG in HTML5 does not need it, and the page then contains no URL at all.
  return el(
    'svg',
    {
      id,
      viewBox: `0 0 ${px(width)} ${px(height)}`,
      width,
      height,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
      class: extraClass === '' ? 'chart' : `chart ${extraClass}`,
    },
    el('title', { id: `${id}-title` }, text(title)) + el('desc', { id: `${id}-desc` }, text(desc)) + body,
  );
}

/** A centred message in place of a chart that cannot be drawn (no labels, no points, ...). */
export function emptyChart(
  id: string,
  width: number,
  height: number,
  title: string,
  message: string,
): string {
  // Wrapped by hand (SVG text does not wrap), at ≈ 7 px per character of 12 px italic text.
  const lines = wrapWords(message, Math.max(10, Math.floor((width - 24) / 7)));
  const lineHeightPx = 16;
  const firstY = height / 2 - ((lines.length - 1) * lineHeightPx) / 2;
  const body =
    el('rect', { x: 0.5, y: 0.5, width: width - 1, height: height - 1, class: 'empty-frame' }) +
    lines
      .map((line, i) =>
        el(
          'text',
          { x: width / 2, y: firstY + i * lineHeightPx, 'text-anchor': 'middle', class: 'note' },
          text(line),
        ),
      )
      .join('');
  return svgRoot(id, width, height, title, message, body, 'empty');
}

/** Greedy word wrap to lines of at most `maxChars` (a longer single word gets a line of its own). */
export function wrapWords(message: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of message.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

const SELF_CLOSING = new Set(['rect', 'circle', 'line', 'polyline', 'path', 'polygon', 'stop', 'use']);
