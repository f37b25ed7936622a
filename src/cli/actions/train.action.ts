import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderTextReport } from '../../report';
import { VERSION } from '../version';
import type { TrainContext } from '../contexts';
import { appLogger, loadAppConfig, writeFileAtomically } from './common';
import { METADATA_FILE, runEvaluation, writeHumanReports } from './evaluate.action';

/** Fits on the first part, evaluates on the held-out tail, saves the model, its metadata and reports. */
export async function trainAction(ctx: TrainContext): Promise<number> {
  const config = loadAppConfig(ctx, {
    ...(ctx.thresholdMultiplier !== undefined ? { thresholdMultiplier: ctx.thresholdMultiplier } : {}),
  });
  const logger = appLogger(config);
  const run = await runEvaluation(config, logger, {
    datasetPath: ctx.dataset,
    ...(ctx.valueColumn !== undefined ? { valueColumn: ctx.valueColumn } : {}),
    repairTimestamps: ctx.repairTimestamps,
    trainRatio: ctx.trainRatio,
    seed: 1,
    progressLabel: 'training',
  });
  const { result, backtest } = run.output;
  const model = backtest.initialModel;
  const modelJson = `${JSON.stringify(model.toJSON(), null, 2)}\n`;
  writeFileAtomically(ctx.modelPath, modelJson, '--model-path');

  const metadata = {
    anomalyd_version: VERSION,
    created_at: new Date().toISOString(),
    dataset: resolve(ctx.dataset),
    dataset_sha256: createHash('sha256').update(readFileSync(ctx.dataset)).digest('hex'),
    model_path: resolve(ctx.modelPath),
    model_sha256: createHash('sha256').update(modelJson).digest('hex'),
    model: {
      kind: model.kind,
      components: model.components,
      scale: result.model.scale,
      step_s: model.stepMs / 1000,
      train_start: new Date(model.trainStartMs).toISOString(),
      train_end: new Date(model.trainEndMs).toISOString(),
      interval_width: model.intervalWidth,
      fit_metrics: model.metrics,
    },
    train_ratio: ctx.trainRatio,
    evaluation: {
      test: result.test,
      ground_truth: result.ground_truth,
      point: result.point,
      event: result.event,
      forecast: result.forecast,
      roc_auc: result.roc_auc,
      pr_auc: result.pr_auc,
    },
    config: { model: config.model, detection: config.detection },
  };
  const metaJson = `${JSON.stringify(metadata, null, 2)}\n`;
  const metaPaths = [join(ctx.outputDir, METADATA_FILE), join(dirname(ctx.modelPath), METADATA_FILE)];
  for (const p of new Set(metaPaths.map((x) => resolve(x))))
    writeFileAtomically(p, metaJson, '--output-dir and --model-path');

  const written = await writeHumanReports(run, ctx.outputDir, ctx.plots);
  process.stdout.write(renderTextReport(result));
  process.stdout.write(
    `\nmodel written to ${ctx.modelPath}\nwrote ${[...metaPaths, ...written].join(', ')}\n`,
  );
  return 0;
}
