import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import type { AppConfig } from '../src/config/types';
import { SeriesDetector } from '../src/detect/seriesDetector';
import { silentLogger } from '../src/domain/logger';
import { Monitor } from '../src/pipeline/monitor';
import { noopMetrics, type MonitorMetrics } from '../src/pipeline/ports';
import { InfluxSink } from '../src/sinks/influx/influxSink';
import { SimulatorSource } from '../src/sources/simulator/simulatorSource';
import { type BenchContext, collectGarbage, median, peakRssMb, round, rssMb } from './common';
import { forecasterFor } from './models';
import { startLocalVictoriaMetrics } from './victoria';

const DAY_MS = 86_400_000;

/** The fleet run: settings chosen to fit memory (see the RESULTS notes), everything else default. */
export interface DaemonSettings {
  readonly hosts: number;
  readonly intervalSeconds: number;
  /** Rolling training window and simulator backfill (equal). */
  readonly windowMs: number;
  readonly cycles: number;
  readonly maxWarmupCycles: number;
}

export function daemonSettings(quick: boolean): DaemonSettings {
  // 3,334 hosts x 3 metrics = 10,002 series.
  return {
    hosts: 3_334,
    intervalSeconds: 30,
    windowMs: DAY_MS,
    cycles: quick ? 10 : 30,
    maxWarmupCycles: 60,
  };
}

export interface DaemonResult {
  readonly series: number;
  readonly interval_s: number;
  readonly training_window_h: number;
  readonly backfill_h: number;
  readonly measured_cycles: number;
  readonly warmup_cycles: number;
  readonly warmup_wall_s: number;
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
    ...DEFAULT_CONFIG,
    source: 'simulator',
    intervalSeconds: settings.intervalSeconds,
    prometheus: { ...DEFAULT_CONFIG.prometheus, maxSeries: series, trainingWindowMs: settings.windowMs },
    simulator: { ...DEFAULT_CONFIG.simulator, hosts: settings.hosts, backfillMs: settings.windowMs },
    // Every series gets its first fit during the warm-up; the time bound (half the interval) still applies.
    model: { ...DEFAULT_CONFIG.model, trainingWindowMs: settings.windowMs, maxFitsPerCycle: series },
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
  const monitor = new Monitor({
    config,
    source: new SimulatorSource({
      hosts: settings.hosts,
      seed: config.simulator.seed,
      stepMs: settings.intervalSeconds * 1000,
      backfillMs: settings.windowMs,
      anomaliesPerDay: config.simulator.anomaliesPerDay,
    }),
    sink,
    forecaster: forecasterFor('anomalyd'),
    createDetector: (id, stepMs) => new SeriesDetector(id, config.detection, { stepMs }),
    clock,
    stopwatch: () => performance.now(),
    sleeper: { sleep: () => Promise.resolve() },
    logger: silentLogger,
    metrics: capturingMetrics(fitMs),
  });
  const stepMs = settings.intervalSeconds * 1000;
  try {
    // Warm-up: backfill and first fits (bounded per cycle as in production) until every series has a model.
    const w0 = performance.now();
    let warmup = 0;
    for (; warmup < settings.maxWarmupCycles; warmup++) {
      const s = await monitor.runCycle();
      await sink.flush();
      nowMs += stepMs;
      process.stderr.write(
        `  daemon warm-up cycle ${warmup + 1}: ${s.series} series, ${s.fits} fits, ${s.pendingFits} pending\n`,
      );
      if (s.pendingFits === 0 && monitor.modelsReady) break;
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
      backfill_h: settings.windowMs / 3_600_000,
      measured_cycles: settings.cycles,
      warmup_cycles: warmup + 1,
      warmup_wall_s: round(warmupWallS, 1),
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

/** Starts VictoriaMetrics, runs the fleet in a child process (its own RSS), and stops the server. */
export async function runDaemon(ctx: BenchContext): Promise<DaemonResult> {
  const vm = await startLocalVictoriaMetrics();
  try {
    const settings = daemonSettings(ctx.quick);
    const child = path.join(__dirname, 'daemonChild.js');
    const stdout = await new Promise<string>((resolve, reject) => {
      const p = execFile(
        process.execPath,
        ['--expose-gc', '--max-old-space-size=6144', child, vm.url, JSON.stringify(settings)],
        { maxBuffer: 16 * 1024 * 1024 },
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
