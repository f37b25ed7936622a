import { Option, type Command } from 'commander';
import type { Actions, SimulateContext } from '../contexts';
import { parseChoice, parseInteger, parseNumberIn, parseStep, parseTimestamp } from '../parsers';

interface SimulateFlags {
  days: number;
  step: number;
  seed: number;
  out: string;
  kind: SimulateContext['kind'];
  anomaliesPerDay: number;
  start?: number;
}

export function simulateCommand(program: Command, actions: Actions, setExit: (code: number) => void): void {
  program
    .command('simulate')
    .description('write a realistic labelled infrastructure metric as a dataset CSV')
    .option('--days <n>', 'length of the series in days', parseNumberIn(0.01, 3650), 28)
    // The default is shown as "5m" (what a user types), not as the 300000 ms the parser yields.
    .addOption(
      new Option('--step <duration>', 'sampling step, e.g. 30s, 1m, 5m')
        .argParser(parseStep)
        .default(300_000, '5m'),
    )
    .option('--seed <n>', 'random seed (same seed, same file)', parseInteger(0), 1)
    .requiredOption('-o, --out <file.csv>', 'output CSV (timestamp,value,label)')
    .addOption(
      new Option('--kind <kind>', 'cpu | memory | latency')
        .argParser(parseChoice(['cpu', 'memory', 'latency'] as const))
        .default('cpu'),
    )
    .option(
      '--anomalies-per-day <n>',
      'mean number of labelled anomalies per day',
      parseNumberIn(0, 100),
      0.5,
    )
    .option(
      '--start <iso>',
      'first timestamp (default: a fixed Monday, for reproducible files)',
      parseTimestamp,
    )
    .action(async (o: SimulateFlags) => {
      setExit(
        await actions.simulate({
          days: o.days,
          stepMs: o.step,
          seed: o.seed,
          out: o.out,
          kind: o.kind,
          anomaliesPerDay: o.anomaliesPerDay,
          ...(o.start !== undefined ? { startMs: o.start } : {}),
        }),
      );
    });
}
