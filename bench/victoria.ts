import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Local VictoriaMetrics processes, for the bench and (through tests/helpers) the integration suites: one
 * lifecycle — spawn on a free loopback port with a temp data dir, wait for /health, stop by PID, clean up.
 */

/** Asks the kernel for a free TCP port on 127.0.0.1 (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not read the bound port'));
        return;
      }
      const { port } = addr;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

/** The victoria-metrics binary: $VICTORIA_METRICS_BIN, the Debian path, or the first on PATH. */
export function victoriaMetricsBinary(): string | undefined {
  const candidates = [
    process.env.VICTORIA_METRICS_BIN,
    '/usr/bin/victoria-metrics',
    '/usr/local/bin/victoria-metrics',
  ];
  for (const c of candidates) if (c !== undefined && c !== '' && fs.existsSync(c)) return c;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'victoria-metrics');
    if (dir !== '' && fs.existsSync(p)) return p;
  }
  return undefined;
}

export interface VictoriaProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface SpawnVictoriaOptions {
  readonly startTimeoutMs?: number;
  readonly extraArgs?: readonly string[];
  /** Prefix of the temp data dir, so leftovers say who made them. */
  readonly dataDirPrefix?: string;
}

/** Starts victoria-metrics and resolves once /health answers; throws with its last output otherwise. */
export async function spawnVictoriaMetrics(options: SpawnVictoriaOptions = {}): Promise<VictoriaProcess> {
  const bin = victoriaMetricsBinary();
  if (bin === undefined) throw new Error('victoria-metrics not found (apt-get install -y victoria-metrics)');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), options.dataDirPrefix ?? 'anomalyd-vm-'));
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
  // Polling /health is the only readiness signal the binary offers; real time, bounded by the deadline.
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await healthy(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`victoria-metrics did not become healthy on ${url}: ${output.join('').slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, pid: child.pid ?? -1, dataDir, stop };
}

/** What the bench reads off its write target. */
export interface LocalVictoriaMetrics extends VictoriaProcess {
  /** Rows VictoriaMetrics counted as inserted through the InfluxDB line-protocol endpoint. */
  insertedRows(): Promise<number>;
  /** Resident memory of the server process, MB. */
  rssMb(): number;
}

export async function startLocalVictoriaMetrics(startTimeoutMs = 20_000): Promise<LocalVictoriaMetrics> {
  const vm = await spawnVictoriaMetrics({ startTimeoutMs, dataDirPrefix: 'anomalyd-bench-vm-' });
  return {
    ...vm,
    async insertedRows() {
      const text = await (await fetch(`${vm.url}/metrics`)).text();
      const m = /^vm_rows_inserted_total\{type="influx"\}\s+(\d+)/m.exec(text);
      return m ? Number(m[1]) : Number.NaN;
    },
    rssMb() {
      try {
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${vm.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
  };
}
