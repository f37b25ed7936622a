import type { DetectionOptions } from '../detect/types';
import type { ModelKind, SeasonalOptions } from '../model/types';

export type SourceMode = 'auto' | 'prometheus' | 'simulator';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface QueryConfig {
  /** Name used as the `query` tag. Unique, [a-zA-Z_][a-zA-Z0-9_]*. */
  readonly name: string;
  readonly promql: string;
  /** Step of this query's series in seconds; defaults to the monitor interval. */
  readonly stepSeconds?: number;
}

export interface PrometheusConfig {
  readonly url: string;
  readonly timeoutMs: number;
  /** Retries per request before the poll counts as failed. */
  readonly retries: number;
  readonly queries: readonly QueryConfig[];
  /** History fetched (query_range) to fit a new series. */
  readonly trainingWindowMs: number;
  /** A series not seen for this long is forgotten. */
  readonly seriesExpiryMs: number;
  /** Maximum number of tracked series; the excess is counted and logged. */
  readonly maxSeries: number;
  /** Consecutive failed polls before `auto` switches to the simulator. */
  readonly breakerFailures: number;
  /** First and maximum delay between probes while Prometheus is down. */
  readonly probeInitialMs: number;
  readonly probeMaxMs: number;
}

export interface SimulatorConfig {
  readonly hosts: number;
  readonly seed: number;
  /** History generated at start so models are ready at once. */
  readonly backfillMs: number;
  /** Probability per series per day of an injected anomaly. */
  readonly anomaliesPerDay: number;
}

export interface ModelConfig extends SeasonalOptions {
  readonly kind: ModelKind;
  readonly retrainIntervalMs: number;
  /** Rolling window used for refits. */
  readonly trainingWindowMs: number;
  /** Maximum model fits per monitor cycle (fits never stall polling). */
  readonly maxFitsPerCycle: number;
  /** Episode points re-admitted to refits once their run lasts this long (pipeline/refitAdmission.ts). */
  readonly acceptAfterMs: number;
  /** Beyond this share of the window in episodes, refits use every point (pipeline/refitAdmission.ts). */
  readonly maxExcludedFraction: number;
  /** Re-admit short episodes that recur at the same time of day (pipeline/refitAdmission.ts). */
  readonly learnRecurring: boolean;
  /** Screen the history for its own incidents before a series' first fit (pipeline/seriesRunner.ts). */
  readonly screenHistory: boolean;
}

export interface InfluxConfig {
  /** Enabled when url and token are set (INFLUXDB_URL enables it). */
  readonly enabled: boolean;
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxRetries: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Total time budget for retrying one batch before it is spooled. */
  readonly retryBudgetMs: number;
  readonly requestTimeoutMs: number;
  readonly maxBufferPoints: number;
  readonly spoolDir: string;
  readonly spoolMaxBytes: number;
  readonly deadLetterFile: string;
  readonly shutdownTimeoutMs: number;
  /** Series labels written as tags; empty = all labels. */
  readonly tagAllowlist: readonly string[];
}

export interface FileSinkConfig {
  readonly dir: string;
  /** Rotate the current .lp file once it reaches this size. */
  readonly rotateBytes: number;
  /** Keep at most this many rotated files. */
  readonly maxFiles: number;
}

export interface TelemetryConfig {
  /** Port of /metrics, /healthz, /readyz; 0 disables the server. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  /** Export anomalyd_forecast{bound} and anomalyd_anomaly_score per series. */
  readonly perSeriesGauges: boolean;
}

export interface AppConfig {
  readonly logLevel: LogLevel;
  readonly source: SourceMode;
  readonly intervalSeconds: number;
  readonly prometheus: PrometheusConfig;
  readonly simulator: SimulatorConfig;
  readonly model: ModelConfig;
  readonly detection: DetectionOptions;
  readonly influxdb: InfluxConfig;
  readonly fileSink: FileSinkConfig;
  readonly telemetry: TelemetryConfig;
}
