import type { Command } from 'commander';
import type { Actions } from '../contexts';
import { addGlobalOptions, globalContext } from './global';

export function checkCommand(program: Command, actions: Actions, setExit: (code: number) => void): void {
  const cmd = program
    .command('check')
    .description(
      'validate the config, run each query against Prometheus, check InfluxDB health and write access',
    );
  addGlobalOptions(cmd).action(async (_o: unknown, c: Command) => {
    setExit(await actions.check(globalContext(c.opts())));
  });
}
