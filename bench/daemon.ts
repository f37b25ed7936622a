import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import type { AppConfig } from '../src/config/types';
import { SeriesDetector } from '../src/detect/seriesDetector';
import type { Clock } from '../src/domain/clock';
import { silentLogger } from '../src/domain/logger';
import { Monitor } from '../src/pipeline/monitor';
import { noopMetrics, type MonitorMetrics } from '../src/pipeline/ports';
import { InfluxSink } from '../src/sinks/influx/influxSink';
import type { Sink } from '../src/sinks/types';
import { SimulatorSource } from '../src/sources/simulator/simulatorSource';
import { type BenchContext, collectGarbage, median, peakRssMb, round, rssMb } from './common';
import { forecasterFor } from './models';
import { startLocalVictoriaMetrics } from './victoria';

/** The fleet run: the product's defaults (14-day window and backfill) at a 30 s interval. */
export interface DaemonSettings {
  readonly hosts: number;
  readonly intervalSeconds: number;
  /** Rolling training window (`model.training_window`). */
  readonly windowMs: number;
  /** Simulator backfill (`simulator.backfill`). */
  readonly backfillMs: number;
  readonly cycles: number;
  readonly maxWarmupCycles: number;
}

export function daemonSettings(quick: boolean): DaemonSettings {
  return {
    // 3,334 hosts x 3 metrics = 10,002 series. The quick run starts a tenth of the fleet: starting 10,000
    // series on 14 days of 30 s history (generating, folding and fitting 400 M samples) takes longer than
    // the whole quick budget; the full run is the measurement of record.
    hosts: quick ? 334 : 3_334,
    intervalSeconds: 30,
    windowMs: DEFAULT_CONFIG.model.trainingWindowMs,
    backfillMs: DEFAULT_CONFIG.simulator.backfillMs,
    cycles: quick ? 5 : 20,
    maxWarmupCycles: 2_000,
  };
}

export interface DaemonResult {
  readonly series: number;
  readonly interval_s: number;
  readonly training_window_h: number;
  readonly backfill_h: number;
  readonly measured_cycles: number;
  readonly warmup_cycles: number;
  /** Start-up: from the first poll until every series has a model and its screening has run, wall s. */
  readonly warmup_wall_s: number;
  /** From the first poll until every series has a model (backfill + first fits): forecasts for all. */
  readonly models_ready_cycles: number;
  readonly models_ready_wall_s: number;
  /** The first cycle alone (discovery, streamed backfill of every series, the first fits in budget), wall s. */
  readonly first_cycle_wall_s: number;
  /** Series with a model after the first cycle (the fit budget starts after the backfill). */
  readonly models_after_first_cycle: number;
  /** RSS right after the first cycle (the backfill done), MB. */
  readonly rss_after_backfill_mb: number;
  /** Typed-array bytes of the rolling histories per series (compact form for steps under 5 minutes). */
  readonly history_bytes_per_series: number;
  /** Median process CPU of a steady cycle (score + write, no fits) / the 30 s of simulated time. */
  readonly cpu_fraction: number;
  readonly cpu_fraction_mean: number;
  /** cpu_fraction plus refits amortised: every series refitted once per retrain interval at the measured fit cost. */
  readonly cpu_fraction_with_refits: number;
  readonly median_cycle_cpu_ms: number;
  readonly median_cycle_wall_ms: number;
  /** RSS after the steady cycles and a full GC, MB. */
  readonly rss_mb: number;
  /** Peak RSS of the daemon process (includes the one-off backfill generation), MB. */
  readonly peak_rss_mb: number;
  /** After the GC: live JS heap, and typed-array memory (histories), MB. RSS minus these is memory V8/malloc kept. */
  readonly heap_used_mb: number;
  readonly array_buffers_mb: number;
  /** Lines (InfluxDB points) per cycle and delivered per second of wall time while flushing. */
  readonly lines_per_cycle: number;
  readonly points_written_per_s: number;
  /** Lines per second the fleet needs at this interval. */
  readonly points_required_per_s: number;
  /** Wall time from the start of a cycle (samples polled) until the sink reports them written, ms. */
  readonly sample_to_write_ms_p50: number;
  readonly sample_to_write_ms_max: number;
  readonly median_fit_ms: number;
  readonly fits: number;
  readonly dropped_or_failed_lines: number;
  readonly victoria_rows_inserted: number;
  readonly victoria_rss_mb: number;
}

/** Monitor metrics that keep the fit durations (for the amortised refit cost). */
function capturingMetrics(fits: number[]): MonitorMetrics {
  return { ...noopMetrics, modelFit: (s) => fits.push(s * 1000) };
}

/** The simulated fleet's configuration: the product's defaults with the fleet's size, interval, window and backfill. */
export function fleetConfig(settings: DaemonSettings): AppConfig {
  const series = settings.hosts * 3;
  return {
    ...DEFAULT_CONFIG,
    source: 'simulator',
    intervalSeconds: settings.intervalSeconds,
    prometheus: { ...DEFAULT_CONFIG.prometheus, maxSeries: series, trainingWindowMs: settings.windowMs },
    simulator: { ...DEFAULT_CONFIG.simulator, hosts: settings.hosts, backfillMs: settings.backfillMs },
    // Every series gets its first fit during the warm-up; the time bound (half the interval) still applies.
    model: { ...DEFAULT_CONFIG.model, trainingWindowMs: settings.windowMs, maxFitsPerCycle: series },
  };
}

/** The daemon loop over the simulated fleet, wired as `anomalyd monitor` wires it, on a clock the caller moves. */
export function fleetMonitor(
  config: AppConfig,
  deps: { readonly sink: Sink; readonly clock: Clock; readonly metrics: MonitorMetrics },
): Monitor {
  return new Monitor({
    config,
    source: new SimulatorSource({
      hosts: config.simulator.hosts,
      seed: config.simulator.seed,
      stepMs: config.intervalSeconds * 1000,
      backfillMs: config.simulator.backfillMs,
      anomaliesPerDay: config.simulator.anomaliesPerDay,
    }),
    sink: deps.sink,
    forecaster: forecasterFor('anomalyd'),
    createDetector: (id, stepMs) => new SeriesDetector(id, config.detection, { stepMs }),
    clock: deps.clock,
    stopwatch: () => performance.now(),
    sleeper: { sleep: () => Promise.resolve() },
    logger: silentLogger,
    metrics: deps.metrics,
  });
}

/**
 * Runs inside a dedicated process (so peak RSS is the daemon's own): Monitor + SimulatorSource + InfluxSink to
 * `vmUrl`, a fake clock advanced 30 s per cycle, no sleeping.
 */
export async function runDaemonInProcess(
  vmUrl: string,
  settings: DaemonSettings,
): Promise<Omit<DaemonResult, 'victoria_rows_inserted' | 'victoria_rss_mb'>> {
  const series = settings.hosts * 3;
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-bench-spool-'));
  const config: AppConfig = {
    ...fleetConfig(settings),
    influxdb: {
      ...DEFAULT_CONFIG.influxdb,
      enabled: true,
      url: vmUrl,
      token: 'bench',
      spoolDir,
      deadLetterFile: path.join(spoolDir, 'dead-letter.lp'),
    },
  };
  let nowMs = Date.UTC(2024, 0, 8);
  const clock = { nowMs: () => nowMs };
  const sink = new InfluxSink(config.influxdb, { clock, logger: silentLogger });
  const fitMs: number[] = [];
  const monitor = fleetMonitor(config, { sink, clock, metrics: capturingMetrics(fitMs) });
  const stepMs = settings.intervalSeconds * 1000;
  try {
    // Warm-up: backfill and first fits (bounded per cycle as in production) until every series has a model.
    const w0 = performance.now();
    let warmup = 0;
    let firstCycleS = 0;
    let modelsAfterFirst = 0;
    let rssAfterBackfill = 0;
    let readyCycles = 0;
    let readyWallS = 0;
    for (; warmup < settings.maxWarmupCycles; warmup++) {
      const s = await monitor.runCycle();
      await sink.flush();
      nowMs += stepMs;
      if (warmup === 0) {
        firstCycleS = (performance.now() - w0) / 1000;
        modelsAfterFirst = s.fits;
        rssAfterBackfill = rssMb();
      }
      if (warmup % 10 === 0 || (s.pendingFits === 0 && s.pendingScreenings === 0)) {
        process.stderr.write(
          `  daemon warm-up cycle ${warmup + 1} (${Math.round((performance.now() - w0) / 1000)} s): ` +
            `${s.series} series, ${s.fits} fits, ${s.pendingFits} pending, ${s.pendingScreenings} to screen, RSS ${Math.round(rssMb())} MB\n`,
        );
      }
      if (readyCycles === 0 && monitor.modelsReady) {
        readyCycles = warmup + 1;
        readyWallS = (performance.now() - w0) / 1000;
      }
      if (s.pendingFits === 0 && s.pendingScreenings === 0 && monitor.modelsReady) break;
    }
    const warmupWallS = (performance.now() - w0) / 1000;
    collectGarbage();

    const cpu: number[] = [];
    const wall: number[] = [];
    const latency: number[] = [];
    const rates: number[] = [];
    let lines = 0;
    for (let c = 0; c < settings.cycles; c++) {
      const written0 = sink.stats().points.written;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await monitor.runCycle();
      const tScored = performance.now();
      await sink.flush();
      const t1 = performance.now();
      const d = process.cpuUsage(cpu0);
      const writtenNow = sink.stats().points.written - written0;
      cpu.push((d.user + d.system) / 1000);
      wall.push(t1 - t0);
      latency.push(t1 - t0);
      rates.push(writtenNow / Math.max((t1 - tScored) / 1000, 1e-6));
      lines = writtenNow;
      nowMs += stepMs;
    }
    collectGarbage();
    const stats = sink.stats();
    const medianCpu = median(cpu);
    const medianFit = median(fitMs);
    const retrainS = config.model.retrainIntervalMs / 1000;
    const refitFraction = (series * (medianFit / 1000)) / retrainS;
    return {
      series: monitor.seriesCount,
      interval_s: settings.intervalSeconds,
      training_window_h: settings.windowMs / 3_600_000,
      backfill_h: settings.backfillMs / 3_600_000,
      measured_cycles: settings.cycles,
      warmup_cycles: warmup + 1,
      warmup_wall_s: round(warmupWallS, 1),
      models_ready_cycles: readyCycles,
      models_ready_wall_s: round(readyWallS, 1),
      first_cycle_wall_s: round(firstCycleS, 1),
      models_after_first_cycle: modelsAfterFirst,
      rss_after_backfill_mb: round(rssAfterBackfill, 1),
      history_bytes_per_series: monitor.historyBytesPerSeries,
      cpu_fraction: round(medianCpu / (settings.intervalSeconds * 1000), 4),
      cpu_fraction_mean: round(
        cpu.reduce((a, b) => a + b, 0) / cpu.length / (settings.intervalSeconds * 1000),
        4,
      ),
      cpu_fraction_with_refits: round(medianCpu / (settings.intervalSeconds * 1000) + refitFraction, 4),
      median_cycle_cpu_ms: round(medianCpu, 1),
      median_cycle_wall_ms: round(median(wall), 1),
      rss_mb: round(rssMb(), 1),
      heap_used_mb: round(process.memoryUsage().heapUsed / 1024 ** 2, 1),
      array_buffers_mb: round(process.memoryUsage().arrayBuffers / 1024 ** 2, 1),
      peak_rss_mb: round(peakRssMb(), 1),
      lines_per_cycle: lines,
      points_written_per_s: Math.round(median(rates)),
      points_required_per_s: Math.round(lines / settings.intervalSeconds),
      sample_to_write_ms_p50: round(median(latency), 1),
      sample_to_write_ms_max: round(Math.max(...latency), 1),
      median_fit_ms: round(medianFit, 2),
      fits: fitMs.length,
      dropped_or_failed_lines: stats.points.dropped + stats.points.dead_letter + stats.points.spooled,
    };
  } finally {
    await sink.close(config.influxdb.shutdownTimeoutMs);
    fs.rmSync(spoolDir, { recursive: true, force: true });
  }
}

/** The daemon's node flag and malloc settings, as the Dockerfile sets them (README "Memory"). */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=2'];
export const DAEMON_ENV = { MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_TRIM_THRESHOLD_: '131072' };

/** Starts VictoriaMetrics, runs the fleet in a child process (its own RSS), and stops the server. */
export async function runDaemon(ctx: BenchContext): Promise<DaemonResult> {
  const vm = await startLocalVictoriaMetrics();
  try {
    const settings = daemonSettings(ctx.quick);
    const child = path.join(__dirname, 'daemonChild.js');
    const stdout = await new Promise<string>((resolve, reject) => {
      const p = execFile(
        process.execPath,
        ['--expose-gc', ...DAEMON_NODE_FLAGS, child, vm.url, JSON.stringify(settings)],
        { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...DAEMON_ENV } },
        (err, out) => (err ? reject(new Error(`daemon child process failed: ${err.message}`)) : resolve(out)),
      );
      p.stderr?.on('data', (b: Buffer) => ctx.log(b.toString('utf8').trimEnd()));
    });
    const inProcess = JSON.parse(stdout) as Omit<DaemonResult, 'victoria_rows_inserted' | 'victoria_rss_mb'>;
    return {
      ...inProcess,
      victoria_rows_inserted: await vm.insertedRows(),
      victoria_rss_mb: round(vm.rssMb(), 1),
    };
  } finally {
    await vm.stop();
  }
}
