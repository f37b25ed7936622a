import {
  formatDurationMs,
  formatSizeBytes,
  parseDurationMs,
  parseSizeBytes,
} from '../../../src/config/units';
import { redactConfig, redactUrl } from '../../../src/config/redact';
import { DEFAULT_CONFIG } from '../../../src/config/defaults';
import { closestMatch, editDistance } from '../../../src/config/suggest';
import { configToYaml } from '../../../src/config/print';
import { resolveConfig } from '../../../src/config/load';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['14d', 1_209_600_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '30', 's', '10 seconds', '5x', '-5s', '1h 30m'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('formats with the largest exact unit', () => {
    expect([86_400_000, 90_000, 1500, 0, 3_600_000].map(formatDurationMs)).toEqual([
      '1d',
      '90s',
      '1500ms',
      '0s',
      '1h',
    ]);
  });
});

describe('sizes', () => {
  it.each([
    ['64MiB', 64 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['500KB', 500_000],
    ['2kib', 2048],
    ['1024', 1024],
    ['10B', 10],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseSizeBytes(text)).toBe(bytes);
  });

  it.each(['', 'MiB', '1XB', '-1', 'lots'])('rejects %j', (text) => {
    expect(parseSizeBytes(text)).toBeUndefined();
  });

  it('formats with the largest exact binary unit', () => {
    expect([64 * 1024 ** 2, 1024 ** 3, 1000].map(formatSizeBytes)).toEqual(['64MiB', '1GiB', '1000']);
  });
});

describe('redactConfig', () => {
  it('masks the InfluxDB token and URL passwords but leaves the rest intact', () => {
    const cfg = {
      ...DEFAULT_CONFIG,
      prometheus: { ...DEFAULT_CONFIG.prometheus, url: 'https://bob:hunter2@prom.example.com/' },
      influxdb: { ...DEFAULT_CONFIG.influxdb, enabled: true, url: 'http://influx:8086', token: 'tok-123' },
    };
    const red = redactConfig(cfg);
    expect(red.influxdb.token).toBe('***');
    expect(red.prometheus.url).toBe('https://bob:***@prom.example.com/');
    expect(JSON.stringify(red)).not.toContain('tok-123');
    expect(JSON.stringify(red)).not.toContain('hunter2');
    expect(red.influxdb.url).toBe('http://influx:8086');
    expect(red.detection).toEqual(cfg.detection);
    expect(cfg.influxdb.token).toBe('tok-123');
  });

  it('keeps an unset token visibly empty', () => {
    expect(redactConfig(DEFAULT_CONFIG).influxdb.token).toBe('');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('key suggestions', () => {
  it('measures edits including transpositions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests close keys only', () => {
    expect(closestMatch('batchsize', ['batch_size', 'bucket'])).toBe('batch_size');
    expect(closestMatch('Metrics-Port', ['metrics_port', 'metrics_host'])).toBe('metrics_port');
    expect(closestMatch('zzz', ['hosts', 'seed'])).toBeUndefined();
  });
});

describe('configToYaml', () => {
  it('prints the config in file form that loads back to the same config', () => {
    const cfg = resolveConfig({
      file: {
        name: 'c.yaml',
        text: 'prometheus:\n  queries:\n    - name: up\n      promql: up\n      step: 90s\nmodel:\n  retrain_interval: 1h30m\n',
      },
      env: {},
      flags: {},
    });
    const text = configToYaml(cfg);
    expect(text).toContain('retrain_interval: 90m');
    expect(text).toContain('step: 90s');
    expect(text).toContain('spool_max_bytes: 1GiB');
    expect(resolveConfig({ file: { name: 'printed.yaml', text }, env: {}, flags: {} })).toEqual(cfg);
  });

  it('masks the token', () => {
    const cfg = resolveConfig({
      env: { INFLUXDB_URL: 'http://influx:8086', INFLUXDB_TOKEN: 'tok-123' },
      flags: {},
    });
    const text = configToYaml(cfg);
    expect(text).not.toContain('tok-123');
    expect(text).toContain('token: "***"');
  });
});
