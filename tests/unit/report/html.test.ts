import { renderHtmlReport } from '../../../src/report';
import type { EvaluatedPoints } from '../../../src/evaluate/types';
import { wrapWords } from '../../../src/report/charts/svg';
import { syntheticEvaluation } from './fixture';
import { knownResult } from './known';

const CHART_IDS = ['chart-overview', 'chart-roc', 'chart-threshold', 'chart-confusion'];

/** The markup of the `<svg>` with this id (charts are never nested, so the first `</svg>` closes it). */
function svgById(html: string, id: string): string {
  const start = html.indexOf(`<svg id="${id}"`);
  if (start < 0) throw new Error(`no <svg id="${id}">`);
  return html.slice(start, html.indexOf('</svg>', start) + '</svg>'.length);
}

function count(haystack: string, pattern: RegExp): number {
  return (haystack.match(new RegExp(pattern.source, 'g')) ?? []).length;
}

function polylinePointCounts(svg: string, cls: string): number[] {
  const re = new RegExp(`<polyline points="([^"]*)" class="${cls}"`, 'g');
  return [...svg.matchAll(re)].map((m) => (m[1] ?? '').trim().split(/\s+/).length);
}

function emptyPoints(): EvaluatedPoints {
  return {
    timestampsMs: new Float64Array(0),
    actual: new Float64Array(0),
    forecast: new Float64Array(0),
    lower: new Float64Array(0),
    upper: new Float64Array(0),
    score: new Float64Array(0),
    isAnomaly: new Uint8Array(0),
    episodeId: [],
  };
}

/** Checks every report must pass whatever its input. */
function expectWellFormedReport(html: string): void {
  for (const id of CHART_IDS) {
    const svg = svgById(html, id);
    expect(svg).toMatch(new RegExp(`^<svg id="${id}" viewBox="[^"]+" width="\\d+" height="\\d+" role="img"`));
    expect(svg).toContain(`<title id="${id}-title">`);
  }
  expect(count(html, /<svg /)).toBe(CHART_IDS.length);
  expect(count(html, /<svg /)).toBe(count(html, /<\/svg>/));
  expect(html).not.toMatch(/NaN|Infinity|undefined/);
  // Self-contained: no scripts, no links, no remote resources, no URL of any kind.
  expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|href=|@import|@font-face|https?:|\/\/[a-z]/i);
  expect([...html.matchAll(/url\(([^)]*)\)/g)].every((m) => (m[1] ?? '').startsWith('#'))).toBe(true);
}

describe('renderHtmlReport', () => {
  const { result, points } = syntheticEvaluation();
  const html = renderHtmlReport(result, points, { title: 'anomalyd report' });

  it('is one self-contained HTML page with the four charts, each an accessible, titled svg', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expectWellFormedReport(html);
  });

  it('draws the overview with band, actual and forecast lines, episodes and label strips', () => {
    const svg = svgById(html, 'chart-overview');
    expect(count(svg, /<path d="M[^"]+" class="band"/)).toBe(1);
    expect(polylinePointCounts(svg, 'actual').length).toBeGreaterThan(0);
    expect(polylinePointCounts(svg, 'forecast').length).toBeGreaterThan(0);
    expect(count(svg, /class="episode"/)).toBe(result.episodes.length);
    expect(count(svg, /class="label-strip"/)).toBe(3);
  });

  it('draws a marker for every flagged point and a ring for every labelled point', () => {
    const svg = svgById(html, 'chart-overview');
    const flagged = points.isAnomaly.reduce((a, v) => a + v, 0);
    const labelled = (points.label ?? new Uint8Array(0)).reduce((a, v) => a + v, 0);
    expect(flagged).toBeGreaterThan(5);
    // Legend swatches are circles too but carry no <title>; markers do.
    expect(count(svg, /<circle [^>]*class="flag sev-[a-z]+"><title>/)).toBe(flagged);
    expect(count(svg, /<circle [^>]*class="label-ring"\/>/)).toBe(labelled + 1 /* legend */);
  });

  it('colours flagged points by severity', () => {
    const svg = svgById(html, 'chart-overview');
    expect(svg).toMatch(/class="flag sev-critical"><title>/);
    expect(svg).toMatch(/class="flag sev-low"><title>/);
  });

  it('bounds the size of long series while keeping every flagged point and the spikes', () => {
    const long = syntheticEvaluation({ points: 120_000, stepSeconds: 60 });
    const out = renderHtmlReport(long.result, long.points, { title: 'long' });
    const svg = svgById(out, 'chart-overview');
    const plotWidth = 1240 - 64 - 18;
    const actual = polylinePointCounts(svg, 'actual');
    expect(actual.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * plotWidth);
    expect(polylinePointCounts(svg, 'forecast').reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(
      2 * plotWidth,
    );
    const bandPoints = count(svg.match(/<path d="([^"]+)" class="band"/)?.[1] ?? '', /[ML]/);
    expect(bandPoints).toBeLessThanOrEqual(2 * plotWidth + 4);
    const flagged = long.points.isAnomaly.reduce((a, v) => a + v, 0);
    expect(count(svg, /class="flag sev-[a-z]+"><title>/)).toBe(flagged);
    // The spike is the series maximum; its y pixel must still be the top of some line point.
    const ys = [...svg.matchAll(/<polyline points="([^"]*)" class="actual"/g)].flatMap((m) =>
      (m[1] ?? '').split(' ').map((p) => Number(p.split(',')[1])),
    );
    const spikeTop = Math.min(...ys);
    const markerYs = [...svg.matchAll(/cy="([\d.]+)" r="3.5" class="flag sev-critical"/g)].map((m) =>
      Number(m[1]),
    );
    expect(markerYs).toContain(spikeTop);
    expect(out.length).toBeLessThan(600_000);
  });

  it('escapes strings from the data everywhere they appear', () => {
    const evil = '<script>alert("x")</script> & <b>co</b>';
    const r = syntheticEvaluation({ dataset: evil });
    const out = renderHtmlReport(r.result, r.points, { title: `Report for ${evil}` });
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<b>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;');
    expect(svgById(out, 'chart-overview')).toContain(
      '<title id="chart-overview-title">Detection overview: &lt;script&gt;',
    );
    expectWellFormedReport(out);
  });

  it('draws the ROC curve with the diagonal and the AUC', () => {
    const svg = svgById(renderHtmlReport(knownResult(), emptyPoints(), { title: 't' }), 'chart-roc');
    expect(svg).toContain('class="diagonal"');
    expect(polylinePointCounts(svg, 'roc')).toEqual([4]);
    expect(svg).toContain('AUC = 0.912');
  });

  it('marks the configured threshold and the best F1 in the threshold analysis', () => {
    const svg = svgById(renderHtmlReport(knownResult(), emptyPoints(), { title: 't' }), 'chart-threshold');
    expect(count(svg, /<line [^>]*class="configured"\/>/)).toBe(2 /* line + legend */);
    expect(svg).toContain('configured 1.25');
    expect(svg).toContain('best F1 0.668 at 1.50');
    // The NaN precision of the last row is a gap, not a point at zero: 4 finite rows, one polyline.
    expect(polylinePointCounts(svg, 'precision')).toEqual([4]);
    expect(polylinePointCounts(svg, 'recall')).toEqual([5]);
  });

  it('shows the confusion matrix as four cells with counts and rates', () => {
    const svg = svgById(renderHtmlReport(knownResult(), emptyPoints(), { title: 't' }), 'chart-confusion');
    for (const [cls, countText, rate] of [
      ['tp', '40', 'TPR 50.0 %'],
      ['fn', '40', 'FNR 50.0 %'],
      ['fp', '10', 'FPR 0.5 %'],
      ['tn', '1,926', 'TNR 99.5 %'],
    ] as const) {
      expect(svg).toMatch(
        new RegExp(`class="cell cell-${cls}">.*?class="cell-count">${countText}<.*?${rate}`),
      );
    }
  });

  it('shows notes instead of ROC, threshold and confusion charts when there are no labels', () => {
    const r = syntheticEvaluation({ withLabels: false });
    const out = renderHtmlReport(r.result, r.points, { title: 'no labels' });
    expectWellFormedReport(out);
    for (const id of ['chart-roc', 'chart-threshold', 'chart-confusion']) {
      const svg = svgById(out, id);
      expect(svg).toContain('class="chart empty"');
      expect(svg).toContain('no ground truth');
      expect(svg).not.toContain('<polyline');
    }
    const overview = svgById(out, 'chart-overview');
    expect(overview).not.toContain('class="label-strip"');
    expect(overview).not.toContain('label-ring');
    expect(overview).toMatch(/class="flag sev-[a-z]+"><title>/);
  });

  it('renders an empty test set as a note in every chart', () => {
    const out = renderHtmlReport(
      knownResult({ roc_auc: null, pr_auc: null, roc: { x: [], y: [] }, threshold_sweep: [], episodes: [] }),
      emptyPoints(),
      { title: 'empty' },
    );
    expectWellFormedReport(out);
    expect(svgById(out, 'chart-overview')).toContain('No test points to draw.');
    expect(svgById(out, 'chart-roc')).toContain('only one class');
    expect(svgById(out, 'chart-threshold')).toContain('the sweep is empty');
    expect(out).toContain('No episodes.');
  });

  it('draws the actual line but no band or forecast when the forecast is all NaN', () => {
    const r = syntheticEvaluation({ points: 300 });
    const nan = new Float64Array(300).fill(NaN);
    const out = renderHtmlReport(
      r.result,
      { ...r.points, forecast: nan, lower: nan, upper: nan },
      { title: 'nan' },
    );
    expectWellFormedReport(out);
    const svg = svgById(out, 'chart-overview');
    expect(svg).not.toMatch(/<path [^>]*class="band"/);
    expect(polylinePointCounts(svg, 'forecast')).toEqual([]);
    expect(polylinePointCounts(svg, 'actual').length).toBeGreaterThan(0);
  });

  it('draws a single point with its band and a time axis around it', () => {
    const one: EvaluatedPoints = {
      timestampsMs: Float64Array.of(Date.UTC(2026, 0, 5, 12, 0)),
      actual: Float64Array.of(42),
      forecast: Float64Array.of(40),
      lower: Float64Array.of(35),
      upper: Float64Array.of(45),
      score: Float64Array.of(0.4),
      isAnomaly: Uint8Array.of(0),
      label: Uint8Array.of(0),
      episodeId: [''],
    };
    const out = renderHtmlReport(knownResult({ episodes: [] }), one, { title: 'one' });
    expectWellFormedReport(out);
    const svg = svgById(out, 'chart-overview');
    expect(count(svg, /class="actual-dot"/)).toBe(1);
    expect(count(svg, /class="forecast-dot"/)).toBe(1);
    expect(svg).toMatch(/<path d="M[^"]+Z" class="band"/);
    expect(svg).toContain('>12:00<');
  });

  it('lists the metrics and the top episodes in tables', () => {
    const out = renderHtmlReport(knownResult(), emptyPoints(), { title: 't', maxEpisodes: 2 });
    expect(out).toMatch(/ROC AUC \/ PR AUC<\/th><td>0\.912 \/ 0\.654</);
    expect(out).toContain('Top 2 of 3 by peak score.');
    expect(out.indexOf('ep-critical')).toBeLessThan(out.indexOf('ep-high'));
    expect(out).not.toContain('ep-low');
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const again = syntheticEvaluation();
    expect(renderHtmlReport(again.result, again.points, { title: 'anomalyd report' })).toBe(html);
  });
});

describe('wrapWords', () => {
  it('wraps a note into lines no longer than asked, keeping every word', () => {
    const message = 'No confusion matrix: the evaluation had no ground truth.';
    const lines = wrapWords(message, 30);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.length <= 30)).toBe(true);
    expect(lines.join(' ')).toBe(message);
  });
});
