import { redactConfig } from '../../config';
import { systemClock } from '../../domain/clock';
import { checkInflux } from '../../sinks/influx/check';
import { PrometheusClient, PrometheusSource } from '../../sources/prometheus';
import type { CheckContext } from '../contexts';
import { loadAppConfig } from './common';

interface Row {
  readonly check: string;
  readonly ok: boolean | undefined;
  readonly detail: string;
}

export function formatTable(rows: readonly Row[]): string {
  const status = (ok: boolean | undefined): string => (ok === undefined ? 'SKIP' : ok ? 'OK' : 'FAIL');
  const w = Math.max(5, ...rows.map((r) => r.check.length));
  const lines = [`${'CHECK'.padEnd(w)}  STATUS  DETAIL`];
  for (const r of rows) lines.push(`${r.check.padEnd(w)}  ${status(r.ok).padEnd(6)}  ${r.detail}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `anomalyd check`: the config loads (else exit 2 with the problems), each query answers, InfluxDB is
 * healthy and writable. Exit 0 when everything that is configured works, 1 otherwise.
 */
export async function checkAction(ctx: CheckContext): Promise<number> {
  const config = loadAppConfig(ctx);
  const safe = redactConfig(config);
  const rows: Row[] = [{ check: 'config', ok: true, detail: ctx.configPath ?? 'defaults / ./config.yaml' }];

  if (config.source === 'simulator') {
    rows.push({ check: 'prometheus', ok: undefined, detail: 'source is simulator: Prometheus not used' });
  } else {
    const client = new PrometheusClient({
      url: config.prometheus.url,
      timeoutMs: config.prometheus.timeoutMs,
      retries: 0,
    });
    const source = new PrometheusSource({
      client,
      queries: config.prometheus.queries,
      defaultStepSeconds: config.intervalSeconds,
      clock: systemClock,
    });
    for (const q of await source.checkQueries()) {
      rows.push({
        check: `query ${q.query}`,
        ok: q.ok,
        detail: q.ok ? `${q.seriesCount} series from ${safe.prometheus.url}` : (q.error ?? 'failed'),
      });
    }
  }

  if (config.influxdb.enabled) {
    const influx = await checkInflux(config.influxdb, { nowMs: () => systemClock.nowMs() });
    rows.push({
      check: 'influxdb health',
      ok: influx.health.ok,
      detail: influx.health.ok ? influx.health.target : influx.health.detail,
    });
    rows.push({
      check: 'influxdb write',
      ok: influx.write.ok,
      detail: influx.write.ok ? influx.write.target : influx.write.detail,
    });
  } else {
    rows.push({
      check: 'influxdb',
      ok: undefined,
      detail: `not configured (set INFLUXDB_URL and INFLUXDB_TOKEN); points go to files under ${config.fileSink.dir}`,
    });
  }
  process.stdout.write(formatTable(rows));
  return rows.some((r) => r.ok === false) ? 1 : 0;
}
