/**
 * Child-process entry of the daemon benchmark: `node daemonChild.js VM_URL SETTINGS_JSON`. Prints one JSON
 * object (the measurements) on stdout; progress goes to stderr.
 */
import { applyDaemonHeapSettings } from '../src/cli/actions/monitor.action';
import { runDaemonInProcess, type DaemonSettings } from './daemon';

async function main(): Promise<void> {
  const [vmUrl, settingsJson] = process.argv.slice(2);
  if (vmUrl === undefined || settingsJson === undefined)
    throw new Error('usage: daemonChild.js VM_URL SETTINGS_JSON');
  // As the daemon runs (anomalyd monitor): the same heap setting.
  applyDaemonHeapSettings();
  const result = await runDaemonInProcess(vmUrl, JSON.parse(settingsJson) as DaemonSettings);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `daemon benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
