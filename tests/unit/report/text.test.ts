import { bestF1Row, renderTextReport, topEpisodes } from '../../../src/report';
import { knownResult } from './known';

/** The value printed after a label, i.e. the rest of the line that starts with it (after indentation). */
function valueOf(report: string, label: string): string {
  const line = report.split('\n').find((l) => l.trimStart().startsWith(`${label} `));
  if (line === undefined) throw new Error(`no line for ${label} in:\n${report}`);
  return line.trimStart().slice(label.length).trim();
}

describe('renderTextReport', () => {
  const report = renderTextReport(knownResult());

  it('describes the setup: dataset, model and components, spans, ground truth', () => {
    expect(valueOf(report, 'Dataset')).toBe('nab/machine_temperature');
    expect(valueOf(report, 'Model')).toBe('seasonal');
    expect(valueOf(report, 'Components')).toBe('trend, daily, weekly');
    expect(valueOf(report, 'Scale')).toBe('log (noise grows with the level)');
    expect(valueOf(report, 'Train')).toBe('2026-01-01T00:00:00Z to 2026-01-28T23:55:00Z  (8,064 points)');
    expect(valueOf(report, 'Test')).toBe(
      '2026-01-29T00:00:00Z to 2026-02-04T23:55:00Z  (2,016 points, 7.00 days)',
    );
    expect(valueOf(report, 'Ground truth')).toBe('labels');
    expect(valueOf(report, 'Threshold multiplier')).toBe('1.25');
  });

  it('prints point metrics and the confusion matrix with truth as rows and verdict as columns', () => {
    expect(report).toContain(
      '  Precision             0.800\n  Recall                0.500\n  F1                    0.615',
    );
    expect(report).toContain(
      [
        '               flagged  not flagged',
        '    anomalous       40           40',
        '    normal          10        1,926',
      ].join('\n'),
    );
  });

  it('prints event metrics with detected/total, false alarms per day and the time to detect', () => {
    const events = report.slice(report.indexOf('Event metrics'), report.indexOf('Ranking'));
    expect(valueOf(events, 'Recall')).toBe('0.750  (3 of 4 events detected)');
    expect(valueOf(events, 'False-alarm episodes')).toBe('2');
    expect(valueOf(events, 'False alarms per day')).toBe('0.29');
    expect(valueOf(events, 'Mean time to detect')).toBe('12m 30s  (750 s)');
  });

  it('prints the AUCs, the best-F1 threshold of the sweep, forecast accuracy and NAB scores', () => {
    expect(valueOf(report, 'ROC AUC')).toBe('0.912');
    expect(valueOf(report, 'PR AUC')).toBe('0.654');
    expect(valueOf(report, 'Best-F1 threshold')).toBe(
      '1.50  (F1 0.668, precision 0.850, recall 0.550, 52 flagged)',
    );
    expect(valueOf(report, 'MAE')).toBe('1.235');
    expect(valueOf(report, 'Interval coverage')).toBe('93.1 %  (nominal 95.0 %)');
    expect(valueOf(report, 'Standard')).toBe('61.3');
    expect(valueOf(report, 'Reward low FP')).toBe('55.5');
    expect(valueOf(report, 'Reward low FN')).toBe('66.8');
  });

  it('lists episodes by peak score, highest first, and says when the list is cut', () => {
    const cut = renderTextReport(knownResult(), { maxEpisodes: 2 });
    expect(cut).toContain('Episodes (top 2 of 3 by peak score)');
    const lines = cut.split('\n');
    const critical = lines.findIndex((l) => l.includes('ep-critical'));
    const high = lines.findIndex((l) => l.includes('ep-high'));
    expect(critical).toBeGreaterThan(0);
    expect(high).toBe(critical + 1);
    expect(cut).not.toContain('ep-low');
    expect(lines[critical]).toContain(
      '2026-02-02 12:00:00Z  2026-02-02 13:30:00Z  1h 30m 00s  6.20  CRITICAL  down',
    );
  });

  it('aligns every top-level value in one column', () => {
    const starts = ['Dataset', 'Model', 'Ground truth', 'Interval width'].map((label) => {
      const line = report.split('\n').find((l) => l.startsWith(label)) ?? '';
      return line.length - line.slice(label.length).trimStart().length;
    });
    expect(new Set(starts).size).toBe(1);
  });

  it('omits the NAB section when there are no NAB scores and prints n/a for missing values', () => {
    const r = renderTextReport(
      knownResult({
        nab: undefined,
        roc_auc: null,
        forecast: {
          mae: NaN,
          mape: null,
          smape: 0.1,
          interval_coverage: 0.9,
          model_interval_coverage: null,
          points: 3,
        },
        event: { ...knownResult().event, mean_time_to_detect_s: null },
      }),
    );
    expect(r).not.toContain('NAB scores');
    expect(valueOf(r, 'ROC AUC')).toBe('n/a');
    expect(valueOf(r, 'MAE')).toBe('n/a');
    expect(valueOf(r, 'MAPE')).toBe('n/a');
    expect(valueOf(r, 'Mean time to detect')).toBe('n/a (no event detected)');
    expect(r).not.toMatch(/NaN|Infinity|undefined|null/);
  });

  it('explains instead of printing precision and recall when there is no ground truth', () => {
    const r = renderTextReport(knownResult({ ground_truth: 'none', roc_auc: null, pr_auc: null }));
    expect(r).toContain('No ground truth');
    expect(r).not.toMatch(/^ {2}Precision/m);
    expect(r).toContain('False-alarm episodes');
    expect(valueOf(r, 'Best-F1 threshold')).toBe('n/a');
  });

  it('says "none" for an evaluation without episodes', () => {
    expect(renderTextReport(knownResult({ episodes: [] }))).toMatch(/Episodes \(0\)\n {2}none\n$/);
  });
});

describe('bestF1Row', () => {
  it('picks the highest finite F1 and prefers the higher threshold on a tie', () => {
    const rows = [
      { threshold: 1, precision: 0.5, recall: 0.5, f1: 0.5, fpr: 0, tpr: 0.5, flagged: 1 },
      { threshold: 2, precision: 0.5, recall: 0.5, f1: 0.5, fpr: 0, tpr: 0.5, flagged: 1 },
      { threshold: 3, precision: NaN, recall: 0, f1: NaN, fpr: 0, tpr: 0, flagged: 0 },
    ];
    expect(bestF1Row(rows)?.threshold).toBe(2);
    expect(bestF1Row([])).toBeUndefined();
    // All-zero F1 (e.g. no positives) names no threshold.
    expect(bestF1Row(rows.map((r) => ({ ...r, f1: 0 })))).toBeUndefined();
  });
});

describe('topEpisodes', () => {
  it('returns at most the limit, by peak score descending', () => {
    expect(topEpisodes(knownResult().episodes, 5).map((e) => e.id)).toEqual([
      'ep-critical',
      'ep-high',
      'ep-low',
    ]);
    expect(topEpisodes(knownResult().episodes, 0)).toEqual([]);
  });
});
