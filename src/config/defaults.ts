import { DEFAULT_DETECTION_OPTIONS } from '../detect/defaults';
import { DEFAULT_SEASONAL_OPTIONS } from '../model/options';
import { DEFAULT_REFIT_ADMISSION } from '../pipeline/refitAdmission';
import type { AppConfig, QueryConfig } from './types';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MIB = 1024 * 1024;

/**
 * Node-exporter queries watched when the config names none. Each returns one series per instance, so the
 * series count grows with the fleet, not with the number of CPUs, disks or interfaces.
 */
export const DEFAULT_QUERIES: readonly QueryConfig[] = [
  {
    name: 'cpu_busy_percent',
    promql: '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])))',
  },
  {
    name: 'memory_used_percent',
    promql: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
  },
  {
    // Pseudo file systems are excluded: their usage is meaningless and they would swamp max_series.
    name: 'filesystem_used_percent',
    promql:
      '100 * (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"}' +
      ' / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"})',
  },
  {
    // Virtual interfaces (loopback, container bridges) double-count traffic already seen on the NICs.
    name: 'network_receive_bytes_per_second',
    promql:
      'sum by (instance) (rate(node_network_receive_bytes_total{device!~"lo|veth.*|docker.*|br-.*"}[5m]))',
  },
];

/**
 * Every setting's default. `config.yaml` at the repository root spells out the same values and loads to
 * exactly this object (a test keeps them in step); docs/configuration.md documents each key.
 */
export const DEFAULT_CONFIG: AppConfig = {
  logLevel: 'info',
  source: 'auto',
  intervalSeconds: 30,
  prometheus: {
    url: 'http://localhost:9090',
    timeoutMs: 10 * SECOND_MS,
    retries: 2,
    queries: DEFAULT_QUERIES,
    trainingWindowMs: 14 * DAY_MS,
    seriesExpiryMs: HOUR_MS,
    maxSeries: 10_000,
    breakerFailures: 3,
    probeInitialMs: 5 * SECOND_MS,
    probeMaxMs: 5 * MINUTE_MS,
  },
  simulator: {
    hosts: 3,
    seed: 1,
    backfillMs: 14 * DAY_MS,
    anomaliesPerDay: 0.5,
  },
  // Model and detection defaults are owned (and justified) by those modules; the config only adds scheduling.
  model: {
    kind: 'seasonal',
    ...DEFAULT_SEASONAL_OPTIONS,
    retrainIntervalMs: 24 * HOUR_MS,
    trainingWindowMs: 14 * DAY_MS,
    maxFitsPerCycle: 50,
    acceptAfterMs: DEFAULT_REFIT_ADMISSION.acceptAfterMs,
    maxExcludedFraction: DEFAULT_REFIT_ADMISSION.maxExcludedFraction,
    learnRecurring: DEFAULT_REFIT_ADMISSION.learnRecurring,
    screenHistory: DEFAULT_REFIT_ADMISSION.screenHistory,
  },
  detection: DEFAULT_DETECTION_OPTIONS,
  influxdb: {
    enabled: false,
    url: '',
    token: '',
    org: 'anomalyd',
    bucket: 'anomalyd',
    batchSize: 5000,
    flushIntervalMs: 5 * SECOND_MS,
    maxRetries: 5,
    retryInitialMs: SECOND_MS,
    retryMaxMs: 60 * SECOND_MS,
    retryBudgetMs: 2 * MINUTE_MS,
    requestTimeoutMs: 10 * SECOND_MS,
    maxBufferPoints: 200_000,
    spoolDir: 'data/spool',
    spoolMaxBytes: 1024 * MIB,
    deadLetterFile: 'data/dead-letter.lp',
    shutdownTimeoutMs: 10 * SECOND_MS,
    tagAllowlist: [],
  },
  fileSink: {
    dir: 'data',
    rotateBytes: 64 * MIB,
    maxFiles: 20,
  },
  telemetry: {
    metricsPort: 9464,
    metricsHost: '0.0.0.0',
    perSeriesGauges: false,
  },
};
