import { join } from 'node:path';

import { loadConfig } from '../../../src/config';
import { ROOT, asArray, isObject, readYaml, str } from './support/stackFiles';

const STACK_CONFIG = join(ROOT, 'deploy', 'anomalyd.stack.yaml');
/** What docker-compose.yml gives the anomalyd container (the token is a placeholder here). */
const STACK_ENV = { INFLUXDB_TOKEN: 'test-token', METRICS_PORT: '9464' };

/** Every key path of a YAML mapping, lists counted as leaves: `prometheus.queries`. */
function keyPaths(node: unknown, prefix = ''): string[] {
  if (!isObject(node)) return [prefix];
  return Object.entries(node).flatMap(([k, v]) => keyPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('the stack config deploy/anomalyd.stack.yaml', () => {
  const config = loadConfig({ path: STACK_CONFIG, env: STACK_ENV, flags: {} });

  it('loads with the project loader and writes to the compose InfluxDB', () => {
    expect(config.influxdb.enabled).toBe(true);
    expect(config.influxdb.url).toBe('http://influxdb:8086');
    expect(config.prometheus.url).toBe('http://prometheus:9090');
  });

  it('uses only keys that config.yaml has', () => {
    const known = new Set(keyPaths(readYaml(join(ROOT, 'config.yaml'))));
    expect(keyPaths(readYaml(STACK_CONFIG)).filter((k) => !known.has(k))).toEqual([]);
  });

  it('holds no token: without INFLUXDB_TOKEN in the environment it refuses to start', () => {
    expect(() => loadConfig({ path: STACK_CONFIG, env: {}, flags: {} })).toThrow(/INFLUXDB_TOKEN/);
  });

  it("watches node-exporter's CPU, memory, disk and network series", () => {
    const promql = config.prometheus.queries.map((q) => q.promql).join('\n');
    for (const metric of [
      'node_cpu_seconds_total',
      'node_memory_MemAvailable_bytes',
      'node_filesystem_avail_bytes',
      'node_disk_io_time_seconds_total',
      'node_network_receive_bytes_total',
      'node_network_transmit_bytes_total',
    ]) {
      expect(promql).toContain(metric);
    }
  });

  it('serves /metrics on the port Prometheus scrapes and the healthcheck probes, on every interface', () => {
    expect(config.telemetry.metricsHost).toBe('0.0.0.0');
    const prometheus = readYaml(join(ROOT, 'prometheus', 'prometheus.yml'));
    const jobs = isObject(prometheus) ? asArray(prometheus.scrape_configs).filter(isObject) : [];
    const targets = (job: string): unknown[] =>
      jobs
        .filter((j) => j.job_name === job)
        .flatMap((j) =>
          asArray(j.static_configs)
            .filter(isObject)
            .flatMap((s) => asArray(s.targets)),
        );
    expect(targets('anomalyd')).toEqual([`anomalyd:${config.telemetry.metricsPort}`]);
    expect(targets('node')).toEqual(['node-exporter:9100']);
    const compose = readYaml(join(ROOT, 'docker-compose.yml'));
    const services = isObject(compose) && isObject(compose.services) ? compose.services : {};
    const anomalyd = isObject(services.anomalyd) ? services.anomalyd : {};
    const healthcheck = isObject(anomalyd.healthcheck)
      ? asArray(anomalyd.healthcheck.test).map(str).join(' ')
      : '';
    expect(healthcheck).toContain(`http://127.0.0.1:${config.telemetry.metricsPort}/healthz`);
  });

  it('keeps the spool and dead letters on the data volume the image declares', () => {
    expect(config.influxdb.spoolDir.startsWith('/var/lib/anomalyd/')).toBe(true);
    expect(config.influxdb.deadLetterFile.startsWith('/var/lib/anomalyd/')).toBe(true);
    expect(config.fileSink.dir.startsWith('/var/lib/anomalyd/')).toBe(true);
  });
});
