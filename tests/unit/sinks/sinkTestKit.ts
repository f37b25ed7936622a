import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../../../src/domain/logger';
import type { InfluxSinkConfig } from '../../../src/sinks/influx/influxSink';
import type { PointRecord } from '../../../src/sinks/types';

/** A logger that keeps every entry for assertions. */
export interface LogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly meta: Record<string, unknown> | undefined;
}

export function recordingLogger(): Logger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, meta?: Record<string, unknown>): void => {
      entries.push({ level, message, meta });
    };
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export const TOKEN = 'super-secret-token-do-not-log';

/** Sink settings for tests: small batches, short back-off, a temp spool and dead-letter file. */
export function testConfig(dir: string, url: string, over: Partial<InfluxSinkConfig> = {}): InfluxSinkConfig {
  return {
    url,
    token: TOKEN,
    org: 'acme',
    bucket: 'anomalyd',
    batchSize: 10,
    flushIntervalMs: 1000,
    maxRetries: 5,
    retryInitialMs: 100,
    retryMaxMs: 20_000,
    retryBudgetMs: 60_000,
    requestTimeoutMs: 5000,
    maxBufferPoints: 10_000,
    spoolDir: path.join(dir, 'spool'),
    spoolMaxBytes: 10_000_000,
    deadLetterFile: path.join(dir, 'dead-letter.lp'),
    tagAllowlist: [],
    ...over,
  };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-sink-'));
}

/** `n` actual-only records (one line each) of series `host-<i % hosts>`, one second apart from `startMs`. */
export function records(n: number, startMs: number, hosts = 3, offset = 0): PointRecord[] {
  const out: PointRecord[] = [];
  for (let i = 0; i < n; i += 1) {
    const host = `host-${(offset + i) % hosts}`;
    out.push({
      seriesId: `cpu{host="${host}"}`,
      query: 'cpu',
      source: 'simulator',
      labels: { host },
      timestampMs: startMs + (offset + i) * 1000,
      actual: offset + i,
    });
  }
  return out;
}

/** Lines held in spool segment files under `dir`. */
export function spooledLines(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.lp'))
    .sort()
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
}
