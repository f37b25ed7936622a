import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';

import { METRIC } from '../../../src/telemetry/metricNames';
import { createMetrics } from '../../../src/telemetry/metrics';
import { describeWithBinaries } from '../../helpers/integration';

const ROOT = join(__dirname, '..', '..', '..');
const RULES = join(ROOT, 'prometheus', 'rules', 'anomalyd.rules.yml');
const MAIN_JS = join(ROOT, 'dist', 'src', 'cli', 'main.js');

jest.setTimeout(60_000);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

// ----------------------------------------------------------------------------------- metric names

const PROMQL_KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'inf',
  'nan',
]);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/**
 * Metric names in a PromQL expression: what is left once strings, label matchers, ranges, grouping
 * clauses, Grafana variables and function names are taken out.
 */
function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  return [...stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !PROMQL_KEYWORDS.has(m[1] ?? ''))
    .map((m) => m[1] ?? '');
}

function ruleExprs(): { where: string; expr: string }[] {
  const doc: unknown = parse(readFileSync(RULES, 'utf8'));
  return asArray(isObject(doc) ? doc.groups : undefined)
    .filter(isObject)
    .flatMap((g) => asArray(g.rules).filter(isObject))
    .map((r) => ({ where: `prometheus rule ${String(r.alert ?? r.record)}`, expr: String(r.expr) }));
}

function healthDashboardExprs(): { where: string; expr: string }[] {
  const dash: unknown = JSON.parse(
    readFileSync(join(ROOT, 'grafana', 'dashboards', 'daemon-health.json'), 'utf8'),
  );
  if (!isObject(dash)) return [];
  const panels = asArray(dash.panels).filter(isObject);
  const fromPanels = panels.flatMap((p) =>
    asArray(p.targets)
      .filter(isObject)
      .map((t) => ({
        where: `daemon-health.json panel "${String(p.title)}" ${String(t.refId)}`,
        expr: String(t.expr),
      })),
  );
  const templating = isObject(dash.templating) ? dash.templating : {};
  const fromVariables = asArray(templating.list)
    .filter(isObject)
    .map((v) => (isObject(v.query) ? String(v.query.query) : String(v.query)))
    .map((q) => ({
      where: 'daemon-health.json variable',
      expr: q.replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
    }));
  return [...fromPanels, ...fromVariables];
}

function grafanaAlertExprs(): { where: string; expr: string }[] {
  const doc: unknown = parse(
    readFileSync(join(ROOT, 'grafana', 'provisioning', 'alerting', 'rules.yaml'), 'utf8'),
  );
  return asArray(isObject(doc) ? doc.groups : undefined)
    .filter(isObject)
    .flatMap((g) => asArray(g.rules).filter(isObject))
    .flatMap((r) =>
      asArray(r.data)
        .filter(isObject)
        .filter((d) => d.datasourceUid === 'anomalyd-prometheus')
        .map((d) => ({
          where: `grafana rule ${String(r.uid)}`,
          expr: String(isObject(d.model) ? d.model.expr : ''),
        })),
    );
}

const used = [...ruleExprs(), ...healthDashboardExprs(), ...grafanaAlertExprs()].flatMap(({ where, expr }) =>
  promqlMetricNames(expr).map((name) => ({ where, name })),
);

/** The base name of a histogram series (`_bucket`, `_sum`, `_count` removed) when it is one. */
function baseName(name: string, histograms: ReadonlySet<string>): string {
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s) && histograms.has(name.slice(0, -s.length)));
  return suffix === undefined ? name : name.slice(0, -suffix.length);
}

describe('metric names in the Prometheus rules, the health dashboard and the Grafana alert rules', () => {
  it('are extracted from PromQL without function names, labels or variables', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le) (rate(anomalyd_cycle_duration_seconds_bucket{job="anomalyd", instance=~"$instance"}[$__rate_interval]))) > on (instance) up',
      ),
    ).toEqual(['anomalyd_cycle_duration_seconds_bucket', 'up']);
  });

  it('cover the sink, spool, source mode, cycle and interval metrics', () => {
    const names = new Set(used.map((u) => u.name));
    for (const m of [
      METRIC.sinkPointsTotal,
      METRIC.spoolBytes,
      METRIC.sourceMode,
      METRIC.intervalSeconds,
      METRIC.anomalyScore,
    ]) {
      expect(names).toContain(m);
    }
  });

  it('exist in METRIC or are standard (up, process and Node.js default metrics)', () => {
    const histograms = new Set<string>([METRIC.cycleDurationSeconds, METRIC.modelFitSeconds]);
    const known = new Set<string>(Object.values(METRIC));
    const standard = /^(up|(anomalyd_)?process_\w+|anomalyd_nodejs_\w+)$/;
    const unknown = used.filter((u) => !known.has(baseName(u.name, histograms)) && !standard.test(u.name));
    expect(unknown).toEqual([]);
  });

  it('are all registered by createMetrics (per-series gauges on), histogram series included', async () => {
    const registry = new Registry();
    createMetrics(registry, { perSeriesGauges: true });
    const metrics = await registry.getMetricsAsJSON();
    const histograms = new Set(metrics.filter((m) => String(m.type) === 'histogram').map((m) => m.name));
    const registered = new Set(metrics.map((m) => m.name));
    const missing = used.filter((u) => u.name !== 'up' && !registered.has(baseName(u.name, histograms)));
    expect(missing).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------ promtool

describeWithBinaries(['promtool'])('promtool on the stack Prometheus files', () => {
  const promtool = (...args: string[]): string =>
    execFileSync('promtool', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('accepts prometheus.yml and finds the rule files it names', () => {
    const out = promtool('check', 'config', 'prometheus/prometheus.yml');
    expect(out).toContain('SUCCESS: 1 rule files found');
    expect(out).toContain('is valid prometheus config file syntax');
  });

  it('accepts the alerting rules', () => {
    expect(promtool('check', 'rules', 'prometheus/rules/anomalyd.rules.yml')).toMatch(
      /SUCCESS: 7 rules found/,
    );
  });

  it('passes the rule unit tests', () => {
    expect(promtool('test', 'rules', 'prometheus/rules/anomalyd.rules.test.yml')).toContain('SUCCESS');
  });

  it('fails the rule unit tests when an alert no longer fires (the tests are live)', () => {
    const broken = spawnSync(
      'sh',
      [
        '-c',
        'd=$(mktemp -d) && sed "s/== 0/== 2/" prometheus/rules/anomalyd.rules.yml > "$d/anomalyd.rules.yml" && cp prometheus/rules/anomalyd.rules.test.yml "$d/" && promtool test rules "$d/anomalyd.rules.test.yml"; s=$?; rm -rf "$d"; exit $s',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(broken.status).not.toBe(0);
    expect(broken.stdout + broken.stderr).toContain('AnomalydDown');
  });
});

// ------------------------------------------------------------------------------ the running daemon

/**
 * Scrapes a real `anomalyd monitor --source simulator` once, at collection time (synchronously, so the
 * suite can be skipped with the reason when the built CLI cannot serve /metrics yet).
 */
function scrapeBuiltCli(): { text: string; healthzStatus: number } | { skip: string } {
  if (!existsSync(MAIN_JS)) return { skip: `${MAIN_JS} does not exist (run npm run build)` };
  const probe = spawnSync(
    process.execPath,
    [join(__dirname, 'support', 'probeMetrics.mjs'), MAIN_JS, '20000'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 45_000,
    },
  );
  if (probe.status !== 0) {
    return {
      skip: `anomalyd monitor --source simulator did not serve /metrics: ${probe.stderr.trim().slice(-600)}`,
    };
  }
  const out = JSON.parse(probe.stdout) as { metrics: string; healthzStatus: number };
  return { text: out.metrics, healthzStatus: out.healthzStatus };
}

const scraped = scrapeBuiltCli();
const describeLive = ((): jest.Describe => {
  if ('text' in scraped) return describe;
  const msg = `live /metrics check: ${scraped.skip}`;
  if (process.env.ANOMALYD_REQUIRE_INTEGRATION === '1')
    throw new Error(`${msg}; ANOMALYD_REQUIRE_INTEGRATION=1 forbids skipping`);
  console.warn(`SKIPPED: ${msg}`);
  return describe.skip;
})();

describeLive('the built daemon /metrics', () => {
  const text = 'text' in scraped ? scraped.text : '';
  const types = new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? ''] as const),
  );
  const histograms = new Set([...types].filter(([, t]) => t === 'histogram').map(([n]) => n));

  it('answers /healthz with 200, which the Docker healthcheck probes', () => {
    expect('healthzStatus' in scraped ? scraped.healthzStatus : undefined).toBe(200);
  });

  it('exports every metric in METRIC', () => {
    expect(Object.values(METRIC).filter((m) => !types.has(m))).toEqual([]);
  });

  it('exports every metric the rules and dashboards use', () => {
    expect(used.filter((u) => u.name !== 'up' && !types.has(baseName(u.name, histograms)))).toEqual([]);
  });
});
