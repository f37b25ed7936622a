/**
 * `node dist/bench/nabDiagnose.js [--file SUBSTRING] [--episodes]`: where the NAB alerts come from.
 *
 * Runs the corpus exactly like bench/nab.ts (probationary rows train, the rest streams through the product's
 * backtest with the default config) and prints, per file, the alerts inside and outside windows, the raw
 * standard-profile score of the product's alert mapping and what the false alerts cost, then the false
 * alerts of the whole corpus by cause (band vs drift), by how they opened (a single spike over
 * `immediate_score` or N-of-M) and by days since the last fit. `--episodes` lists every episode of the
 * selected files; `--plot DIR` writes an SVG per selected file (values, forecast band, windows shaded, alerts
 * as red ticks). Nothing else is written; it is a diagnosis aid, not a benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import { NAB_PROFILES, nabBaselines, scoreNabDetections } from '../src/evaluate/nab';
import { createForecaster } from '../src/model/forecaster';
import { parseWindowsJson, readDatasetCsv } from '../src/sources/csv';
import { nabFileList, streamNabFile } from './nab';

interface Args {
  readonly file?: string;
  readonly episodes: boolean;
  readonly plotDir?: string;
}

function parseArgs(argv: readonly string[]): Args {
  let file: string | undefined;
  let episodes = false;
  let plotDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--file') file = argv[++i];
    else if (argv[i] === '--episodes') episodes = true;
    else if (argv[i] === '--plot') plotDir = argv[++i];
    else
      throw new Error(
        `unknown argument ${argv[i]}; usage: nabDiagnose.js [--file SUBSTRING] [--episodes] [--plot DIR]`,
      );
  }
  return {
    ...(file !== undefined ? { file } : {}),
    episodes,
    ...(plotDir !== undefined ? { plotDir } : {}),
  };
}

const DAY_MS = 86_400_000;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, '..', '..');
  const { labelsPath, labelsText, files } = nabFileList(root);
  // NAB_DETECTION (JSON) merges over the default detection options, for what-if runs.
  const over = JSON.parse(process.env.NAB_DETECTION ?? '{}') as Record<string, unknown>;
  const base0 = DEFAULT_CONFIG;
  const cfg = {
    ...base0,
    detection: {
      ...base0.detection,
      ...over,
      episode: { ...base0.detection.episode, ...(over.episode as object) },
      drift: { ...base0.detection.drift, ...(over.drift as object) },
    },
  };
  const profile = NAB_PROFILES.standard;
  let raw = 0;
  let nullRaw = 0;
  let windowsTotal = 0;
  const byCause = new Map<string, { n: number; cost: number }>();
  const add = (key: string, cost: number): void => {
    const e = byCause.get(key) ?? { n: 0, cost: 0 };
    e.n++;
    e.cost += cost;
    byCause.set(key, e);
  };
  process.stdout.write(
    `${'file'.padEnd(58)} win  hit  early  fpAl  fpCost    raw  spike/nofm/drift  comps\n`,
  );
  for (const file of files) {
    if (args.file !== undefined && !file.includes(args.file)) continue;
    const { series } = readDatasetCsv(path.join(root, 'datasets', 'nab', file), { repairTimestamps: true });
    const windows = parseWindowsJson(labelsText, labelsPath, file);
    const n = series.timestampsMs.length;
    const { out, trainRows } = streamNabFile(file, series, windows, createForecaster(cfg.model), cfg);
    const bt = out.backtest;
    const detections = new Uint8Array(n);
    detections.set(bt.alerts, trainRows);
    const layout = { timestampsMs: series.timestampsMs, windows };
    const score = scoreNabDetections(layout, detections, profile);
    const base = nabBaselines([layout], profile);
    raw += score.score;
    nullRaw += base.nullScore;
    windowsTotal += windows.length;
    const inWindow = (t: number): number => windows.findIndex(([a, b]) => t >= a && t <= b);
    const hitWindows = new Set<number>();
    let earliest = 0;
    let fpAlerts = 0;
    const fpKinds = { spike: 0, nofm: 0, drift: 0 };
    let fpCost = 0;
    const ts = series.timestampsMs;
    const score0 = bt.points.score;
    const episodesById = new Map(bt.episodes.map((e) => [e.id, e]));
    for (let i = 0; i < bt.alerts.length; i++) {
      if (bt.alerts[i] !== 1) continue;
      const t = ts[trainRows + i];
      const w = inWindow(t);
      if (w >= 0) {
        if (!hitWindows.has(w)) {
          hitWindows.add(w);
          const [a, b] = windows[w];
          earliest += (t - a) / (b - a);
        }
        continue;
      }
      fpAlerts++;
      // Cost as NAB's sweep would charge it: recompute with this single detection.
      const single = new Uint8Array(n);
      single[trainRows + i] = 1;
      const c = scoreNabDetections(layout, single, profile).score - base.nullScore;
      fpCost += c;
      const ep = episodesById.get(bt.points.episodeId[i]);
      const opened = score0[i] >= cfg.detection.episode.immediateScore ? 'spike' : 'n-of-m/drift';
      add(`cause=${ep?.cause ?? '?'}`, c);
      if (ep?.cause === 'drift') fpKinds.drift++;
      else if (score0[i] >= cfg.detection.episode.immediateScore) fpKinds.spike++;
      else fpKinds.nofm++;
      add(`opened=${opened}`, c);
      const days = Math.floor((t - ts[trainRows - 1]) / DAY_MS);
      add(`day=${days < 3 ? String(days) : days < 7 ? '3-6' : days < 14 ? '7-13' : '14+'}`, c);
    }
    process.stdout.write(
      `${file.padEnd(58)} ${String(windows.length).padStart(3)} ${String(hitWindows.size).padStart(4)} ${(hitWindows.size >
      0
        ? earliest / hitWindows.size
        : Number.NaN
      )
        .toFixed(2)
        .padStart(6)} ${String(fpAlerts).padStart(5)} ${fpCost.toFixed(2).padStart(7)} ${score.score
        .toFixed(2)
        .padStart(
          6,
        )}  s${fpKinds.spike}/n${fpKinds.nofm}/d${fpKinds.drift}  ${bt.initialModel.components.join('+')}\n`,
    );
    if (args.plotDir !== undefined) {
      fs.mkdirSync(args.plotDir, { recursive: true });
      const name = path.join(args.plotDir, `${path.basename(file, '.csv')}.svg`);
      fs.writeFileSync(name, plotSvg(series.timestampsMs, series.values, trainRows, bt, windows));
    }
    if (args.episodes) {
      for (const e of bt.episodes) {
        const w = inWindow(e.startMs);
        process.stdout.write(
          `    ${new Date(e.startMs).toISOString()} .. ${new Date(e.endMs).toISOString()} ${e.cause} peak ${e.peakScore.toFixed(
            1,
          )} pts ${e.points}${w >= 0 ? ` IN window ${w}` : ''}\n`,
        );
      }
      for (const [a, b] of windows) {
        process.stdout.write(`    window ${new Date(a).toISOString()} .. ${new Date(b).toISOString()}\n`);
      }
    }
  }
  const normalised = (100 * (raw - nullRaw)) / (windowsTotal - nullRaw);
  process.stdout.write(
    `\nraw ${raw.toFixed(2)}, null ${nullRaw.toFixed(2)}, perfect ${windowsTotal}: standard ${normalised.toFixed(
      1,
    )} at threshold "alert" (the corpus optimiser may still prefer never alerting)\n`,
  );
  for (const [key, v] of [...byCause.entries()].sort()) {
    process.stdout.write(
      `  false alerts ${key.padEnd(22)} ${String(v.n).padStart(5)}  cost ${v.cost.toFixed(2)}\n`,
    );
  }
}

main();

/** A plain SVG of one file: values (black), forecast band (blue), windows (green), alerts (red ticks). */
function plotSvg(
  ts: Float64Array,
  values: Float64Array,
  trainRows: number,
  bt: { readonly points: { lower: Float64Array; upper: Float64Array }; readonly alerts: Uint8Array },
  windows: readonly (readonly [number, number])[],
): string {
  const width = 1800;
  const height = 500;
  const n = ts.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const pad = (hi - lo) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  const x = (t: number): number => ((t - ts[0]) / (ts[n - 1] - ts[0])) * width;
  const y = (v: number): number => height - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * height;
  const line = (get: (i: number) => number, from: number, colour: string): string => {
    const parts: string[] = [];
    for (let i = from; i < n; i++) {
      const v = get(i);
      if (Number.isFinite(v)) parts.push(`${x(ts[i]).toFixed(1)},${y(v).toFixed(1)}`);
    }
    return `<polyline fill="none" stroke="${colour}" stroke-width="0.7" points="${parts.join(' ')}"/>`;
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  for (const [a, b] of windows) {
    out.push(
      `<rect x="${x(a).toFixed(1)}" y="0" width="${Math.max(1, x(b) - x(a)).toFixed(1)}" height="${height}" fill="#cfc"/>`,
    );
  }
  out.push(`<line x1="${x(ts[trainRows])}" x2="${x(ts[trainRows])}" y1="0" y2="${height}" stroke="#888"/>`);
  out.push(line((i) => bt.points.lower[i - trainRows], trainRows, '#88f'));
  out.push(line((i) => bt.points.upper[i - trainRows], trainRows, '#88f'));
  out.push(line((i) => values[i], 0, 'black'));
  for (let i = 0; i < bt.alerts.length; i++) {
    if (bt.alerts[i] === 1) {
      const px = x(ts[trainRows + i]).toFixed(1);
      out.push(`<line x1="${px}" x2="${px}" y1="0" y2="30" stroke="red" stroke-width="2"/>`);
    }
  }
  out.push('</svg>');
  return out.join('\n');
}
