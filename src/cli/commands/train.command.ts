import type { Command } from 'commander';
import type { Actions, TrainContext } from '../contexts';
import { parseNumberIn, parseRatio } from '../parsers';
import { addGlobalOptions, globalContext } from './global';

interface TrainFlags {
  dataset: string;
  valueColumn?: string;
  repairTimestamps?: boolean;
  modelPath: string;
  trainRatio: number;
  outputDir: string;
  plots: boolean;
  thresholdMultiplier?: number;
}

export function trainCommand(program: Command, actions: Actions, setExit: (code: number) => void): void {
  const cmd = program
    .command('train')
    .description('fit a model on the first part of a dataset, evaluate it on the rest, save it')
    .requiredOption('-d, --dataset <file>', 'CSV with timestamp, value and optional label columns')
    .option('--value-column <name>', 'name of the value column (default: value, cpu_usage or y)')
    .option('--repair-timestamps', 'sort out-of-order rows and keep the first of duplicated timestamps')
    .option('-m, --model-path <file>', 'where the model file is written', 'models/model.json')
    .option('--train-ratio <r>', 'share of the points used for fitting', parseRatio, 0.8)
    .option('-o, --output-dir <dir>', 'where model_metadata.json and the reports are written', 'out')
    .option('--no-plots', 'skip report.html')
    .option(
      '--threshold-multiplier <x>',
      'scale the prediction band (default from the config)',
      parseNumberIn(0, 100, { exclusiveMin: true }),
    );
  addGlobalOptions(cmd).action(async (_o: TrainFlags, c: Command) => {
    const o = c.opts<TrainFlags & Record<string, unknown>>();
    const ctx: TrainContext = {
      ...globalContext(o),
      dataset: o.dataset,
      modelPath: o.modelPath,
      trainRatio: o.trainRatio,
      repairTimestamps: o.repairTimestamps === true,
      outputDir: o.outputDir,
      plots: o.plots,
      ...(o.valueColumn !== undefined ? { valueColumn: o.valueColumn } : {}),
      ...(o.thresholdMultiplier !== undefined ? { thresholdMultiplier: o.thresholdMultiplier } : {}),
    };
    setExit(await actions.train(ctx));
  });
}
