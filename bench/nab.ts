import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import { nabProbationaryLength, nabScores, type NabFile } from '../src/evaluate/nab';
import type { NabScores } from '../src/evaluate/types';
import type { AppConfig } from '../src/config/types';
import type { TimeSeries } from '../src/domain/timeSeries';
import type { TimeRange } from '../src/evaluate/events';
import type { Forecaster } from '../src/model/types';
import { evaluateSeries, type EvaluationOutput } from '../src/pipeline/evaluation';
import { parseWindowsJson, readDatasetCsv } from '../src/sources/csv';
import { type BenchContext, round, timeOnce } from './common';
import { ensureAugurs, forecasterFor, type ModelName, TrackingForecaster } from './models';
import { NAB_MAPPINGS, nabLikelihood, type NabMapping, PRODUCT_NAB_MAPPING } from './nabLikelihood';

export interface NabFileRow {
  readonly file: string;
  readonly rows: number;
  readonly step_s: number;
  readonly train_rows: number;
  readonly windows: number;
  readonly components: readonly string[];
  readonly episodes: number;
  readonly alerts: number;
  readonly wall_s: number;
  readonly error?: string;
}

/** Published NAB v1.1 scoreboard (datasets/nab/scoreboard/final_results.json), for reference. */
export function nabScoreboard(root: string): Record<string, NabScores> {
  const file = path.join(root, 'datasets', 'nab', 'scoreboard', 'final_results.json');
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, number>>;
  const out: Record<string, NabScores> = {};
  for (const [name, s] of Object.entries(raw)) {
    out[name] = {
      standard: round(s.standard, 1),
      reward_low_fp: round(s.reward_low_FP_rate, 1),
      reward_low_fn: round(s.reward_low_FN_rate, 1),
    };
  }
  return out;
}

export interface NabResult {
  /** The product's mapping (alerts), corpus-optimised thresholds, normalised 0..100. */
  readonly standard: number;
  readonly reward_low_fp: number;
  readonly reward_low_fn: number;
  readonly model: ModelName;
  readonly mapping: NabMapping;
  readonly mappings: Record<NabMapping, NabScores>;
  readonly files: number;
  readonly failed_files: number;
  readonly windows: number;
  readonly wall_s: number;
  readonly per_file: readonly NabFileRow[];
}

/** The corpus as listed by datasets/nab/labels.json (58 files), in key order. */
/**
 * Streams one NAB file through the product's path: the probationary part is the training part, the rest is
 * scored as the daemon would (refits, detection, episodes) with the given configuration.
 */
export function streamNabFile(
  file: string,
  series: TimeSeries,
  windows: readonly TimeRange[],
  forecaster: Forecaster,
  cfg: Pick<AppConfig, 'detection' | 'model'>,
): { out: EvaluationOutput; trainRows: number } {
  const n = series.timestampsMs.length;
  const trainRows = nabProbationaryLength(n);
  const out = evaluateSeries({
    datasetName: file,
    series: { timestampsMs: series.timestampsMs, values: series.values, stepMs: series.stepMs },
    groundTruth: 'windows',
    windows,
    forecaster,
    detection: cfg.detection,
    // +0.5 so splitIndex's floor lands exactly on the probationary length.
    trainRatio: (trainRows + 0.5) / n,
    retrainIntervalMs: cfg.model.retrainIntervalMs,
    trainingWindowMs: cfg.model.trainingWindowMs,
    admission: cfg.model,
  });
  const start = out.backtest.testStart;
  if (start !== trainRows) throw new Error(`${file}: split at ${start}, expected ${trainRows}`);
  return { out, trainRows };
}

export function nabFileList(root: string): { labelsPath: string; labelsText: string; files: string[] } {
  const labelsPath = path.join(root, 'datasets', 'nab', 'labels.json');
  const labelsText = fs.readFileSync(labelsPath, 'utf8');
  const files = Object.keys(JSON.parse(labelsText) as Record<string, unknown>);
  return { labelsPath, labelsText, files };
}

/**
 * The full NAB corpus with the default model. NAB's probationary rows (min(15%, 750)) are the training part;
 * the rest is streamed through the same backtest as `anomalyd evaluate`; then NAB's scorer with its three
 * profiles and corpus-wide threshold optimisation, for each likelihood mapping.
 */
export async function runNab(ctx: BenchContext, model: ModelName = 'anomalyd'): Promise<NabResult> {
  if (model !== 'anomalyd') await ensureAugurs();
  const { labelsPath, labelsText, files } = nabFileList(ctx.root);
  const cfg = DEFAULT_CONFIG;
  const perMapping: Record<NabMapping, NabFile[]> = {
    alert: [],
    alert_score: [],
    episode_rows: [],
    point_score: [],
  };
  const perFile: NabFileRow[] = [];
  let windowsTotal = 0;
  for (const file of files) {
    const csvPath = path.join(ctx.root, 'datasets', 'nab', file);
    const forecaster = new TrackingForecaster(forecasterFor(model));
    try {
      const { series } = readDatasetCsv(csvPath, { repairTimestamps: true });
      const windows = parseWindowsJson(labelsText, labelsPath, file);
      windowsTotal += windows.length;
      const n = series.timestampsMs.length;
      const { value: nabRun, timing } = timeOnce(() => streamNabFile(file, series, windows, forecaster, cfg));
      const { out, trainRows } = nabRun;
      const bt = out.backtest;
      const rows = { alerts: bt.alerts, score: bt.points.score, isAnomaly: bt.points.isAnomaly };
      for (const mapping of NAB_MAPPINGS) {
        perMapping[mapping].push({
          timestampsMs: series.timestampsMs,
          windows,
          scores: nabLikelihood(mapping, trainRows, rows),
        });
      }
      perFile.push({
        file,
        rows: n,
        step_s: series.stepMs / 1000,
        train_rows: trainRows,
        windows: windows.length,
        components: bt.initialModel.components,
        episodes: bt.episodes.length,
        alerts: bt.alerts.reduce((a, b) => a + b, 0),
        wall_s: round(timing.wallMs / 1000, 2),
      });
      ctx.log(
        `  nab ${file}: ${n} rows, ${bt.episodes.length} episodes, ${(timing.wallMs / 1000).toFixed(1)} s`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      ctx.log(`  nab ${file}: FAILED ${message}`);
      // A file the model could not run on still counts, as a detector that never fires (NAB's null score).
      const read = tryRead(csvPath);
      if (read !== undefined) {
        const windows = parseWindowsJson(labelsText, labelsPath, file);
        for (const mapping of NAB_MAPPINGS) {
          perMapping[mapping].push({ timestampsMs: read, windows, scores: new Float64Array(read.length) });
        }
      }
      perFile.push({
        file,
        rows: 0,
        step_s: 0,
        train_rows: 0,
        windows: 0,
        components: [],
        episodes: 0,
        alerts: 0,
        wall_s: 0,
        error: message,
      });
    } finally {
      forecaster.disposeAll();
    }
  }
  const mappings = {} as Record<NabMapping, NabScores>;
  for (const mapping of NAB_MAPPINGS) {
    const s = nabScores(perMapping[mapping]);
    mappings[mapping] = {
      standard: round(s.standard, 2),
      reward_low_fp: round(s.reward_low_fp, 2),
      reward_low_fn: round(s.reward_low_fn, 2),
    };
  }
  const head = mappings[PRODUCT_NAB_MAPPING];
  return {
    ...head,
    model,
    mapping: PRODUCT_NAB_MAPPING,
    mappings,
    files: perFile.filter((f) => f.error === undefined).length,
    failed_files: perFile.filter((f) => f.error !== undefined).length,
    windows: windowsTotal,
    wall_s: round(
      perFile.reduce((a, f) => a + f.wall_s, 0),
      1,
    ),
    per_file: perFile,
  };
}

function tryRead(csvPath: string): Float64Array | undefined {
  try {
    return readDatasetCsv(csvPath, { repairTimestamps: true }).series.timestampsMs;
  } catch {
    return undefined;
  }
}
