import { Registry } from 'prom-client';

import { UserError } from '../../../src/domain/errors';
import { METRIC } from '../../../src/telemetry/metricNames';
import { createMetrics } from '../../../src/telemetry/metrics';
import { startTelemetryServer, type Readiness, type TelemetryServer } from '../../../src/telemetry/server';

describe('startTelemetryServer', () => {
  let server: TelemetryServer;
  let readiness: Readiness;
  let url: (path: string) => string;

  beforeEach(async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { perSeriesGauges: true });
    metrics.pointsProcessedTotal.inc(42);
    metrics.perSeries.set('cpu', { yhat: 1, lower: 0, upper: 2, score: 0 });
    readiness = { ready: false, reasons: ['no model fitted yet', 'prometheus unreachable'] };
    server = await startTelemetryServer({ host: '127.0.0.1', port: 0, registry, ready: () => readiness });
    url = (path) => `http://127.0.0.1:${server.port}${path}`;
  });

  afterEach(async () => {
    await server.close();
  });

  it('binds a free port when asked for port 0', () => {
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves every metric of metricNames.ts on /metrics in the text format', async () => {
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const declared = text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    expect(Object.values(METRIC).filter((n) => !declared.includes(n))).toEqual([]);
    expect(text).toContain(`${METRIC.pointsProcessedTotal} 42`);
    expect(text).toContain('anomalyd_process_cpu_seconds_total');
  });

  it('answers /healthz with 200 ok while alive', async () => {
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('answers /readyz with 503 and the reasons until ready, then 200', async () => {
    const notReady = await fetch(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      ready: false,
      reasons: ['no model fitted yet', 'prometheus unreachable'],
    });
    readiness = { ready: true, reasons: [] };
    const ready = await fetch(url('/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, reasons: [] });
  });

  it('reports a throwing readiness check as not ready instead of crashing', async () => {
    const registry = new Registry();
    const other = await startTelemetryServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      ready: () => {
        throw new Error('state unavailable');
      },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${other.port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        ready: false,
        reasons: ['readiness check failed: state unavailable'],
      });
    } finally {
      await other.close();
    }
  });

  it('answers 404 for unknown paths and 405 for other methods, ignoring query strings', async () => {
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/metricsx'))).status).toBe(404);
    expect((await fetch(url('/metrics?name[]=x'))).status).toBe(200);
    const post = await fetch(url('/metrics'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('fails with a UserError naming the address when the port is taken', async () => {
    await expect(
      startTelemetryServer({
        host: '127.0.0.1',
        port: server.port,
        registry: new Registry(),
        ready: () => readiness,
      }),
    ).rejects.toThrow(UserError);
    await expect(
      startTelemetryServer({
        host: '127.0.0.1',
        port: server.port,
        registry: new Registry(),
        ready: () => readiness,
      }),
    ).rejects.toThrow(`cannot start the telemetry server on 127.0.0.1:${server.port}`);
  });

  it('stops accepting connections once closed', async () => {
    await fetch(url('/healthz'));
    await server.close();
    await expect(fetch(url('/healthz'))).rejects.toThrow();
    // Re-open so afterEach has something to close.
    server = await startTelemetryServer({
      host: '127.0.0.1',
      port: 0,
      registry: new Registry(),
      ready: () => readiness,
    });
  });
});
