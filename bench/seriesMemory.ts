/**
 * `node dist/bench/seriesMemory.js [--hosts 100,400]`: what one more series costs the daemon, in minutes
 * instead of the daemon suite's half hour, for work on its memory bar (issue #3).
 *
 * For each fleet size it starts a process of its own (`--child HOSTS`) that runs the daemon suite's loop
 * (bench/daemon.ts fleetMonitor: 3 series per host, the product's 30 s interval, 14-day window and
 * backfill, the daemon's node flags and allocator settings) until every series has a model and its
 * screening has run, five cycles more, then a full GC, and reports the live JS heap, the typed-array bytes and
 * the resident set. The difference between two sizes over the difference in series is the marginal cost of a
 * series (history + model + trained detector + source state), free of the process's fixed costs. Resident
 * memory also holds what the C heap keeps of freed allocations (holes between live buffers): at 1,500 series
 * 16 MB of free chunks once (malloc_info), invisible in the heap and typed-array figures.
 * The sink discards what it is given: what a sink holds is bounded by its own settings, not by the number of
 * series.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { noopMetrics } from '../src/pipeline/ports';
import type { Sink } from '../src/sinks/types';
import { collectGarbage } from './common';
import { DAEMON_ENV, DAEMON_NODE_FLAGS, daemonSettings, fleetConfig, fleetMonitor } from './daemon';

interface Footprint {
  readonly series: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

async function footprint(hosts: number): Promise<Footprint> {
  const config = fleetConfig({ ...daemonSettings(false), hosts });
  const stepMs = config.intervalSeconds * 1000;
  let nowMs = Date.UTC(2024, 0, 8);
  let lines = 0;
  const sink: Sink = {
    write: (records) => {
      lines += records.length;
    },
    writeEpisodeEvents: () => undefined,
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    stats: () => ({
      points: { written: lines, retried: 0, spooled: 0, dead_letter: 0, dropped: 0 },
      bufferPoints: 0,
      spoolBytes: 0,
      healthy: true,
    }),
  };
  const monitor = fleetMonitor(config, { sink, clock: { nowMs: () => nowMs }, metrics: noopMetrics });
  for (let cycle = 0; cycle < 2_000; cycle++) {
    const s = await monitor.runCycle();
    nowMs += stepMs;
    if (s.pendingFits === 0 && s.pendingScreenings === 0 && monitor.modelsReady) break;
  }
  for (let cycle = 0; cycle < 5; cycle++) {
    await monitor.runCycle();
    nowMs += stepMs;
  }
  collectGarbage();
  collectGarbage();
  const m = process.memoryUsage();
  if (lines === 0) throw new Error('the daemon loop wrote nothing');
  return { series: monitor.seriesCount, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const child = args.indexOf('--child');
  if (child >= 0) {
    process.stdout.write(`${JSON.stringify(await footprint(Number(args[child + 1])))}\n`);
    return;
  }
  const h = args.indexOf('--hosts');
  const sizes = (h >= 0 ? args[h + 1] : '100,400').split(',').map(Number);
  if (sizes.length !== 2 || !sizes.every((x) => Number.isInteger(x) && x > 0) || sizes[0] >= sizes[1])
    throw new Error('usage: seriesMemory.js [--hosts SMALL,LARGE] (two host counts, small first)');
  const run = promisify(execFile);
  const prints: Footprint[] = [];
  for (const hosts of sizes) {
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', ...DAEMON_NODE_FLAGS, __filename, '--child', String(hosts)],
      { maxBuffer: 1024 * 1024, env: { ...process.env, ...DAEMON_ENV } },
    );
    prints.push(JSON.parse(stdout) as Footprint);
  }
  const [small, large] = prints;
  const per = (key: 'heapUsed' | 'arrayBuffers' | 'rss'): number =>
    Math.round((large[key] - small[key]) / (large.series - small.series));
  process.stdout.write(
    `series ${small.series} -> ${large.series}; per additional series: JS heap ${per('heapUsed')} B, ` +
      `typed arrays ${per('arrayBuffers')} B, together ${per('heapUsed') + per('arrayBuffers')} B; ` +
      `resident ${per('rss')} B\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`seriesMemory failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
