import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findBinary } from './integration';
import { freePort } from './ports';

/** One series as returned by VictoriaMetrics' `/api/v1/export` (JSON lines). */
export interface ExportedSeries {
  /** Labels, `__name__` included (e.g. `forecast_yhat`). */
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  /** Epoch milliseconds. */
  readonly timestamps: readonly number[];
}

/** A running VictoriaMetrics single-node server. */
export interface VictoriaMetrics {
  /** `http://127.0.0.1:PORT`; InfluxDB line protocol is accepted at `${url}/api/v2/write`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Makes freshly ingested points searchable at once (VictoriaMetrics caches for a few seconds). */
  flush(): Promise<void>;
  /** `/api/v1/export` for a series selector, e.g. `{__name__=~"actual_.*"}`. */
  exportSeries(match: string): Promise<ExportedSeries[]>;
  /** Kills the process (by PID) and removes the data directory. */
  stop(): Promise<void>;
}

/** Options of {@link startVictoriaMetrics}. */
export interface VictoriaMetricsOptions {
  /** Maximum wait for /health, ms (default 20 000). */
  readonly startTimeoutMs?: number;
  /** Extra command-line flags. */
  readonly extraArgs?: readonly string[];
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`);
    return res.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts `victoria-metrics` on a free 127.0.0.1 port with a temp data dir and 100y retention (so old test
 * timestamps are kept), and waits for `/health`. Reusable by end-to-end tests as an InfluxDB write target
 * and Prometheus-compatible query backend.
 */
export async function startVictoriaMetrics(options: VictoriaMetricsOptions = {}): Promise<VictoriaMetrics> {
  const bin = findBinary('victoria-metrics');
  if (bin === undefined)
    throw new Error('victoria-metrics is not on PATH (apt-get install -y victoria-metrics)');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-vm-'));
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child = spawn(
    bin,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataDir}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (b: Buffer): void => {
    output.push(b.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      }, 10_000);
      await exited(child);
      clearTimeout(killer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  // Polling /health is the only readiness signal the binary offers; this runs in real time, outside any
  // test's fake clock, and gives up after startTimeoutMs.
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await healthy(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`victoria-metrics did not become healthy on ${url}: ${output.join('').slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    port,
    dataDir,
    async flush() {
      const res = await fetch(`${url}/internal/force_flush`);
      if (!res.ok) throw new Error(`force_flush: HTTP ${res.status}`);
    },
    async exportSeries(match) {
      const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': match }).toString()}`);
      if (!res.ok) throw new Error(`export ${match}: HTTP ${res.status}: ${await res.text()}`);
      const text = await res.text();
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ExportedSeries);
    },
    stop,
  };
}
