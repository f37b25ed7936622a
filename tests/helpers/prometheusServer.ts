/**
 * Starts a real `prometheus` for integration tests: temp config and TSDB dirs, scraping given targets every
 * second, optionally with history backfilled from OpenMetrics text by `promtool` before start. Reused by
 * the end-to-end daemon test.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const execFileAsync = promisify(execFile);

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** `host:port` targets scraped at `/metrics` under one job. */
  readonly scrapeTargets: readonly string[];
  /** Job name (the `job` label of scraped series). Default `seasonal`. */
  readonly jobName?: string;
  /** Scrape interval in seconds. Default 1. */
  readonly scrapeIntervalSeconds?: number;
  /** History written into the TSDB before start (`promtool tsdb create-blocks-from openmetrics`). */
  readonly backfill?: { readonly openMetricsText: string };
  /** How long to wait for readiness. Default 90 s (a large backfill takes a while to load). */
  readonly readyTimeoutMs?: number;
  readonly prometheusBinary?: string;
  readonly promtoolBinary?: string;
}

/** A running Prometheus. */
export interface PrometheusServer {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly jobName: string;
  readonly tsdbDir: string;
  /** Its stderr so far (for failure messages). */
  logs(): string;
  /** Stops it by PID (SIGTERM, then SIGKILL after 10 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

function configYaml(jobName: string, targets: readonly string[], intervalSeconds: number): string {
  return [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(jobName)}`,
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
}

/** Signals our own child by PID; it may have exited in the meantime (ESRCH), which is fine. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts Prometheus on 127.0.0.1 and a free port; resolves once it logs that it is ready and `/-/ready`
 * answers 200. Rejects (after stopping it) with its log tail if it exits or is not ready in time.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  const jobName = options.jobName ?? 'seasonal';
  const dir = await mkdtemp(join(tmpdir(), 'anomalyd-prometheus-'));
  const tsdbDir = join(dir, 'tsdb');
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, configYaml(jobName, options.scrapeTargets, options.scrapeIntervalSeconds ?? 1));

  if (options.backfill !== undefined) {
    const omFile = join(dir, 'backfill.om');
    await writeFile(omFile, options.backfill.openMetricsText);
    try {
      await execFileAsync(options.promtoolBinary ?? 'promtool', [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        '--quiet',
        omFile,
        tsdbDir,
      ]);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      const stderr = (e as { stderr?: unknown }).stderr;
      throw new Error(
        `promtool backfill of ${omFile} failed: ${typeof stderr === 'string' ? stderr : String(e)}`,
      );
    }
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.prometheusBinary ?? 'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${tsdbDir}`,
      `--storage.tsdb.retention.time=100y`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const pid = child.pid;
    if (child.exitCode === null && child.signalCode === null && pid !== undefined) {
      signal(pid, 'SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        signal(pid, 'SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  // Readiness comes from Prometheus' own log line (no polling), confirmed by /-/ready.
  const ready = new Promise<void>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 90_000;
    const timer = setTimeout(() => reject(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      if (log.includes('Server is ready to receive web requests')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited before becoming ready (code ${code}, signal ${signal})`));
    });
  });
  try {
    await ready;
    const res = await fetch(`${url}/-/ready`);
    if (res.status !== 200) throw new Error(`${url}/-/ready answered ${res.status}: ${await res.text()}`);
  } catch (e) {
    await stop();
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`prometheus on ${url} failed to start: ${why}\n--- log tail ---\n${log.slice(-3000)}`);
  }
  if (child.pid === undefined) throw new Error('prometheus has no pid');
  return { url, port, pid: child.pid, jobName, tsdbDir, logs: () => log, stop };
}
