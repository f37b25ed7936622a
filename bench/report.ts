import type { MachineInfo } from './common';
import type { DaemonResult } from './daemon';
import type { NabScores } from '../src/evaluate/types';
import type { NabResult } from './nab';
import { checkTargets } from './results';
import type { SmdAsdResult } from './smdAsd';
import type { FleetResult, ScoringResult } from './speed';
import type { CleanCoverage, SyntheticResult } from './synthetic';
import { MODEL_NAMES } from './models';
import { ANOMALY_TYPES } from '../src/sources/simulator';

/** Everything one bench run measured (suites that failed are absent and listed in `errors`). */
export interface BenchResults {
  readonly date: string;
  readonly quick: boolean;
  readonly commands: readonly string[];
  readonly machine: MachineInfo;
  readonly load: {
    readonly start: string;
    readonly end: string;
    readonly loadavg_start: readonly number[];
    readonly loadavg_end: readonly number[];
  };
  readonly wall_s: number;
  readonly peak_rss_mb: number;
  readonly fit?: Record<string, Record<string, number>>;
  readonly fleet?: FleetResult;
  readonly scoring?: ScoringResult;
  readonly synthetic?: SyntheticResult['summary'] &
    Pick<SyntheticResult, 'series' | 'excluded_series'> &
    Partial<Pick<SyntheticResult, 'clean_coverage'>>;
  readonly nab?: NabResult & {
    readonly scoreboard: Record<string, NabScores>;
    readonly other_models: Partial<Record<string, Omit<NabResult, 'per_file'>>>;
  };
  readonly smd?: SmdAsdResult['smd'];
  readonly asd?: SmdAsdResult['asd'];
  readonly daemon?: DaemonResult;
  readonly suite_seconds: Record<string, number>;
  readonly errors: Record<string, string>;
}

const f = (x: number | undefined | null, d = 1): string =>
  x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);
const big = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : Math.round(x).toLocaleString('en-US');

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The headline tables (used on stdout and in RESULTS.md). */
/** The clean-data coverage rows ('' for results written before they existed). */
function cleanCoverageTable(clean: Record<string, CleanCoverage> | undefined): string {
  if (clean === undefined) return '';
  const rows = Object.entries(clean).map(([key, c]) => [
    key.replace('_', ' '),
    String(c.series),
    f(c.model_interval_coverage, 3),
    f(c.interval_coverage, 3),
    // 'n/a' in results written before the clean false-alarm rate was measured.
    f(c.false_alarms_per_series_day, 3),
  ]);
  return (
    '\n\nThe default model on the same series without anomalies (clean data, daily refits; every episode there is false):\n\n' +
    table(
      [
        'series',
        'count',
        'model interval coverage (95%)',
        'judged band coverage',
        'false alarms / series-day',
      ],
      rows,
    )
  );
}

export function headlineTables(r: BenchResults): string {
  const parts: string[] = [];
  if (r.fit) {
    const rows = Object.entries(r.fit).map(([k, c]) => [
      k,
      big(c.points),
      f(c.anomalyd_ms, 1),
      f(c.prophet_ms, 0),
      f(c.mstl_ms, 0),
      `${f(c.speedup_vs_prophet, 1)}x`,
      `${f(c.speedup_vs_mstl, 1)}x`,
      `${f(c.anomalyd_predict_ms, 2)} / ${f(c.prophet_predict_ms, 1)} / ${f(c.mstl_predict_ms, 2)}`,
    ]);
    parts.push(
      '### Fit time per series (median wall ms)\n\n' +
        table(
          [
            'case',
            'points',
            'anomalyd',
            'Prophet',
            'MSTL',
            'vs Prophet',
            'vs MSTL',
            'predict 1 day (a / P / M)',
          ],
          rows,
        ),
    );
  }
  const speed: string[][] = [];
  if (r.fleet)
    speed.push([
      'fleet fit (5-min/2-week)',
      `${big(r.fleet.series)} series in ${f(r.fleet.fit_s, 1)} s; ${f(r.fleet.fit_s_per_10k, 1)} s per 10,000`,
    ]);
  if (r.scoring) {
    speed.push([
      'scoring, SeriesDetector over forecasts (observeColumns)',
      `${big(r.scoring.points_per_s_per_core)} points/s/core`,
    ]);
    speed.push([
      'scoring, observeMany (a ScoredPoint per point)',
      `${big(r.scoring.observe_many_per_s_per_core)} points/s/core`,
    ]);
    speed.push(['scoring, scorePoint alone', `${big(r.scoring.score_point_per_s_per_core)} points/s/core`]);
    speed.push([
      'end to end, observeBatch 1 point/call',
      `${big(r.scoring.observe_batch_1_per_s_per_core)} points/s/core`,
    ]);
    speed.push([
      'end to end, observeBatch 288 points/call',
      `${big(r.scoring.observe_batch_288_per_s_per_core)} points/s/core`,
    ]);
  }
  if (r.daemon) {
    const d = r.daemon;
    speed.push([
      `daemon, ${big(d.series)} series @ ${d.interval_s} s`,
      `CPU ${f(d.cpu_fraction * 100, 2)}% of a core (${f(d.cpu_fraction_with_refits * 100, 2)}% with refits), RSS ${f(d.rss_mb, 0)} MB (peak ${f(d.peak_rss_mb, 0)} MB), ` +
        `${big(d.points_written_per_s)} points/s written (${big(d.points_required_per_s)} needed), sample-to-write p50 ${f(d.sample_to_write_ms_p50, 0)} ms`,
    ]);
  }
  if (speed.length > 0) parts.push('### Speed and scale\n\n' + table(['what', 'result'], speed));
  if (r.synthetic) {
    const s = r.synthetic;
    const rows = MODEL_NAMES.map((m) => [
      m,
      f(s[m].event_recall, 3),
      f(s[m].false_alarms_per_series_day, 3),
      f(s[m].point_f1, 3),
      f(s[m].interval_coverage, 3),
      // Results files written before the model's own interval was recorded have no such figure.
      f((s[m] as Partial<(typeof s)[typeof m]>).model_interval_coverage ?? Number.NaN, 3),
      f(s[m].mae_over_noise, 2),
      `${s[m].series}${s[m].failed_series > 0 ? ` (${s[m].failed_series} failed)` : ''}`,
      f(s[m].wall_s, 1),
    ]);
    const excluded =
      s.excluded_series.length > 0
        ? `\n\nLeft out of every model's figures because a model failed on them: ${s.excluded_series.join(', ')}.`
        : '';
    parts.push(
      '### Synthetic suite\n\n' +
        table(
          [
            'model',
            'event recall',
            'false alarms / series-day',
            'point F1',
            'coverage, judged band (95%)',
            'coverage, model interval (95%)',
            'MAE / noise',
            'series',
            'wall s',
          ],
          rows,
        ) +
        excluded +
        cleanCoverageTable(s.clean_coverage) +
        '\n\nEvent recall per anomaly type (found / total):\n\n' +
        table(
          ['model', ...ANOMALY_TYPES, 'subtle'],
          MODEL_NAMES.map((m) => {
            const slice = (x: { detected: number; total: number; recall: number } | undefined): string =>
              x === undefined || x.total === 0 ? 'n/a' : `${f(x.recall, 2)} (${x.detected}/${x.total})`;
            // Results files written before the breakdown existed have no by_type.
            const byType = (s[m] as Partial<(typeof s)[typeof m]>).by_type;
            return [m, ...ANOMALY_TYPES.map((t) => slice(byType?.[t])), slice(s[m].subtle)];
          }),
        ),
    );
  }
  if (r.nab) {
    const rows = Object.entries(r.nab.mappings).map(([m, s]) => [
      m === r.nab?.mapping ? `anomalyd: **${m}** (product)` : `anomalyd: ${m}`,
      f(s.standard, 1),
      f(s.reward_low_fp, 1),
      f(s.reward_low_fn, 1),
    ]);
    for (const [model, other] of Object.entries(r.nab.other_models)) {
      if (other === undefined) continue;
      rows.push([
        `${model}: ${other.mapping}`,
        f(other.standard, 1),
        f(other.reward_low_fp, 1),
        f(other.reward_low_fn, 1),
      ]);
      const alt = other.mappings.alert_score;
      rows.push([
        `${model}: alert_score`,
        f(alt.standard, 1),
        f(alt.reward_low_fp, 1),
        f(alt.reward_low_fn, 1),
      ]);
    }
    for (const ref of ['ARTime', 'numenta', 'knncad', 'random', 'null']) {
      const s = r.nab.scoreboard[ref];
      if (s !== undefined)
        rows.push([`published: ${ref}`, f(s.standard, 1), f(s.reward_low_fp, 1), f(s.reward_low_fn, 1)]);
    }
    parts.push(
      `### NAB (${r.nab.files} files${r.nab.failed_files > 0 ? `, ${r.nab.failed_files} failed` : ''}, ${r.nab.windows} windows)\n\n` +
        table(['likelihood mapping', 'standard', 'reward_low_FP', 'reward_low_FN'], rows),
    );
  }
  const mm = [
    r.smd ? (['SMD machine-3-3', r.smd] as const) : undefined,
    r.asd ? (['ASD', r.asd] as const) : undefined,
  ].filter((x) => x !== undefined);
  if (mm.length > 0) {
    parts.push(
      '### SMD / ASD (default model, univariate per metric)\n\n' +
        table(
          [
            'dataset',
            'series',
            'event recall (metric-level)',
            'entity event recall',
            'false alarms / series-day',
            'point F1',
          ],
          mm.map(([name, s]) => [
            `${name} (${s.entities} entities)`,
            String(s.series),
            `${f(s.event_recall, 3)} of ${s.events_total}`,
            `${f(s.entity_event_recall, 3)} of ${s.entity_events_total}`,
            f(s.false_alarms_per_series_day, 3),
            f(s.point_f1, 3),
          ]),
        ),
    );
  }
  const targets = checkTargets(r).map((t) => [
    t.target,
    t.value,
    t.met === null ? 'not measured' : t.met ? 'met' : '**not met**',
  ]);
  parts.push('### Targets (issue #5)\n\n' + table(['target', 'this run', 'status'], targets));
  if (Object.keys(r.errors).length > 0) {
    parts.push(
      '### Errors\n\n' +
        Object.entries(r.errors)
          .map(([k, v]) => `- ${k}: ${v}`)
          .join('\n'),
    );
  }
  return parts.join('\n\n');
}
