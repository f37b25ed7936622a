import { Option, type Command } from 'commander';
import type { GlobalContext } from '../contexts';
import { LOG_LEVELS, parseChoice } from '../parsers';

export function addGlobalOptions(cmd: Command): Command {
  return cmd
    .option(
      '-c, --config <file>',
      'config file (default: ./config.yaml when present, else built-in defaults)',
    )
    .addOption(
      new Option(
        '--log-level <level>',
        'error | warn | info | debug (overrides LOG_LEVEL and the config)',
      ).argParser(parseChoice(LOG_LEVELS)),
    );
}

export function globalContext(opts: Record<string, unknown>): GlobalContext {
  return {
    ...(typeof opts.config === 'string' ? { configPath: opts.config } : {}),
    ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel as GlobalContext['logLevel'] } : {}),
  };
}
