import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { DEFAULT_CONFIG } from '../../../src/config/defaults';
import { loadConfig } from '../../../src/config/load';
import { CONFIG_SCHEMA, schemaLeaves } from '../../../src/config/schema';

const ROOT = join(__dirname, '..', '..', '..');

/** Every leaf path of a plain object, arrays counted as leaves: `influxdb.tagAllowlist`. */
function leafPaths(obj: unknown, prefix = ''): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('config.yaml at the repository root', () => {
  it('loads to exactly DEFAULT_CONFIG', () => {
    expect(loadConfig({ path: join(ROOT, 'config.yaml'), env: {}, flags: {} })).toEqual(DEFAULT_CONFIG);
  });

  it('spells out every key of the schema', () => {
    const doc: unknown = parse(readFileSync(join(ROOT, 'config.yaml'), 'utf8'));
    const present = new Set(leafPaths(doc));
    const missing = schemaLeaves()
      .map((l) => l.keyPath)
      .filter((k) => !present.has(k));
    expect(missing).toEqual([]);
    expect(present.has('prometheus.queries')).toBe(true);
  });

  it('comments every key', () => {
    const lines = readFileSync(join(ROOT, 'config.yaml'), 'utf8').split('\n');
    // A key is commented when a comment sits directly above it or above the group it starts.
    const uncommented = lines
      .map((line, i) => ({ line, prev: lines[i - 1] ?? '' }))
      .filter(({ line }) => /^\s*[a-z_]+:/.test(line) && !/^\s*-/.test(line))
      .filter(({ line, prev }) => !prev.trim().startsWith('#') && !/^\s*[a-z_]+:\s*$/.test(line))
      .map(({ line }) => line.trim());
    // Keys documented by the comment of the group right above them.
    const grouped = ['weekly_order: 3', 'bucket: anomalyd', 'retry_max: 60s', 'probe_max: 5m', 'window: 5'];
    const severities = ['medium: 1.5', 'high: 2.5', 'critical: 4.0', 'low: 1.0'];
    const queryKeys = uncommented.filter((l) => l.startsWith('promql:'));
    expect(
      uncommented.filter((l) => !grouped.includes(l) && !severities.includes(l) && !queryKeys.includes(l)),
    ).toEqual([]);
  });
});

describe('DEFAULT_CONFIG and the schema', () => {
  it('have the same keys: every config property is settable and every key has a default', () => {
    // schemaLeaves() leaves out lists; prometheus.queries is the only one.
    const fromSchema = [...schemaLeaves().map((l) => l.propPath.join('.')), 'prometheus.queries'].sort();
    const fromDefaults = leafPaths(DEFAULT_CONFIG)
      .filter((p) => p !== 'influxdb.enabled') // derived from influxdb.url, not a key of its own
      .sort();
    expect(fromSchema).toEqual(fromDefaults);
  });

  it('passes its own checks', () => {
    for (const leaf of schemaLeaves()) {
      let value: unknown = DEFAULT_CONFIG;
      for (const p of leaf.propPath) value = (value as Record<string, unknown>)[p];
      // Durations are stored in ms but written with units, so only check the kinds stored as written.
      if (['duration', 'size', 'seconds'].includes(leaf.spec.type)) continue;
      expect({ key: leaf.keyPath, result: leaf.spec.check(value) }).toEqual({
        key: leaf.keyPath,
        result: { ok: true, value },
      });
    }
  });

  it('names only snake_case keys', () => {
    const keys = schemaLeaves().flatMap((l) => l.keyPath.split('.'));
    expect(keys.filter((k) => !/^[a-z][a-z0-9_]*$/.test(k))).toEqual([]);
    expect(Object.keys(CONFIG_SCHEMA.fields)).toContain('file_sink');
  });
});

describe('docs/configuration.md', () => {
  it('documents every key and every environment variable', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    const keys = [...schemaLeaves().map((l) => l.keyPath), 'prometheus.queries'];
    expect(keys.filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
    const envs = schemaLeaves().flatMap((l) => (l.spec.env === undefined ? [] : [l.spec.env]));
    expect(envs).toHaveLength(9);
    expect(envs.filter((e) => !doc.includes(`\`${e}\``))).toEqual([]);
  });
});
