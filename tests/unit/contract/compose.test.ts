import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import { ROOT, asArray, isObject, readYaml, str, type Json } from './support/stackFiles';

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = readYaml(join(ROOT, 'docker-compose.yml')) as Json;
const services = (isObject(compose.services) ? compose.services : {}) as Record<string, Json>;
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

function loadComposeValidator(): ValidateFunction {
  const path = join(ROOT, 'node_modules', 'dclint', 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Json;
  // The spec names its meta-schema by an https URL ajv does not know; it is draft-07, ajv's default.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Keys of .env.example, each with the comment lines right above it. */
function envDocs(text: string): Map<string, string> {
  const docs = new Map<string, string>();
  let comment: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) comment.push(trimmed.replace(/^#+\s*/, ''));
    else if (/^[A-Z][A-Z0-9_]*=/.test(trimmed)) {
      docs.set(trimmed.slice(0, trimmed.indexOf('=')), comment.join(' '));
      comment = [];
    } else comment = [];
  }
  return docs;
}

function envValues(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

interface Mount {
  readonly service: string;
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** Bind mounts of every service (short `src:dst[:ro]` and long `type: bind` syntax); volumes left out. */
function bindMounts(): Mount[] {
  return Object.entries(services).flatMap(([service, s]) =>
    asArray(s.volumes).flatMap((v): Mount[] => {
      if (typeof v === 'string') {
        const [source = '', target = '', mode = ''] = v.split(':');
        const isPath = source.startsWith('.') || source.startsWith('/');
        return isPath ? [{ service, source, target, readOnly: mode.split(',').includes('ro') }] : [];
      }
      if (isObject(v) && v.type === 'bind') {
        return [
          { service, source: String(v.source), target: String(v.target), readOnly: v.read_only === true },
        ];
      }
      return [];
    }),
  );
}

/** Host paths outside the repository that a service may bind: node-exporter reads the host's root. */
const HOST_BINDS: Readonly<Record<string, readonly string[]>> = { 'node-exporter': ['/'] };

const SECRET_KEY = /(pass(word)?|token|secret|api[_-]?key|private[_-]?key)/i;
const REFERENCE = /^\$\{?[A-Za-z_][A-Za-z0-9_]*([:?-][^}]*)?\}?$/;
const PLACEHOLDER = /^change-me/;

/**
 * Secret-looking literals in a deployment file: a password/token/secret key with a literal value (not a
 * ${VAR} reference nor a change-me placeholder), or a long random-looking string.
 */
function secretLiterals(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const kv = /^\s*-?\s*["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?([^"'#\s]*)/.exec(line);
    if (kv !== null) {
      const [, key = '', value = ''] = kv;
      if (SECRET_KEY.test(key) && value !== '' && !REFERENCE.test(value) && !PLACEHOLDER.test(value)) {
        found.push(line.trim());
      }
    }
    for (const m of line.matchAll(/[A-Za-z0-9+/_=-]{32,}/g)) {
      const s = m[0];
      const mixed = /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s);
      const hex = /^[0-9a-f]{32,}$/i.test(s) && /[0-9]/.test(s) && /[a-f]/i.test(s);
      if ((mixed || hex) && !s.includes('_') && !found.includes(line.trim())) found.push(line.trim());
    }
  }
  return found;
}

/** The tracked deployment files: compose, image, env template, and every file of the stack's folders. */
function deployFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).flatMap((f) => {
      const rel = join(dir, f);
      return statSync(join(ROOT, rel)).isDirectory() ? walk(rel) : [rel];
    });
  return [
    'docker-compose.yml',
    'Dockerfile',
    '.dockerignore',
    '.env.example',
    ...['deploy', 'grafana', 'prometheus'].flatMap(walk),
  ];
}

describe('docker-compose.yml', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = loadComposeValidator();
  });

  it('validates against the compose-spec JSON schema', () => {
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('would fail the schema with an invalid depends_on condition (the schema is really applied)', () => {
    const broken = {
      ...compose,
      services: {
        ...services,
        anomalyd: { ...services.anomalyd, depends_on: { influxdb: { condition: 'healthy' } } },
      },
    };
    expect(validate(broken)).toBe(false);
  });

  it('runs influxdb, prometheus, node-exporter, grafana and anomalyd', () => {
    expect(Object.keys(services).sort()).toEqual([
      'anomalyd',
      'grafana',
      'influxdb',
      'node-exporter',
      'prometheus',
    ]);
  });

  it('bind-mounts only paths that exist in the repository (or the host root for node-exporter)', () => {
    const missing = bindMounts()
      .filter((m) => !(HOST_BINDS[m.service] ?? []).includes(m.source))
      .filter(
        (m) =>
          isAbsolute(m.source) ||
          relative(ROOT, join(ROOT, m.source)).startsWith('..') ||
          !existsSync(join(ROOT, m.source)),
      )
      .map((m) => `${m.service}: ${m.source}`);
    expect(missing).toEqual([]);
    expect(bindMounts().length).toBeGreaterThanOrEqual(6);
  });

  it('mounts every bind read-only', () => {
    expect(
      bindMounts()
        .filter((m) => !m.readOnly)
        .map((m) => `${m.service}: ${m.source}`),
    ).toEqual([]);
  });

  it('uses only variables that .env.example documents with a comment', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''));
    const docs = envDocs(envExample);
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((v) => !docs.has(v))).toEqual([]);
    expect([...docs].filter(([, comment]) => comment === '').map(([k]) => k)).toEqual([]);
  });

  it('sets up InfluxDB from .env and starts anomalyd only once InfluxDB answers influx ping', () => {
    const influx = services.influxdb ?? {};
    const env = isObject(influx.environment) ? influx.environment : {};
    expect(influx.image).toBe('influxdb:2.7');
    expect(env.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    expect(str(env.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN)).toMatch(/^\$\{INFLUXDB_TOKEN/);
    expect(str(env.DOCKER_INFLUXDB_INIT_PASSWORD)).toMatch(/^\$\{INFLUXDB_ADMIN_PASSWORD/);
    expect(isObject(influx.healthcheck) ? influx.healthcheck.test : undefined).toEqual([
      'CMD',
      'influx',
      'ping',
    ]);
    const anomalyd = services.anomalyd ?? {};
    expect(anomalyd.build).toBe('.');
    expect(anomalyd.depends_on).toMatchObject({ influxdb: { condition: 'service_healthy' } });
    expect(isObject(anomalyd.healthcheck)).toBe(true);
  });

  it('passes anomalyd the stack config it mounts', () => {
    const anomalyd = services.anomalyd ?? {};
    const mount = bindMounts().find(
      (m) => m.service === 'anomalyd' && m.source === './deploy/anomalyd.stack.yaml',
    );
    expect(mount).toBeDefined();
    expect(anomalyd.command).toEqual(['--config', mount?.target]);
  });

  it('gives Grafana every environment variable its provisioning files expand', () => {
    const grafana = services.grafana ?? {};
    const env = isObject(grafana.environment) ? grafana.environment : {};
    const provisioning = deployFiles()
      .filter((f) => f.startsWith(join('grafana', 'provisioning')))
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n')
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join('\n');
    const expanded = [
      ...provisioning.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}|\$__env\{([A-Z_][A-Z0-9_]*)\}/g),
    ].map((m) => m[1] ?? m[2]);
    expect(expanded).toEqual(expect.arrayContaining(['INFLUXDB_TOKEN', 'ALERT_WEBHOOK_URL']));
    expect(expanded.filter((v) => v === undefined || !(v in env))).toEqual([]);
  });
});

describe('the tracked deployment files', () => {
  it('flag a real-looking token or a literal password (the check itself works)', () => {
    expect(
      secretLiterals('INFLUXDB_TOKEN=Xy8kQ2mN4pL7vR1sT9wZ3bC6dF0gH5jK8nP2qS4uV7xY1zA3cE6fI9lO0rU2tW5=='),
    ).toHaveLength(1);
    expect(secretLiterals('      GF_SECURITY_ADMIN_PASSWORD: hunter2')).toHaveLength(1);
    expect(secretLiterals('      GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?set it}')).toEqual([]);
  });

  it.each(deployFiles().map((f) => [f]))('%s holds no secret-looking literal', (file) => {
    expect(secretLiterals(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('keep .env itself out of git and out of the image', () => {
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['.env', 'node_modules']),
    );
  });

  it('.env.example gives every password and token a change-me placeholder', () => {
    const secrets = [...envValues(envExample)].filter(([k]) => SECRET_KEY.test(k));
    expect(secrets.map(([k]) => k).sort()).toEqual([
      'GRAFANA_ADMIN_PASSWORD',
      'INFLUXDB_ADMIN_PASSWORD',
      'INFLUXDB_TOKEN',
    ]);
    expect(secrets.filter(([, v]) => !PLACEHOLDER.test(v))).toEqual([]);
  });
});

describe('the Dockerfile', () => {
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => m[1]);

  it('builds in one stage and runs on node:20-slim with production dependencies only', () => {
    expect(froms.length).toBe(2);
    expect(froms[froms.length - 1]).toBe('node:20-slim');
    expect(dockerfile).toMatch(/RUN npm ci[^\n]*\n[\s\S]*RUN npm run build/);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist/);
  });

  it('runs as a non-root user, checks /healthz with node and starts the monitor', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(
      /HEALTHCHECK[\s\S]*CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:9464\/healthz'\)/,
    );
    expect(runtime).toContain('ENTRYPOINT ["node", "dist/src/cli/main.js", "monitor"]');
  });
});
