// Starts the built CLI (`node dist/src/cli/main.js monitor --source simulator`) in a scratch directory
// with METRICS_PORT on a free port, waits for /metrics to answer, prints {metrics, healthzStatus} as JSON
// and stops the CLI.
// Run synchronously (spawnSync) by prometheus.test.ts at collection time, so the suite can skip with a
// clear message when the CLI cannot start. Exit codes: 0 = metrics on stdout; 2 = CLI could not serve.
/* global process, fetch, setTimeout, clearTimeout */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const mainJs = resolve(process.argv[2] ?? 'dist/src/cli/main.js');
const timeoutMsArg = process.argv[3];
const timeoutMs = Number(timeoutMsArg ?? '20000');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'anomalyd-probe-'));
  // Per-series gauges on, so every metric the rules and dashboards use is registered; a short backfill
  // keeps the start fast. Data files go to the scratch directory.
  writeFileSync(
    join(dir, 'config.yaml'),
    'telemetry:\n  per_series_gauges: true\n  metrics_host: 127.0.0.1\nsimulator:\n  backfill: 1h\n',
  );
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: dir, METRICS_PORT: String(port), LOG_LEVEL: 'warn' };
  const child = spawn(
    process.execPath,
    [mainJs, 'monitor', '--source', 'simulator', '--config', join(dir, 'config.yaml')],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (b) => {
    stderr += String(b);
  });
  let exited = false;
  child.on('exit', (code) => {
    exited = true;
    stderr += `\n(exited with code ${code})`;
  });
  const deadline = Date.now() + timeoutMs;
  let body;
  while (!exited && Date.now() < deadline && body === undefined) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (res.ok) {
        const metrics = await res.text();
        const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
        body = JSON.stringify({ metrics, healthzStatus: healthz.status });
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (!exited) {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise((r) => child.once('exit', r));
    clearTimeout(killer);
  }
  rmSync(dir, { recursive: true, force: true });
  if (body === undefined) {
    process.stderr.write(
      exited
        ? `the CLI exited before serving /metrics:\n${stderr.slice(-2000)}`
        : `no /metrics on port ${port} within ${timeoutMs} ms`,
    );
    process.exit(2);
  }
  process.stdout.write(body);
  process.exit(0);
}

await main().catch((err) => {
  process.stderr.write(String(err));
  process.exit(2);
});
