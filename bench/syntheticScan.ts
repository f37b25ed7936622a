/**
 * `node dist/bench/syntheticScan.js [--seeds 30] [--from 101] [--step 5m|1m] [--kinds cpu,memory,latency]
 * [--list] [--clean] [--episode key=value] [--drift key=value] [--model key=value]`: the synthetic suite's
 * protocol for the default model only (no Prophet/MSTL), over many seeds, in seconds. Prints event recall
 * per anomaly type and metric kind, false-alarm episodes per series-day and interval coverage (`cov` of the
 * judged band, `mcov` of the model's own interval); `--list` adds every series' missed events and false
 * episodes; `--clean` generates the series without anomalies (coverage on clean data). For iterating on
 * detection; `npm run bench` remains the measurement of record.
 */
import { ANOMALY_TYPES, type MetricKind } from '../src/sources/simulator';
import { createForecaster } from '../src/model/forecaster';
import { seasonalOptionsOf } from '../src/pipeline/forecasterFactory';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import {
  evaluateSpec,
  generateSpec,
  spec1m,
  spec5m,
  summariseSynthetic,
  SYNTHETIC_KINDS,
  type SliceRecall,
  type SyntheticSeriesResult,
} from './synthetic';

interface ScanArgs {
  seeds: number;
  from: number;
  step: '5m' | '1m';
  kinds: MetricKind[];
  list: boolean;
  /** Series without anomalies. */
  clean: boolean;
  /** Overrides of the episode rule, to explore (e.g. `--episode immediateScore=2.5`). */
  episode: Record<string, number>;
  /** Overrides of the drift detector (e.g. `--drift k=0.3`). */
  drift: Record<string, number>;
  /** Overrides of the seasonal model's options (e.g. `--model weeklyOrder=6`). */
  model: Record<string, number>;
}

function parseArgs(argv: readonly string[]): ScanArgs {
  const args: ScanArgs = {
    seeds: 30,
    from: 101,
    step: '5m',
    kinds: [...SYNTHETIC_KINDS],
    list: false,
    clean: false,
    episode: {},
    drift: {},
    model: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seeds') args.seeds = Number(next());
    else if (a === '--from') args.from = Number(next());
    else if (a === '--step') {
      const v = next();
      if (v !== '5m' && v !== '1m') throw new Error('--step is 5m or 1m');
      args.step = v;
    } else if (a === '--kinds') args.kinds = next().split(',') as MetricKind[];
    else if (a === '--list') args.list = true;
    else if (a === '--clean') args.clean = true;
    else if (a === '--episode' || a === '--drift' || a === '--model') {
      const [key, value] = next().split('=');
      args[a === '--episode' ? 'episode' : a === '--drift' ? 'drift' : 'model'][key] = Number(value);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const pct = (x: SliceRecall): string =>
  x.total === 0 ? '   -   ' : `${x.recall.toFixed(2)} ${x.detected}/${x.total}`;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const rows: SyntheticSeriesResult[] = [];
  const details: string[] = [];
  const t0 = performance.now();
  for (let s = 0; s < args.seeds; s++) {
    for (const kind of args.kinds) {
      const base = args.step === '5m' ? spec5m(kind, args.from + s) : spec1m(kind, args.from + s);
      const spec = args.clean ? { ...base, anomalies: 0 } : base;
      const g = generateSpec(spec);
      const forecaster = createForecaster({ ...seasonalOptionsOf(DEFAULT_CONFIG.model), ...args.model });
      const detection = {
        ...DEFAULT_CONFIG.detection,
        episode: { ...DEFAULT_CONFIG.detection.episode, ...args.episode },
        drift: { ...DEFAULT_CONFIG.detection.drift, ...args.drift },
      };
      const row = evaluateSpec(spec, g, 'anomalyd', forecaster, detection);
      rows.push(row);
      if (args.list) {
        const missed = Object.entries(row.by_type)
          .filter(([, t]) => t.detected < t.total)
          .map(([type, t]) => `${type} ${t.total - t.detected}`);
        details.push(
          `${spec.name}: ${row.events_detected}/${row.events_total} false ${row.false_alarm_episodes} ` +
            `cov ${row.interval_coverage.toFixed(3)}${missed.length > 0 ? ` missed: ${missed.join(', ')}` : ''}`,
        );
      }
    }
  }
  if (args.list) process.stdout.write(`${details.join('\n')}\n\n`);
  const header = ['kind', 'recall', 'FA/day', 'cov', 'mcov', 'F1', ...ANOMALY_TYPES, 'subtle'];
  const lines = [header.join('\t')];
  const groups: Array<[string, SyntheticSeriesResult[]]> = [
    ...args.kinds.map((k): [string, SyntheticSeriesResult[]] => [
      k,
      rows.filter((r) => r.series.startsWith(`${k}-`)),
    ]),
    ['all', rows],
  ];
  for (const [name, group] of groups) {
    const sum = summariseSynthetic(group);
    lines.push(
      [
        name,
        sum.event_recall.toFixed(3),
        sum.false_alarms_per_series_day.toFixed(3),
        sum.interval_coverage.toFixed(3),
        sum.model_interval_coverage.toFixed(3),
        sum.point_f1.toFixed(3),
        ...ANOMALY_TYPES.map((t) => pct(sum.by_type[t])),
        pct(sum.subtle),
      ].join('\t'),
    );
  }
  process.stdout.write(
    `${lines.join('\n')}\n(${rows.length} series, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
  );
}

main();
