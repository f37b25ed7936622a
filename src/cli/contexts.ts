import type { LogLevel, SourceMode } from '../config/types';

/** Flags every command that reads the config understands. */
export interface GlobalContext {
  /** Path of the config file; undefined = ./config.yaml when present, else the built-in defaults. */
  readonly configPath?: string;
  readonly logLevel?: LogLevel;
}

export interface MonitorContext extends GlobalContext {
  readonly intervalSeconds?: number;
  readonly once: boolean;
  readonly source?: SourceMode;
  readonly prometheusUrl?: string;
  readonly thresholdMultiplier?: number;
  readonly modelPath?: string;
}

/** `--inject N` (N anomalies) or `--inject 5%` (about 5% of the evaluated points anomalous). */
export type InjectSpec = { readonly count: number } | { readonly fraction: number };

export interface EvaluateContext extends GlobalContext {
  readonly dataset?: string;
  readonly valueColumn?: string;
  /** Sort out-of-order rows and keep the first of duplicated timestamps instead of rejecting the file. */
  readonly repairTimestamps: boolean;
  readonly modelPath?: string;
  readonly trainRatio: number;
  readonly inject?: InjectSpec;
  readonly seed: number;
  readonly labelsPath?: string;
  readonly json: boolean;
  readonly scoresOut?: string;
  readonly outputDir: string;
  readonly plots: boolean;
  readonly thresholdMultiplier?: number;
}

export interface TrainContext extends GlobalContext {
  readonly dataset: string;
  readonly valueColumn?: string;
  readonly repairTimestamps: boolean;
  readonly modelPath: string;
  readonly trainRatio: number;
  readonly outputDir: string;
  readonly plots: boolean;
  readonly thresholdMultiplier?: number;
}

export interface SimulateContext {
  readonly days: number;
  readonly stepMs: number;
  readonly seed: number;
  readonly out: string;
  readonly kind: 'cpu' | 'memory' | 'latency';
  readonly anomaliesPerDay: number;
  readonly startMs?: number;
}

export type CheckContext = GlobalContext;

/** What each command does. Actions never import commander; they return the process exit code. */
export interface Actions {
  monitor(ctx: MonitorContext): Promise<number>;
  train(ctx: TrainContext): Promise<number>;
  evaluate(ctx: EvaluateContext): Promise<number>;
  simulate(ctx: SimulateContext): Promise<number>;
  check(ctx: CheckContext): Promise<number>;
}
