import * as v8 from 'node:v8';
import { Registry } from 'prom-client';
import type { AppConfig } from '../../config/types';
import { systemClock } from '../../domain/clock';
import type { Logger } from '../../domain/logger';
import { SeriesDetector } from '../../detect/seriesDetector';
import { createForecasterFor } from '../../pipeline/forecasterFactory';
import { Monitor } from '../../pipeline/monitor';
import type { MetricSource, Sleeper } from '../../pipeline/ports';
import { createSink } from '../../sinks/createSink';
import { AutoSource } from '../../sources/autoSource';
import { CircuitBreaker } from '../../sources/circuitBreaker';
import {
  PrometheusClient,
  PrometheusError,
  PrometheusMetricSource,
  PrometheusSource,
} from '../../sources/prometheus';
import { SimulatorSource } from '../../sources/simulator/simulatorSource';
import { createMetrics, monitorMetrics, type Metrics } from '../../telemetry/metrics';
import { startTelemetryServer } from '../../telemetry/server';
import { redactConfig } from '../../config';
import type { MonitorContext } from '../contexts';
import { VERSION } from '../version';
import { appLogger, loadAppConfig, readModelFile } from './common';

/** Real waiting that an AbortSignal (SIGTERM) cuts short. */
export const realSleeper: Sleeper = {
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

const stopwatch = (): number => performance.now();

/**
 * Lets the V8 heap grow only 15% beyond the live data between full collections. V8's default lets a busy
 * process grow it up to 4x, and a fleet's start-up (generating or parsing 14 days of history per series,
 * the first fits) allocates so much that the garbage alone doubled the daemon's resident memory. V8 reads
 * the flag at every collection, so setting it at start-up takes effect; node refuses it in NODE_OPTIONS.
 * The bench's daemon process calls this too.
 */
export function applyDaemonHeapSettings(): void {
  v8.setFlagsFromString('--heap-growing-percent=15');
}

/** `signal`: the shutdown signal, which cuts Prometheus requests and retry waits short. */
export function buildSource(
  config: AppConfig,
  logger: Logger,
  metrics: Metrics,
  signal?: AbortSignal,
): MetricSource {
  const simulator = new SimulatorSource({
    hosts: config.simulator.hosts,
    seed: config.simulator.seed,
    stepMs: config.intervalSeconds * 1000,
    backfillMs: config.simulator.backfillMs,
    anomaliesPerDay: config.simulator.anomaliesPerDay,
  });
  if (config.source === 'simulator') {
    return {
      get mode() {
        return simulator.mode;
      },
      poll: async (nowMs) => {
        const batches = await simulator.poll(nowMs);
        logger.warn('simulated data (source=simulator)', { series: batches.length });
        return batches;
      },
      history: (q, w, n, onBatch) => simulator.history(q, w, n, onBatch),
    };
  }
  const countError = (err: unknown): void => {
    // A request cut short by shutdown is not a Prometheus error.
    if (err instanceof PrometheusError && err.kind === 'aborted') return;
    metrics.prometheusErrorsTotal.inc(err instanceof PrometheusError ? err.kind : 'unknown');
  };
  const client = new PrometheusClient({
    url: config.prometheus.url,
    timeoutMs: config.prometheus.timeoutMs,
    retries: config.prometheus.retries,
    sleep: (ms, s) => realSleeper.sleep(ms, s),
    ...(signal === undefined ? {} : { signal }),
    logger,
  });
  const prometheus = new PrometheusMetricSource({
    source: new PrometheusSource({
      client,
      queries: config.prometheus.queries,
      defaultStepSeconds: config.intervalSeconds,
      clock: systemClock,
      logger,
    }),
    onQueryError: countError,
    logger,
  });
  if (config.source === 'prometheus') {
    return {
      mode: 'prometheus',
      poll: async (nowMs) => {
        try {
          return await prometheus.poll(nowMs);
        } catch (err) {
          countError(err);
          throw err;
        }
      },
      history: (q, w, n, onBatch, expected) => prometheus.history(q, w, n, onBatch, expected),
    };
  }
  const breaker = new CircuitBreaker(
    {
      failures: config.prometheus.breakerFailures,
      probeInitialMs: config.prometheus.probeInitialMs,
      probeMaxMs: config.prometheus.probeMaxMs,
    },
    systemClock,
  );
  return new AutoSource(prometheus, simulator, breaker, systemClock, logger, countError);
}

/**
 * `anomalyd monitor`: runs until SIGTERM/SIGINT (or one cycle with --once), then stops polling, flushes
 * the sink within shutdown_timeout, spools what is left, and exits 0.
 */
export async function monitorAction(ctx: MonitorContext): Promise<number> {
  const config = loadAppConfig(ctx, {
    ...(ctx.intervalSeconds !== undefined ? { intervalSeconds: ctx.intervalSeconds } : {}),
    ...(ctx.source !== undefined ? { source: ctx.source } : {}),
    ...(ctx.prometheusUrl !== undefined ? { prometheusUrl: ctx.prometheusUrl } : {}),
    ...(ctx.thresholdMultiplier !== undefined ? { thresholdMultiplier: ctx.thresholdMultiplier } : {}),
  });
  const logger = appLogger(config);
  applyDaemonHeapSettings();
  const initialModel = ctx.modelPath ? readModelFile(ctx.modelPath) : undefined;
  const safe = redactConfig(config);
  logger.info('anomalyd starting', {
    version: VERSION,
    source: config.source,
    interval_s: config.intervalSeconds,
    prometheus: safe.prometheus.url,
    queries: config.prometheus.queries.map((q) => q.name),
    sink: config.influxdb.enabled ? `influxdb ${safe.influxdb.url}` : `files under ${config.fileSink.dir}`,
    model: config.model.kind,
  });

  const registry = new Registry();
  const metrics = createMetrics(registry, { perSeriesGauges: config.telemetry.perSeriesGauges });
  metrics.intervalSeconds.set(config.intervalSeconds);
  const sink = createSink(config.influxdb, config.fileSink, { clock: systemClock, logger });
  const controller = new AbortController();
  const monitor = new Monitor({
    config,
    source: buildSource(config, logger, metrics, controller.signal),
    sink,
    forecaster: await createForecasterFor(config.model),
    createDetector: (id, stepMs) => new SeriesDetector(id, config.detection, { stepMs }),
    clock: systemClock,
    stopwatch,
    sleeper: realSleeper,
    logger,
    metrics: monitorMetrics(metrics),
    ...(initialModel ? { initialModel } : {}),
  });
  metrics.readStateFrom({ sink: () => sink.stats(), series: () => monitor.seriesCount });

  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('signal received: finishing the cycle, flushing and exiting', { signal });
    controller.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  const server =
    config.telemetry.metricsPort > 0
      ? await startTelemetryServer({
          host: config.telemetry.metricsHost,
          port: config.telemetry.metricsPort,
          registry,
          logger,
          ready: () => {
            const reasons: string[] = [];
            if (!monitor.modelsReady) reasons.push('models not ready');
            if (!sink.stats().healthy) reasons.push('sink failing (retrying or spooling)');
            return { ready: reasons.length === 0, reasons };
          },
        })
      : undefined;
  if (server) logger.info('telemetry listening', { host: config.telemetry.metricsHost, port: server.port });

  try {
    if (ctx.once) await monitor.runCycle();
    else await monitor.run(controller.signal);
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    await sink.close(config.influxdb.shutdownTimeoutMs);
    await server?.close();
    const stats = sink.stats();
    logger.info('anomalyd stopped', {
      ...monitor.summary,
      sink_points: stats.points,
      spool_bytes: stats.spoolBytes,
    });
  }
  return 0;
}
