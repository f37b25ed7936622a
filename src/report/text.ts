import type { EpisodeSummary, EvaluationResult } from '../evaluate/types';
import { bestF1Row, topEpisodes } from './select';
import {
  NOT_AVAILABLE,
  formatCount,
  formatDuration,
  formatFixed,
  formatPercent,
  formatTimestamp,
  formatValue,
  isFiniteNumber,
} from './format';

/** Options for {@link renderTextReport}. */
export interface TextReportOptions {
  /** How many episodes to list, highest peak score first. Default 10. */
  readonly maxEpisodes: number;
}

/** Defaults for {@link TextReportOptions}. */
export const DEFAULT_TEXT_REPORT_OPTIONS: TextReportOptions = { maxEpisodes: 10 };

/** Width of the label column, so every value starts in the same column. */
const LABEL_WIDTH = 24;

/**
 * Renders `evaluation_report.txt`: a plain-text, column-aligned summary meant for a terminal or a CI log.
 * Missing values (null, NaN, no ground truth) print as `n/a` rather than being hidden, so the layout is the
 * same for every run. Ends with a newline.
 */
export function renderTextReport(result: EvaluationResult, options: Partial<TextReportOptions> = {}): string {
  const opts: TextReportOptions = { ...DEFAULT_TEXT_REPORT_OPTIONS, ...options };
  const hasTruth = result.ground_truth !== 'none';
  const lines: string[] = [];
  const title = 'anomalyd evaluation report';
  lines.push(title, '='.repeat(title.length), '');

  lines.push(kv('Dataset', result.dataset));
  const components = result.model.components.length > 0 ? result.model.components.join(', ') : 'none';
  lines.push(kv('Model', result.model.kind));
  lines.push(kv('Components', components));
  lines.push(kv('Scale', result.model.scale === 'log' ? 'log (noise grows with the level)' : 'linear'));
  lines.push(kv('Step', formatDuration(result.model.step_s)));
  lines.push(
    kv(
      'Train',
      `${span(result.train.start, result.train.end)}  (${formatCount(result.train.points)} points)`,
    ),
  );
  lines.push(
    kv(
      'Test',
      `${span(result.test.start, result.test.end)}  (${formatCount(result.test.points)} points, ` +
        `${formatFixed(result.test.days, 2)} days)`,
    ),
  );
  lines.push(kv('Ground truth', result.ground_truth));
  lines.push(kv('Interval width', formatPercent(result.interval_width)));
  lines.push(kv('Threshold multiplier', formatFixed(result.threshold_multiplier, 2)));
  lines.push('');

  lines.push('Point metrics');
  if (hasTruth) {
    const p = result.point;
    lines.push(kv('Precision', formatFixed(p.precision), 2));
    lines.push(kv('Recall', formatFixed(p.recall), 2));
    lines.push(kv('F1', formatFixed(p.f1), 2));
    lines.push(kv('Confusion', '', 2).trimEnd());
    lines.push(...confusionTable(p.tp, p.fp, p.fn, p.tn).map((l) => `    ${l}`));
  } else {
    lines.push(`  ${noTruthNote()}`);
  }
  lines.push('');

  lines.push('Event metrics');
  const e = result.event;
  if (hasTruth) {
    lines.push(
      kv(
        'Recall',
        `${formatFixed(e.recall)}  (${formatCount(e.detected)} of ${formatCount(e.total)} events detected)`,
        2,
      ),
    );
    lines.push(kv('Precision', formatFixed(e.precision), 2));
    lines.push(kv('F1', formatFixed(e.f1), 2));
    lines.push(kv('Mean time to detect', mttd(e.mean_time_to_detect_s), 2));
  }
  lines.push(kv('False-alarm episodes', formatCount(e.false_alarm_episodes), 2));
  lines.push(kv('False alarms per day', formatFixed(e.false_alarms_per_day, 2), 2));
  lines.push('');

  lines.push('Ranking');
  lines.push(kv('ROC AUC', formatFixed(result.roc_auc), 2));
  lines.push(kv('PR AUC', formatFixed(result.pr_auc), 2));
  // Without ground truth every F1 in the sweep is 0 or undefined; there is no best threshold to name.
  const best = hasTruth ? bestF1Row(result.threshold_sweep) : undefined;
  lines.push(
    kv(
      'Best-F1 threshold',
      best === undefined
        ? NOT_AVAILABLE
        : `${formatFixed(best.threshold, 2)}  (F1 ${formatFixed(best.f1)}, precision ${formatFixed(best.precision)}, ` +
            `recall ${formatFixed(best.recall)}, ${formatCount(best.flagged)} flagged)`,
      2,
    ),
  );
  lines.push('');

  const f = result.forecast;
  lines.push('Forecast accuracy');
  lines.push(kv('Points', formatCount(f.points), 2));
  lines.push(kv('MAE', formatValue(f.mae), 2));
  lines.push(kv('MAPE', formatValue(f.mape), 2));
  lines.push(kv('sMAPE', formatValue(f.smape), 2));
  lines.push(
    kv(
      'Interval coverage',
      `${formatPercent(f.interval_coverage)}  (nominal ${formatPercent(result.interval_width)})`,
      2,
    ),
  );
  if (f.model_interval_coverage !== null) {
    lines.push(kv('Model interval coverage', formatPercent(f.model_interval_coverage), 2));
  }
  lines.push('');

  if (result.nab !== undefined) {
    lines.push('NAB scores');
    lines.push(kv('Standard', formatFixed(result.nab.standard, 1), 2));
    lines.push(kv('Reward low FP', formatFixed(result.nab.reward_low_fp, 1), 2));
    lines.push(kv('Reward low FN', formatFixed(result.nab.reward_low_fn, 1), 2));
    lines.push('');
  }

  const top = topEpisodes(result.episodes, opts.maxEpisodes);
  const heading =
    top.length < result.episodes.length
      ? `Episodes (top ${top.length} of ${formatCount(result.episodes.length)} by peak score)`
      : `Episodes (${formatCount(result.episodes.length)})`;
  lines.push(heading);
  if (top.length === 0) lines.push('  none');
  else lines.push(...episodeTable(top).map((l) => `  ${l}`));

  return `${lines.join('\n')}\n`;
}

function kv(label: string, value: string, indent = 0): string {
  const pad = ' '.repeat(indent);
  return `${pad}${label.padEnd(LABEL_WIDTH - indent)}${value}`;
}

function span(start: string, end: string): string {
  return `${start === '' ? NOT_AVAILABLE : start} to ${end === '' ? NOT_AVAILABLE : end}`;
}

function mttd(seconds: number | null): string {
  if (!isFiniteNumber(seconds)) return `${NOT_AVAILABLE} (no event detected)`;
  // The raw seconds too, for grepping and comparing runs, unless the duration already is plain seconds.
  return Math.abs(seconds) < 60
    ? formatDuration(seconds)
    : `${formatDuration(seconds)}  (${formatFixed(seconds, 0)} s)`;
}

function noTruthNote(): string {
  return 'No ground truth: precision, recall and the confusion matrix are not defined.';
}

function confusionTable(tp: number, fp: number, fn: number, tn: number): string[] {
  const rows: string[][] = [
    ['', 'flagged', 'not flagged'],
    ['anomalous', formatCount(tp), formatCount(fn)],
    ['normal', formatCount(fp), formatCount(tn)],
  ];
  return alignColumns(rows, ['left', 'right', 'right']);
}

function episodeTable(episodes: readonly EpisodeSummary[]): string[] {
  const rows: string[][] = [
    ['start (UTC)', 'end (UTC)', 'duration', 'peak', 'severity', 'dir', 'cause', 'matched', 'id'],
  ];
  for (const ep of episodes) {
    rows.push([
      formatTimestamp(ep.start_ms),
      formatTimestamp(ep.end_ms),
      formatDuration((ep.end_ms - ep.start_ms) / 1000),
      formatFixed(ep.peak_score, 2),
      ep.severity,
      direction(ep.direction),
      ep.cause,
      ep.matched === null ? NOT_AVAILABLE : ep.matched ? 'yes' : 'no',
      ep.id,
    ]);
  }
  return alignColumns(rows, ['left', 'left', 'right', 'right', 'left', 'left', 'left', 'left', 'left']);
}

function direction(d: number): string {
  if (d > 0) return 'up';
  if (d < 0) return 'down';
  return '-';
}

function alignColumns(rows: readonly string[][], align: readonly ('left' | 'right')[]): string[] {
  const widths = align.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
