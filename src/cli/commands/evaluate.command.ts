import type { Command } from 'commander';
import type { Actions, EvaluateContext, InjectSpec } from '../contexts';
import { parseInject, parseInteger, parseNumberIn, parseRatio } from '../parsers';
import { addGlobalOptions, globalContext } from './global';

interface EvaluateFlags {
  dataset?: string;
  valueColumn?: string;
  repairTimestamps?: boolean;
  modelPath?: string;
  trainRatio: number;
  inject?: InjectSpec;
  seed: number;
  labels?: string;
  json?: boolean;
  scoresOut?: string;
  outputDir: string;
  plots: boolean;
  thresholdMultiplier?: number;
}

export function evaluateCommand(program: Command, actions: Actions, setExit: (code: number) => void): void {
  const cmd = program
    .command('evaluate')
    .description(
      'measure detection out of sample: fit on the first part, stream the rest as the daemon would',
    )
    .option('-d, --dataset <file>', 'CSV with timestamp, value and optional label columns')
    .option('--value-column <name>', 'name of the value column (default: value, cpu_usage or y)')
    .option('--repair-timestamps', 'sort out-of-order rows and keep the first of duplicated timestamps')
    .option('-m, --model-path <file>', 'use this trained model for the initial fit instead of fitting')
    .option('--train-ratio <r>', 'share of the points used for the initial fit', parseRatio, 0.8)
    .option(
      '--inject <n|pct>',
      'inject N anomalies (or e.g. 5% of points) into the evaluated part',
      parseInject,
    )
    .option('--seed <n>', 'seed for --inject', parseInteger(0), 1)
    .option('--labels <windows.json>', 'NAB-style anomaly windows file (enables the NAB score)')
    .option('--json', 'print exactly one JSON object with the metrics on stdout')
    .option('--scores-out <file.csv>', 'write one row per evaluated point')
    .option('-o, --output-dir <dir>', 'where reports are written', 'out')
    .option('--no-plots', 'skip report.html')
    .option(
      '--threshold-multiplier <x>',
      'scale the prediction band (default from the config)',
      parseNumberIn(0, 100, { exclusiveMin: true }),
    );
  addGlobalOptions(cmd).action(async (_o: EvaluateFlags, c: Command) => {
    const o = c.opts<EvaluateFlags & Record<string, unknown>>();
    const ctx: EvaluateContext = {
      ...globalContext(o),
      trainRatio: o.trainRatio,
      repairTimestamps: o.repairTimestamps === true,
      seed: o.seed,
      json: o.json === true,
      outputDir: o.outputDir,
      plots: o.plots,
      ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
      ...(o.valueColumn !== undefined ? { valueColumn: o.valueColumn } : {}),
      ...(o.modelPath !== undefined ? { modelPath: o.modelPath } : {}),
      ...(o.inject !== undefined ? { inject: o.inject } : {}),
      ...(o.labels !== undefined ? { labelsPath: o.labels } : {}),
      ...(o.scoresOut !== undefined ? { scoresOut: o.scoresOut } : {}),
      ...(o.thresholdMultiplier !== undefined ? { thresholdMultiplier: o.thresholdMultiplier } : {}),
    };
    setExit(await actions.evaluate(ctx));
  });
}
