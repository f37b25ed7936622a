import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AppConfig } from '../../config/types';
import { UserError } from '../../domain/errors';
import type { Logger } from '../../domain/logger';
import type { LabelledSeries } from '../../domain/timeSeries';
import type { EvaluatedPoints } from '../../evaluate/types';
import { createForecasterFor } from '../../pipeline/forecasterFactory';
import {
  evaluateSeries,
  injectIntoTestPart,
  type EvaluationOutput,
  type GroundTruth,
} from '../../pipeline/evaluation';
import { renderJsonReport, renderTextReport, writeReports, REPORT_FILE_NAMES } from '../../report';
import { readDatasetCsv, readWindowsFile } from '../../sources/csv';
import { labelsFromWindows, unionLabels } from '../../evaluate/events';
import type { EvaluateContext } from '../contexts';
import {
  appLogger,
  loadAppConfig,
  oneLineReason,
  progressBar,
  readModelFile,
  writeFileAtomically,
  writingOutput,
} from './common';

export const METADATA_FILE = 'model_metadata.json';

/** What evaluate and train share: read the data, pick the ground truth, backtest, measure. */
export interface EvaluationRun {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly datasetPath: string;
  readonly rawTimestamps: readonly string[];
  readonly output: EvaluationOutput;
}

export interface EvaluationRequest {
  readonly datasetPath: string;
  readonly valueColumn?: string;
  readonly repairTimestamps: boolean;
  readonly modelPath?: string;
  readonly trainRatio: number;
  readonly inject?: EvaluateContext['inject'];
  readonly seed: number;
  readonly labelsPath?: string;
  readonly progressLabel?: string;
}

export async function runEvaluation(
  config: AppConfig,
  logger: Logger,
  req: EvaluationRequest,
): Promise<EvaluationRun> {
  const csv = readDatasetCsv(req.datasetPath, {
    ...(req.valueColumn !== undefined ? { valueColumn: req.valueColumn } : {}),
    repairTimestamps: req.repairTimestamps,
  });
  if (csv.missingValues > 0)
    logger.warn('dataset has missing values; they are skipped', { missing: csv.missingValues });
  if (csv.repairs.outOfOrderRows + csv.repairs.droppedDuplicates > 0) {
    logger.warn('timestamps repaired', { ...csv.repairs });
  }
  let series: LabelledSeries = csv.series;
  let groundTruth: GroundTruth = series.labels ? 'labels' : 'none';
  let windows = req.labelsPath ? readWindowsFile(req.labelsPath, req.datasetPath) : undefined;
  if (windows) {
    // Windows become labels so injection avoids them and they stay ground truth alongside injected points.
    series = {
      ...series,
      labels: unionLabels(series.labels, labelsFromWindows(series.timestampsMs, windows)),
    };
    groundTruth = 'windows';
  }
  if (req.inject) {
    const injected = injectIntoTestPart(series, req.inject, req.seed, req.trainRatio);
    series = injected.series;
    groundTruth = 'injected';
    // Events are now the labelled runs (windows and injected anomalies alike); NAB needs pure windows.
    windows = undefined;
    logger.info('anomalies injected into the evaluated part', {
      events: injected.events.length,
      points: injected.events.reduce((a, e) => a + e.endIndex - e.startIndex + 1, 0),
      seed: req.seed,
    });
  }
  const initialModel = req.modelPath ? readModelFile(req.modelPath) : undefined;
  if (initialModel && initialModel.stepMs !== series.stepMs) {
    throw new UserError(
      `${req.modelPath}: model was trained at a ${initialModel.stepMs / 1000}s step but ${req.datasetPath} has a ${series.stepMs / 1000}s step`,
    );
  }
  const forecaster = await createForecasterFor(config.model);
  const progress = req.progressLabel ? progressBar(req.progressLabel) : undefined;
  const output = evaluateSeries({
    datasetName: basename(req.datasetPath),
    series,
    groundTruth,
    ...(windows ? { windows } : {}),
    forecaster,
    detection: config.detection,
    trainRatio: req.trainRatio,
    retrainIntervalMs: config.model.retrainIntervalMs,
    trainingWindowMs: config.model.trainingWindowMs,
    admission: config.model,
    ...(initialModel ? { initialModel } : {}),
    ...(progress ? { onProgress: progress } : {}),
  });
  return { config, logger, datasetPath: req.datasetPath, rawTimestamps: csv.rawTimestamps, output };
}

/** One row per evaluated point; timestamps exactly as in the input file. */
export function formatScoresCsv(
  points: EvaluatedPoints,
  rawTimestamps: readonly string[],
  offset: number,
): string {
  const num = (x: number): string => (Number.isFinite(x) ? String(x) : '');
  const lines = ['timestamp,actual,forecast,lower,upper,score,is_anomaly,episode_id,label'];
  for (let i = 0; i < points.timestampsMs.length; i++) {
    const ts = rawTimestamps[offset + i] ?? new Date(points.timestampsMs[i]).toISOString();
    const label = points.label ? String(points.label[i]) : '';
    const id = points.episodeId[i];
    lines.push(
      [
        csvField(ts),
        num(points.actual[i]),
        num(points.forecast[i]),
        num(points.lower[i]),
        num(points.upper[i]),
        num(points.score[i]),
        String(points.isAnomaly[i]),
        csvField(id),
        label,
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function writeHumanReports(
  run: EvaluationRun,
  outputDir: string,
  plots: boolean,
): Promise<string[]> {
  const { result, points } = run.output;
  if (plots) {
    const w = await writingOutput(outputDir, '--output-dir', () =>
      writeReports(outputDir, result, points, { title: `anomalyd evaluation: ${result.dataset}` }),
    );
    return [w.text, w.json, w.html];
  }
  const text = join(outputDir, REPORT_FILE_NAMES.text);
  const json = join(outputDir, REPORT_FILE_NAMES.json);
  writeFileAtomically(text, renderTextReport(result), '--output-dir');
  writeFileAtomically(json, renderJsonReport(result), '--output-dir');
  return [text, json];
}

/**
 * The dataset a model was trained on, from the metadata `train` writes beside the model file. A metadata
 * file that exists but cannot be read is a user error naming it: falling back to "evaluate needs --dataset"
 * would hide why the recorded dataset was not used.
 */
function datasetFromModelMetadata(modelPath: string): string | undefined {
  const meta = join(dirname(modelPath), METADATA_FILE);
  if (!existsSync(meta)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(meta, 'utf8'));
  } catch (err) {
    throw new UserError(
      `${meta}: cannot read the recorded dataset (${oneLineReason(err)}); pass --dataset FILE or rewrite it with \`anomalyd train\``,
    );
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'dataset' in parsed &&
    typeof parsed.dataset === 'string'
  ) {
    return parsed.dataset;
  }
  return undefined;
}

export async function evaluateAction(ctx: EvaluateContext): Promise<number> {
  const config = loadAppConfig(ctx, {
    ...(ctx.thresholdMultiplier !== undefined ? { thresholdMultiplier: ctx.thresholdMultiplier } : {}),
  });
  const logger = appLogger(config);
  const datasetPath = ctx.dataset ?? (ctx.modelPath ? datasetFromModelMetadata(ctx.modelPath) : undefined);
  if (datasetPath === undefined) {
    throw new UserError('evaluate needs --dataset FILE (e.g. --dataset datasets/original/cpu_usage.csv)');
  }
  const run = await runEvaluation(config, logger, {
    datasetPath,
    ...(ctx.valueColumn !== undefined ? { valueColumn: ctx.valueColumn } : {}),
    repairTimestamps: ctx.repairTimestamps,
    ...(ctx.modelPath !== undefined ? { modelPath: ctx.modelPath } : {}),
    trainRatio: ctx.trainRatio,
    ...(ctx.inject !== undefined ? { inject: ctx.inject } : {}),
    seed: ctx.seed,
    ...(ctx.labelsPath !== undefined ? { labelsPath: ctx.labelsPath } : {}),
    ...(ctx.json ? {} : { progressLabel: 'evaluating' }),
  });
  const written = await writeHumanReports(run, ctx.outputDir, ctx.plots);
  if (ctx.scoresOut) {
    writeFileAtomically(
      ctx.scoresOut,
      formatScoresCsv(run.output.points, run.rawTimestamps, run.output.backtest.testStart),
      '--scores-out',
    );
    written.push(ctx.scoresOut);
  }
  if (ctx.json) {
    process.stdout.write(`${renderJsonReport(run.output.result).trim()}\n`);
  } else {
    process.stdout.write(renderTextReport(run.output.result));
    process.stdout.write(`\nwrote ${written.join(', ')}\n`);
  }
  return 0;
}
