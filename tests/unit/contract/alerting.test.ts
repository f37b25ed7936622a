import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  EXPRESSION_UID,
  ROOT,
  allPanels,
  alertRules,
  asArray,
  contactPoints,
  isObject,
  loadDashboards,
  policies,
  provisionedDatasources,
  readYaml,
  str,
  type Json,
} from './support/stackFiles';

const RUNBOOK = 'README.md';

const rules = alertRules();
const dashboards = new Map(loadDashboards().map((d) => [String(d.json.uid), d.json]));
const ruleCases = rules.map(({ rule }) => [String(rule.uid), rule] as const);
/** Rules that alert per series: their queries keep the series tag, so each series alerts on its own. */
const seriesRuleCases = rules
  .filter(({ group }) => group === 'anomalyd-series')
  .map(({ rule }) => [String(rule.uid), rule] as const);

function data(rule: Json): Json[] {
  return asArray(rule.data).filter(isObject);
}

function model(d: Json): Json {
  return isObject(d.model) ? d.model : {};
}

function annotations(rule: Json): Record<string, string> {
  const a = isObject(rule.annotations) ? rule.annotations : {};
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, String(v)]));
}

/** Receivers named anywhere in a policy tree. */
function receiversOf(policy: Json): string[] {
  return [
    ...(typeof policy.receiver === 'string' ? [policy.receiver] : []),
    ...asArray(policy.routes).filter(isObject).flatMap(receiversOf),
  ];
}

describe('the provisioned alert rules', () => {
  it('cover sustained anomalies, long episodes, anomaly rate, missing data, the sink, the spool and the simulator', () => {
    expect(rules.map(({ rule }) => rule.uid).sort()).toEqual([
      'anomalyd-high-anomaly-rate',
      'anomalyd-long-episode',
      'anomalyd-no-data',
      'anomalyd-on-simulator',
      'anomalyd-sink-failing',
      'anomalyd-spool-growing',
      'anomalyd-sustained-anomaly',
    ]);
  });

  it('have unique uids and titles', () => {
    expect(new Set(rules.map(({ rule }) => rule.uid)).size).toBe(rules.length);
    expect(new Set(rules.map(({ rule }) => rule.title)).size).toBe(rules.length);
  });

  it('fire on a sustained anomaly only after the score stays above the threshold for 5 minutes', () => {
    const sustained = rules.find(({ rule }) => rule.uid === 'anomalyd-sustained-anomaly')?.rule ?? {};
    expect(sustained.for).toBe('5m');
    expect(JSON.stringify(sustained.data)).toContain('r.score / r.threshold');
  });

  it.each(ruleCases)('%s has a condition that is one of its refIds', (_uid, rule) => {
    const refIds = data(rule).map((d) => d.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
    expect(refIds).toContain(rule.condition);
  });

  it.each(ruleCases)('%s has expressions that refer only to earlier refIds', (_uid, rule) => {
    const seen: unknown[] = [];
    for (const d of data(rule)) {
      expect(model(d).refId).toBe(d.refId);
      if (d.datasourceUid === EXPRESSION_UID) {
        expect(['reduce', 'threshold', 'math', 'resample', 'classic_conditions']).toContain(model(d).type);
        const input = str(model(d).expression) ?? '';
        const refs = model(d).type === 'math' ? [...input.matchAll(/\$(\w+)/g)].map((m) => m[1]) : [input];
        for (const ref of refs) expect(seen).toContain(ref);
      }
      seen.push(d.refId);
    }
  });

  it.each(ruleCases)('%s queries only provisioned datasources', (_uid, rule) => {
    const known = new Set([...provisionedDatasources().keys(), EXPRESSION_UID]);
    const uids = data(rule).map((d) => d.datasourceUid);
    expect(uids.filter((u) => typeof u !== 'string' || !known.has(u))).toEqual([]);
    // The first query is a datasource query with a time range; expressions work on its result.
    expect(uids[0]).not.toBe(EXPRESSION_UID);
    expect(isObject(data(rule)[0]?.relativeTimeRange)).toBe(true);
  });

  it.each(ruleCases)(
    '%s carries a severity label and no $ that Grafana would expand as an env var',
    (_uid, rule) => {
      const labels = isObject(rule.labels) ? rule.labels : {};
      expect(['info', 'warning', 'critical']).toContain(labels.severity);
      // Grafana expands $NAME in labels when it loads the file ($$ escapes); templates belong in annotations.
      expect(Object.values(labels).filter((v) => /(^|[^$])\$(?!\$)/.test(String(v)))).toEqual([]);
    },
  );

  it.each(ruleCases)('%s links to a dashboard and panel that exist, and to its runbook', (_uid, rule) => {
    const a = annotations(rule);
    const uid = a.__dashboardUid__ ?? '';
    const dashboard = dashboards.get(uid);
    expect(dashboard).toBeDefined();
    expect(allPanels(dashboard ?? {}).map((p) => String(p.id))).toContain(a.__panelId__);
    const linked = /^\/d\/([\w-]+)/.exec(a.dashboard ?? '')?.[1];
    expect(linked).toBe(uid);
    expect(a.runbook_url).toMatch(/^README\.md#[a-z0-9-]+$/);
    expect(a.summary).toBeTruthy();
  });

  it.each(seriesRuleCases)(
    '%s alerts per series and names the series in its summary and link',
    (_uid, rule) => {
      const a = annotations(rule);
      expect(a.summary).toContain('{{ $labels.series }}');
      expect(a.dashboard).toBe(
        '/d/anomalyd-series-detail?var-query={{ $labels.query | urlquery }}&var-series={{ $labels.series | urlquery }}',
      );
      expect(String(model(data(rule)[0] ?? {}).query)).toMatch(
        /group\(columns: \["series", "query", "source"/,
      );
    },
  );
});

describe('notifications', () => {
  const points = contactPoints();
  const names = points.map((c) => c.name);

  it('go to a webhook whose URL comes from the environment, not from the file', () => {
    const receivers = points.flatMap((c) => asArray(c.receivers).filter(isObject));
    expect(receivers.map((r) => r.type)).toEqual(['webhook']);
    const settings = isObject(receivers[0]?.settings) ? receivers[0].settings : {};
    expect(settings.url).toBe('${ALERT_WEBHOOK_URL}');
  });

  it('are routed by a policy whose receivers are all contact points', () => {
    const tree = policies();
    expect(tree.length).toBe(1);
    const used = tree.flatMap(receiversOf);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((r) => !names.includes(r))).toEqual([]);
  });

  it('are grouped by series, so alerts about different series never share a message', () => {
    expect(policies()[0]?.group_by).toEqual(expect.arrayContaining(['alertname', 'series']));
  });
});

describe('runbooks', () => {
  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
  const anchors = new Set(
    readFileSync(join(ROOT, RUNBOOK), 'utf8')
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) =>
        l
          .replace(/^#+ /, '')
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
  );
  const prometheusRules = (): Json[] => {
    const doc = readYaml(join(ROOT, 'prometheus', 'rules', 'anomalyd.rules.yml'));
    return asArray(isObject(doc) ? doc.groups : undefined)
      .filter(isObject)
      .flatMap((g) => asArray(g.rules).filter(isObject));
  };
  const links = [
    ...rules.map(({ rule }) => [`grafana ${String(rule.uid)}`, annotations(rule).runbook_url] as const),
    ...prometheusRules().map((r) => [`prometheus ${String(r.alert)}`, annotations(r).runbook] as const),
  ];

  it.each(links)('%s links to a section of the runbook that exists', (_rule, link) => {
    const [file, anchor] = String(link).split('#');
    expect(file).toBe(RUNBOOK);
    expect(anchors).toContain(anchor);
  });
});
