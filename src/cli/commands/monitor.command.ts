import { Option, type Command } from 'commander';
import type { Actions, MonitorContext } from '../contexts';
import { parseChoice, parseNumberIn, SOURCE_MODES } from '../parsers';
import { addGlobalOptions, globalContext } from './global';

interface MonitorFlags {
  interval?: number;
  once?: boolean;
  source?: MonitorContext['source'];
  prometheusUrl?: string;
  thresholdMultiplier?: number;
  modelPath?: string;
}

export function monitorCommand(program: Command, actions: Actions, setExit: (code: number) => void): void {
  const cmd = program
    .command('monitor')
    .description(
      'poll Prometheus (or the simulator), score every series and write to InfluxDB or local files',
    )
    .option(
      '-i, --interval <seconds>',
      'seconds between polls (MONITORING_INTERVAL)',
      parseNumberIn(1, 86400),
    )
    .option('--once', 'run one full cycle (initial fit included), flush and exit')
    .addOption(
      new Option('--source <mode>', 'auto | prometheus | simulator').argParser(parseChoice(SOURCE_MODES)),
    )
    .option('--prometheus-url <url>', 'Prometheus base URL (PROMETHEUS_URL)')
    .option(
      '--threshold-multiplier <x>',
      'scale the prediction band; a point is anomalous when its score exceeds this',
      parseNumberIn(0, 100, { exclusiveMin: true }),
    )
    .option(
      '--model-path <file>',
      'start series from a model file written by `anomalyd train` when it matches',
    );
  addGlobalOptions(cmd).action(async (_opts: MonitorFlags, c: Command) => {
    const o = c.opts<MonitorFlags & Record<string, unknown>>();
    const ctx: MonitorContext = {
      ...globalContext(o),
      once: o.once === true,
      ...(o.interval !== undefined ? { intervalSeconds: o.interval } : {}),
      ...(o.source !== undefined ? { source: o.source } : {}),
      ...(o.prometheusUrl !== undefined ? { prometheusUrl: o.prometheusUrl } : {}),
      ...(o.thresholdMultiplier !== undefined ? { thresholdMultiplier: o.thresholdMultiplier } : {}),
      ...(o.modelPath !== undefined ? { modelPath: o.modelPath } : {}),
    };
    setExit(await actions.monitor(ctx));
  });
}
