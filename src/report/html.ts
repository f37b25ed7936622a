import type { EvaluatedPoints, EvaluationResult } from '../evaluate/types';
import { renderConfusionChart } from './charts/confusion';
import { DEFAULT_SEVERITY_SCALE, renderOverviewChart, type SeverityScale } from './charts/overview';
import { renderRocChart } from './charts/roc';
import { renderThresholdChart } from './charts/threshold';
import {
  escapeXml,
  formatCount,
  formatDuration,
  formatFixed,
  formatPercent,
  formatTimestamp,
  formatValue,
  NOT_AVAILABLE,
} from './format';
import { bestF1Row, topEpisodes } from './select';

/** Options for {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** Page title and heading. */
  readonly title: string;
  /** How many episodes to list, highest peak score first. Default 20. */
  readonly maxEpisodes?: number;
  /** Score cut-offs for marker colours. Default: the detector's defaults (1.0 / 1.5 / 2.5 / 4.0). */
  readonly severity?: SeverityScale;
}

/**
 * Renders `report.html`: one self-contained page (inline CSS, inline SVG, no scripts, no external URLs or
 * fonts) with the detection overview, ROC curve, threshold analysis, confusion matrix, a metrics table and
 * the top episodes. Every string from the data is escaped. Works without labels (ground-truth charts become
 * notes), with an empty test set, an all-NaN forecast and a single point.
 */
export function renderHtmlReport(
  result: EvaluationResult,
  points: EvaluatedPoints,
  options: HtmlReportOptions,
): string {
  const hasTruth = result.ground_truth !== 'none';
  const maxEpisodes = options.maxEpisodes ?? 20;
  const overview = renderOverviewChart(points, result.episodes, {
    title: `Detection overview: ${result.dataset}`,
    stepSeconds: result.model.step_s > 0 ? result.model.step_s : 60,
    severity: options.severity ?? DEFAULT_SEVERITY_SCALE,
  });
  const roc = renderRocChart(result.roc, result.roc_auc, hasTruth);
  const threshold = renderThresholdChart(result.threshold_sweep, result.threshold_multiplier, hasTruth);
  const confusion = renderConfusionChart(result.point, hasTruth);

  const subtitle = [
    `model ${result.model.kind}`,
    `test ${result.test.start || NOT_AVAILABLE} to ${result.test.end || NOT_AVAILABLE}`,
    `ground truth: ${result.ground_truth}`,
  ].join(' · ');

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Forbids any network load, so the report provably renders offline and leaks nothing when opened.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeXml(options.title)}</h1>`,
    `<p class="subtitle"><strong>${escapeXml(result.dataset)}</strong> · ${escapeXml(subtitle)}</p>`,
    '</header>',
    '<main>',
    `<section class="card wide"><h2>Detection overview</h2>${overview}</section>`,
    '<div class="row">',
    `<section class="card"><h2>ROC curve</h2>${roc}</section>`,
    `<section class="card"><h2>Threshold analysis</h2>${threshold}</section>`,
    `<section class="card"><h2>Confusion matrix</h2>${confusion}</section>`,
    '</div>',
    `<section class="card wide"><h2>Metrics</h2>${metricsTable(result)}</section>`,
    `<section class="card wide"><h2>Episodes</h2>${episodesTable(result, maxEpisodes)}</section>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function metricsTable(r: EvaluationResult): string {
  const hasTruth = r.ground_truth !== 'none';
  const best = hasTruth ? bestF1Row(r.threshold_sweep) : undefined;
  const rows: [string, string, string][] = [
    ['Setup', 'Dataset', r.dataset],
    [
      'Setup',
      'Model',
      `${r.model.kind} (${r.model.components.join(', ') || 'no components'}${r.model.scale === 'log' ? '; log scale' : ''}), step ${formatDuration(r.model.step_s)}`,
    ],
    ['Setup', 'Train', `${r.train.start} to ${r.train.end} (${formatCount(r.train.points)} points)`],
    [
      'Setup',
      'Test',
      `${r.test.start} to ${r.test.end} (${formatCount(r.test.points)} points, ${formatFixed(r.test.days, 2)} days)`,
    ],
    ['Setup', 'Ground truth', r.ground_truth],
    ['Setup', 'Threshold multiplier', formatFixed(r.threshold_multiplier, 2)],
  ];
  if (hasTruth) {
    rows.push(
      [
        'Points',
        'Precision / recall / F1',
        `${formatFixed(r.point.precision)} / ${formatFixed(r.point.recall)} / ${formatFixed(r.point.f1)}`,
      ],
      [
        'Points',
        'TP / FP / FN / TN',
        [r.point.tp, r.point.fp, r.point.fn, r.point.tn].map(formatCount).join(' / '),
      ],
      [
        'Events',
        'Recall',
        `${formatFixed(r.event.recall)} (${formatCount(r.event.detected)} of ${formatCount(r.event.total)} detected)`,
      ],
      ['Events', 'Precision / F1', `${formatFixed(r.event.precision)} / ${formatFixed(r.event.f1)}`],
      ['Events', 'Mean time to detect', formatDuration(r.event.mean_time_to_detect_s)],
    );
  }
  rows.push(
    [
      'Events',
      'False-alarm episodes',
      `${formatCount(r.event.false_alarm_episodes)} (${formatFixed(r.event.false_alarms_per_day, 2)} per day)`,
    ],
    ['Ranking', 'ROC AUC / PR AUC', `${formatFixed(r.roc_auc)} / ${formatFixed(r.pr_auc)}`],
    [
      'Ranking',
      'Best-F1 threshold',
      best === undefined ? NOT_AVAILABLE : `${formatFixed(best.threshold, 2)} (F1 ${formatFixed(best.f1)})`,
    ],
    [
      'Forecast',
      'MAE / MAPE / sMAPE',
      `${formatValue(r.forecast.mae)} / ${formatValue(r.forecast.mape)} / ${formatValue(r.forecast.smape)}`,
    ],
    [
      'Forecast',
      'Interval coverage',
      `${formatPercent(r.forecast.interval_coverage)} (nominal ${formatPercent(r.interval_width)})`,
    ],
  );
  if (r.forecast.model_interval_coverage !== null) {
    rows.push(['Forecast', 'Model interval coverage', formatPercent(r.forecast.model_interval_coverage)]);
  }
  if (r.nab !== undefined) {
    rows.push([
      'NAB',
      'Standard / low FP / low FN',
      `${formatFixed(r.nab.standard, 1)} / ${formatFixed(r.nab.reward_low_fp, 1)} / ${formatFixed(r.nab.reward_low_fn, 1)}`,
    ]);
  }
  const body = rows
    .map(
      ([group, name, value]) =>
        `<tr><th scope="row"><span class="group">${escapeXml(group)}</span> ${escapeXml(name)}</th><td>${escapeXml(value)}</td></tr>`,
    )
    .join('');
  return `<table class="metrics" id="metrics"><tbody>${body}</tbody></table>`;
}

function episodesTable(r: EvaluationResult, limit: number): string {
  const top = topEpisodes(r.episodes, limit);
  if (top.length === 0) return '<p class="note">No episodes.</p>';
  const caption =
    top.length < r.episodes.length
      ? `Top ${top.length} of ${formatCount(r.episodes.length)} by peak score.`
      : `${top.length} episodes by peak score.`;
  const head = [
    'Start (UTC)',
    'End (UTC)',
    'Duration',
    'Peak score',
    'Severity',
    'Direction',
    'Cause',
    'Matched',
    'Id',
  ]
    .map((h) => `<th scope="col">${h}</th>`)
    .join('');
  const body = top
    .map((e) => {
      const cells = [
        formatTimestamp(e.start_ms),
        formatTimestamp(e.end_ms),
        formatDuration((e.end_ms - e.start_ms) / 1000),
        formatFixed(e.peak_score, 2),
        e.severity,
        e.direction > 0 ? 'up' : e.direction < 0 ? 'down' : '-',
        e.cause,
        e.matched === null ? NOT_AVAILABLE : e.matched ? 'yes' : 'no',
        e.id,
      ];
      return `<tr>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table class="episodes" id="episodes"><caption>${escapeXml(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; background: #f3f4f6; color: #111827;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.subtitle { margin: 0 0 16px; color: #4b5563; overflow-wrap: anywhere; }
main { display: flex; flex-direction: column; gap: 16px; max-width: 1320px; }
.row { display: flex; flex-wrap: wrap; gap: 16px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 16px; overflow-x: auto; }
.card h2 { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; font-family: inherit; }
.plot-bg { fill: #fff; }
.plot-frame, .empty-frame { fill: none; stroke: #9ca3af; stroke-width: 1; }
.empty-frame { stroke-dasharray: 4 4; }
.note { fill: #6b7280; color: #6b7280; font-style: italic; }
.grid { stroke: #e5e7eb; stroke-width: 1; }
.axis-line { stroke: #6b7280; stroke-width: 1; }
.tick { fill: #374151; font-size: 12px; }
.tick-date { fill: #6b7280; font-size: 11px; }
.axis-label { fill: #374151; font-size: 12px; font-weight: 600; }
.legend { fill: #374151; font-size: 12px; }
.annotation { fill: #111827; font-size: 12px; }
.band { fill: #93c5fd; fill-opacity: 0.45; stroke: none; }
.actual { fill: none; stroke: #111827; stroke-width: 1.2; stroke-linejoin: round; }
.actual-dot { fill: #111827; }
.forecast { fill: none; stroke: #2563eb; stroke-width: 1.5; stroke-linejoin: round; }
.forecast-dot { fill: #2563eb; }
.episode { fill: #f59e0b; fill-opacity: 0.18; stroke: #f59e0b; stroke-opacity: 0.5; stroke-width: 0.5; }
.label-strip { fill: #9333ea; fill-opacity: 0.75; }
.label-ring { fill: none; stroke: #9333ea; stroke-width: 1.5; }
.flag { stroke: #111827; stroke-width: 0.6; }
.sev-none { fill: #d1d5db; }
.sev-low { fill: #fde047; }
.sev-medium { fill: #fb923c; }
.sev-high { fill: #dc2626; }
.sev-critical { fill: #7f1d1d; }
.diagonal { stroke: #9ca3af; stroke-width: 1; stroke-dasharray: 5 4; }
.roc { fill: none; stroke: #ea580c; stroke-width: 2; }
.roc-area { fill: #fdba74; fill-opacity: 0.25; }
.auc { fill: #9a3412; font-size: 14px; font-weight: 600; }
.precision { fill: none; stroke: #16a34a; stroke-width: 1.8; }
.precision-dot { fill: #16a34a; }
.recall { fill: none; stroke: #2563eb; stroke-width: 1.8; }
.recall-dot { fill: #2563eb; }
.f1 { fill: none; stroke: #111827; stroke-width: 2.4; }
.f1-dot { fill: #111827; }
.configured { stroke: #dc2626; stroke-width: 1.5; stroke-dasharray: 6 3; }
.best-f1 { fill: #fff; stroke: #111827; stroke-width: 2; }
.cell-good { fill: #16a34a; }
.cell-bad { fill: #dc2626; }
.cell-name { fill: #374151; font-size: 12px; font-weight: 600; }
.cell-count { fill: #111827; font-size: 22px; font-weight: 700; }
.cell-rate { fill: #374151; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
table.metrics th { width: 280px; font-weight: 500; color: #374151; }
.group { display: inline-block; min-width: 70px; color: #6b7280; font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; }
table.episodes { font-variant-numeric: tabular-nums; }
table.episodes td:last-child { overflow-wrap: anywhere; }
caption { text-align: left; color: #6b7280; padding-bottom: 4px; }
`;
