import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CONFIG } from '../../../src/config/defaults';
import { ConfigError, formatProblem } from '../../../src/config/errors';
import { loadConfig, resolveConfig, type ConfigFlags, type Environment } from '../../../src/config/load';
import { UserError } from '../../../src/domain/errors';

const FILE = 'config.yaml';

function resolve(text: string | undefined, env: Environment = {}, flags: ConfigFlags = {}) {
  return resolveConfig({ file: text === undefined ? undefined : { text, name: FILE }, env, flags });
}

/** The formatted problems of a config that must be rejected. */
function problems(text: string | undefined, env: Environment = {}, flags: ConfigFlags = {}): string[] {
  try {
    resolve(text, env, flags);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('resolveConfig precedence', () => {
  it('returns the defaults when there is no file, environment or flag', () => {
    expect(resolve(undefined)).toEqual(DEFAULT_CONFIG);
  });

  it('lets the file override defaults key by key, keeping sibling defaults', () => {
    const cfg = resolve('detection:\n  episode:\n    window: 5\nprometheus:\n  timeout: 500ms\n');
    expect(cfg.detection.episode.window).toBe(5);
    expect(cfg.detection.episode.minPoints).toBe(DEFAULT_CONFIG.detection.episode.minPoints);
    expect(cfg.prometheus.timeoutMs).toBe(500);
    expect(cfg.prometheus.url).toBe(DEFAULT_CONFIG.prometheus.url);
  });

  it('replaces the query list as a whole and converts step to seconds', () => {
    const cfg = resolve('prometheus:\n  queries:\n    - name: up\n      promql: up\n      step: 1m\n');
    expect(cfg.prometheus.queries).toEqual([{ name: 'up', promql: 'up', stepSeconds: 60 }]);
  });

  it('lets the environment override the file, and flags override both', () => {
    const text = 'interval_seconds: 10\nlog_level: warn\nsource: simulator\n';
    const env = { MONITORING_INTERVAL: '20', LOG_LEVEL: 'debug', ANOMALYD_SOURCE: 'prometheus' };
    const fromEnv = resolve(text, env);
    expect([fromEnv.intervalSeconds, fromEnv.logLevel, fromEnv.source]).toEqual([20, 'debug', 'prometheus']);
    const fromFlags = resolve(text, env, { intervalSeconds: 40, source: 'auto' });
    expect([fromFlags.intervalSeconds, fromFlags.logLevel, fromFlags.source]).toEqual([40, 'debug', 'auto']);
  });

  it('applies every documented environment variable', () => {
    const cfg = resolve(undefined, {
      PROMETHEUS_URL: 'http://prom:9090',
      INFLUXDB_URL: 'http://influx:8086',
      INFLUXDB_TOKEN: 's3cret',
      INFLUXDB_ORG: 'acme',
      INFLUXDB_BUCKET: 'metrics',
      METRICS_PORT: '9100',
    });
    expect(cfg.prometheus.url).toBe('http://prom:9090');
    expect(cfg.influxdb).toMatchObject({
      enabled: true,
      url: 'http://influx:8086',
      token: 's3cret',
      org: 'acme',
      bucket: 'metrics',
    });
    expect(cfg.telemetry.metricsPort).toBe(9100);
  });

  it('treats empty environment variables as unset', () => {
    expect(resolve(undefined, { INFLUXDB_URL: '', LOG_LEVEL: ' ' })).toEqual(DEFAULT_CONFIG);
  });

  it('applies every flag', () => {
    const cfg = resolve(
      undefined,
      {},
      {
        intervalSeconds: 15,
        source: 'simulator',
        prometheusUrl: 'https://prom.example.com',
        thresholdMultiplier: 2,
        logLevel: 'error',
        modelKind: 'mstl',
      },
    );
    expect(cfg).toMatchObject({
      intervalSeconds: 15,
      source: 'simulator',
      logLevel: 'error',
      prometheus: { url: 'https://prom.example.com' },
      detection: { thresholdMultiplier: 2 },
      model: { kind: 'mstl' },
    });
  });

  it('keeps the InfluxDB sink disabled until a URL is given', () => {
    expect(resolve(undefined, { INFLUXDB_TOKEN: 'tok' }).influxdb.enabled).toBe(false);
    expect(resolve('influxdb:\n  url: http://influx:8086\n  token: tok\n').influxdb.enabled).toBe(true);
  });

  it('does not mutate DEFAULT_CONFIG', () => {
    const before = JSON.stringify(DEFAULT_CONFIG);
    resolve('detection:\n  severity:\n    low: 1.2\n', { LOG_LEVEL: 'debug' });
    expect(JSON.stringify(DEFAULT_CONFIG)).toBe(before);
  });

  it('returns a frozen config so no component can change it for the others', () => {
    const cfg = resolve(undefined);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.detection.severity)).toBe(true);
    expect(Object.isFrozen(cfg.prometheus.queries[0])).toBe(true);
  });

  it('accepts an empty or comment-only file as all defaults', () => {
    expect(resolve('')).toEqual(DEFAULT_CONFIG);
    expect(resolve('# nothing here\n')).toEqual(DEFAULT_CONFIG);
  });

  it('reads durations, bare seconds and sizes with their units', () => {
    const cfg = resolve(
      'interval_seconds: 1m\nmodel:\n  retrain_interval: 1h30m\ninfluxdb:\n  spool_max_bytes: 500KB\nfile_sink:\n  rotate_bytes: 4096\n',
    );
    expect(cfg.intervalSeconds).toBe(60);
    expect(cfg.model.retrainIntervalMs).toBe(5_400_000);
    expect(cfg.influxdb.spoolMaxBytes).toBe(500_000);
    expect(cfg.fileSink.rotateBytes).toBe(4096);
  });
});

describe('resolveConfig validation', () => {
  it('names file, line, key and expectation for a wrong type', () => {
    const text = 'source: auto\ndetection:\n  threshold_multiplier: high\n';
    expect(problems(text)).toEqual([
      'config.yaml:3: detection.threshold_multiplier: must be a number > 0, got "high"',
    ]);
  });

  it('reports an out-of-range interval width with the allowed range', () => {
    expect(problems('model:\n  interval_width: 1.5\n')).toEqual([
      'config.yaml:2: model.interval_width: must be a number between 0 and 1 exclusive, got 1.5',
    ]);
  });

  it('collects every problem instead of stopping at the first', () => {
    const text = [
      'interval_seconds: 0', // 1
      'prometheus:', // 2
      '  url: localhost:9090', // 3
      '  timeout: 10 seconds', // 4
      'model:', // 5
      '  daily_order: 2.5', // 6
      'telemetry:', // 7
      '  per_series_gauges: yes', // 8
      '  metrics_port: 70000', // 9
      '',
    ].join('\n');
    const found = problems(text);
    expect(found).toHaveLength(6);
    expect(found[0]).toBe('config.yaml:1: interval_seconds: must be longer than 0s, got 0');
    expect(found[1]).toMatch(/^config\.yaml:3: prometheus\.url: must be an http:\/\/ or https:\/\/ URL/);
    expect(found[2]).toBe(
      'config.yaml:4: prometheus.timeout: must be a duration such as 500ms, 30s, 5m, 24h or 14d, got "10 seconds"',
    );
    expect(found[3]).toBe('config.yaml:6: model.daily_order: must be an integer from 0 to 48, got 2.5');
    expect(found[4]).toBe('config.yaml:8: telemetry.per_series_gauges: must be true or false, got "yes"');
    expect(found[5]).toBe(
      'config.yaml:9: telemetry.metrics_port: must be an integer from 0 to 65535, got 70000',
    );
  });

  it('asks for a unit when a duration is a bare number', () => {
    expect(problems('prometheus:\n  timeout: 30\n')).toEqual([
      'config.yaml:2: prometheus.timeout: must be a duration such as 500ms, 30s, 5m, 24h or 14d, got 30 (add a unit, e.g. "30s" for 30 seconds)',
    ]);
  });

  it('rejects malformed and too small sizes', () => {
    expect(problems('influxdb:\n  spool_max_bytes: 1 gigabyte\nfile_sink:\n  rotate_bytes: 1KB\n')).toEqual([
      'config.yaml:2: influxdb.spool_max_bytes: must be a size such as 64MiB, 1GiB or a number of bytes, got "1 gigabyte"',
      'config.yaml:4: file_sink.rotate_bytes: must be a size of at least 1024 bytes, got "1KB"',
    ]);
  });

  it('suggests the intended key for a near miss', () => {
    expect(problems('detection:\n  treshold_multiplier: 2\n')).toEqual([
      'config.yaml:2: detection.treshold_multiplier: unknown key; did you mean "threshold_multiplier"?',
    ]);
    expect(problems('intervalSeconds: 30\n')).toEqual([
      'config.yaml:1: intervalSeconds: unknown key; did you mean "interval_seconds"?',
    ]);
  });

  it('points a key written at the wrong level to where it belongs', () => {
    expect(problems('threshold_multiplier: 2\n')).toEqual([
      'config.yaml:1: threshold_multiplier: unknown key here; did you mean "detection.threshold_multiplier"? (move it there)',
    ]);
  });

  it('lists the valid keys when nothing is close', () => {
    expect(problems('simulator:\n  zzz: 1\n')).toEqual([
      'config.yaml:2: simulator.zzz: unknown key; valid keys under simulator are: hosts, seed, backfill, anomalies_per_day',
    ]);
  });

  it('reports invalid YAML with line and column', () => {
    expect(problems('source: auto\nmodel:\n  kind: a: b\n')).toEqual([
      'config.yaml:3:9: invalid YAML: Nested mappings are not allowed in compact mappings (fix the syntax at this position)',
    ]);
  });

  it('reports a duplicated key as invalid YAML at its line', () => {
    expect(problems('source: auto\nsource: simulator\n')[0]).toMatch(
      /^config\.yaml:2:1: invalid YAML: .*unique/,
    );
  });

  it('rejects a section that is not a mapping', () => {
    expect(problems('detection: 3\n')).toEqual([
      'config.yaml:1: detection: this key must hold a mapping of keys (threshold_multiplier, severity, episode, drift), got 3',
    ]);
    expect(problems('- a\n- b\n')[0]).toMatch(/^config\.yaml:1: the file must hold a mapping of keys/);
  });

  it('rejects duplicate and malformed query names at their lines', () => {
    const text = [
      'prometheus:', // 1
      '  queries:', // 2
      '    - name: cpu', // 3
      '      promql: up', // 4
      '    - name: cpu', // 5
      '      promql: up', // 6
      '    - name: 9lives', // 7
      '      promql: up', // 8
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'config.yaml:7: prometheus.queries[2].name: must be a name of letters, digits and _ not starting with a digit (e.g. "cpu_busy_percent"), got "9lives"',
    ]);
    expect(problems(text.replace('9lives', 'mem'))).toEqual([
      'config.yaml:5: prometheus.queries[1].name: duplicate query name "cpu" (also used by prometheus.queries[0]); give each query a unique name',
    ]);
  });

  it('rejects a query without promql and a query list that is not a list', () => {
    expect(problems('prometheus:\n  queries:\n    - name: cpu\n')).toEqual([
      expect.stringMatching(/^config\.yaml:3: prometheus\.queries\[0\]: missing required key "promql"/),
    ]);
    expect(problems('prometheus:\n  queries: up\n')).toEqual([
      'config.yaml:2: prometheus.queries: must be a list (items starting with "- "), got "up"',
    ]);
  });

  it('rejects an empty query list when the source is prometheus, but not for the simulator', () => {
    expect(problems('source: prometheus\nprometheus:\n  queries: []\n')).toEqual([
      'config.yaml:3: prometheus.queries: source is "prometheus" but prometheus.queries is empty; add at least one query',
    ]);
    expect(resolve('source: simulator\nprometheus:\n  queries: []\n').prometheus.queries).toEqual([]);
  });

  it('requires a token once INFLUXDB_URL enables the sink, naming INFLUXDB_TOKEN', () => {
    const found = problems(undefined, { INFLUXDB_URL: 'http://influx:8086' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^environment variable INFLUXDB_URL: influxdb\.url: .*set INFLUXDB_TOKEN/);
  });

  it('checks rules that span keys', () => {
    const text = [
      'detection:', // 1
      '  severity:', // 2
      '    high: 5', // 3
      '  episode:', // 4
      '    min_points: 6', // 5
      'influxdb:', // 6
      '  retry_max: 500ms', // 7
      '  max_buffer_points: 10', // 8
      '',
    ].join('\n');
    expect(problems(text)).toEqual([
      'default: detection.severity.critical: must be >= detection.severity.high (5), got 4',
      'config.yaml:5: detection.episode.min_points: must be <= detection.episode.window (5), got 6',
      'config.yaml:7: influxdb.retry_max: must be >= influxdb.retry_initial',
      'config.yaml:8: influxdb.max_buffer_points: must be >= influxdb.batch_size (5000), got 10',
    ]);
  });

  it('names the environment variable or flag that carried a bad value', () => {
    expect(problems(undefined, { MONITORING_INTERVAL: 'often', LOG_LEVEL: 'loud' })).toEqual([
      'environment variable LOG_LEVEL: log_level: must be one of "error", "warn", "info", "debug", got "loud"',
      'environment variable MONITORING_INTERVAL: interval_seconds: must be a number of seconds or a duration such as 500ms, 30s, 5m, 24h or 14d, got "often"',
    ]);
    expect(problems(undefined, {}, { thresholdMultiplier: Number.NaN, prometheusUrl: 'ftp://x' })).toEqual([
      'flag --prometheus-url: prometheus.url: must be an http:// or https:// URL such as "http://localhost:9090", got "ftp://x" (scheme ftp)',
      'flag --threshold-multiplier: detection.threshold_multiplier: must be a number > 0, got NaN',
    ]);
  });

  it('never echoes a token in an error message', () => {
    const found = problems('influxdb:\n  token: [secret-list]\n');
    expect(found).toEqual(['config.yaml:2: influxdb.token: must be a string, got (hidden)']);
  });

  it('throws a UserError whose message lists one problem per line', () => {
    let caught: unknown;
    try {
      resolve('model:\n  interval_width: 2\n  daily_order: -1\n');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).message.split('\n')).toEqual([
      'invalid configuration (2 problems):',
      'config.yaml:2: model.interval_width: must be a number between 0 and 1 exclusive, got 2',
      'config.yaml:3: model.daily_order: must be an integer from 0 to 48, got -1',
    ]);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'anomalyd-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with a UserError naming a missing --config file', () => {
    const path = join(dir, 'nope.yaml');
    expect(() => loadConfig({ path, env: {}, flags: {} })).toThrow(UserError);
    expect(() => loadConfig({ path, env: {}, flags: {} })).toThrow(`config file not found: ${path}`);
  });

  it('uses the defaults when there is no --config and no ./config.yaml', () => {
    expect(loadConfig({ env: {}, flags: {}, cwd: dir })).toEqual(DEFAULT_CONFIG);
  });

  it('reads ./config.yaml from the working directory when no --config is given', () => {
    writeFileSync(join(dir, 'config.yaml'), 'interval_seconds: 45\n');
    expect(loadConfig({ env: {}, flags: {}, cwd: dir }).intervalSeconds).toBe(45);
  });

  it('reads an explicit file and names it in messages', () => {
    const path = join(dir, 'custom.yaml');
    writeFileSync(path, 'simulator:\n  hosts: 0\n');
    expect(() => loadConfig({ path, env: {}, flags: {} })).toThrow(
      `${path}:2: simulator.hosts: must be an integer from 1 to 5000, got 0`,
    );
  });
});
