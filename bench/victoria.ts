import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A local VictoriaMetrics single-node server (InfluxDB line protocol at `${url}/api/v2/write`). */
export interface LocalVictoriaMetrics {
  readonly url: string;
  readonly pid: number;
  /** Points stored (vm_rows_inserted_total{type="influx"}), read from its /metrics. */
  insertedRows(): Promise<number>;
  /** Resident memory of the server process, MB (Linux /proc), NaN when unknown. */
  rssMb(): number;
  /** Stops the process (by its PID) and removes its data directory. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
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

/** Where the binary is: $VICTORIA_METRICS_BIN, /usr/bin/victoria-metrics, or on PATH. */
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

/**
 * Starts victoria-metrics on a free 127.0.0.1 port with a temporary data dir and waits for /health
 * (a small copy of tests/helpers/victoriaMetrics.ts, which the build does not include).
 */
export async function startLocalVictoriaMetrics(startTimeoutMs = 20_000): Promise<LocalVictoriaMetrics> {
  const bin = victoriaMetricsBinary();
  if (bin === undefined) throw new Error('victoria-metrics not found (apt-get install -y victoria-metrics)');
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-bench-vm-'));
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child = spawn(
    bin,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataDir}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (b: Buffer): void => {
    output.push(b.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid ?? -1;
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
  const deadline = Date.now() + startTimeoutMs;
  while (!(await healthy(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`victoria-metrics did not become healthy on ${url}: ${output.join('').slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid,
    async insertedRows() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /^vm_rows_inserted_total\{type="influx"\}\s+(\d+)/m.exec(text);
      return m ? Number(m[1]) : Number.NaN;
    },
    rssMb() {
      try {
        const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    stop,
  };
}
