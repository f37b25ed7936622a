import { Command, CommanderError } from 'commander';
import type { Actions } from './contexts';
import { checkCommand } from './commands/check.command';
import { evaluateCommand } from './commands/evaluate.command';
import { monitorCommand } from './commands/monitor.command';
import { simulateCommand } from './commands/simulate.command';
import { trainCommand } from './commands/train.command';
import { describeError } from './errorHandler';

export interface ProgramIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

import { VERSION } from './version';

export { VERSION };

/** Builds the CLI over a set of actions (real ones in main.ts, fakes in tests). */
export function buildProgram(actions: Actions, io: ProgramIo, setExit: (code: number) => void): Command {
  const program = new Command('anomalyd')
    .description('Seasonal anomaly detection for Prometheus metrics, written to InfluxDB for Grafana.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  monitorCommand(program, actions, setExit);
  trainCommand(program, actions, setExit);
  evaluateCommand(program, actions, setExit);
  simulateCommand(program, actions, setExit);
  checkCommand(program, actions, setExit);
  for (const c of program.commands)
    c.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/**
 * Parses argv and runs the chosen action. Returns the exit code; never calls process.exit and never lets
 * an exception escape, so the one place that exits is main.ts.
 */
export async function runCli(argv: readonly string[], actions: Actions, io: ProgramIo): Promise<number> {
  let code = 0;
  const program = buildProgram(actions, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    const { message, exitCode } = describeError(err);
    io.stderr(`${message}\n`);
    return exitCode;
  }
}
