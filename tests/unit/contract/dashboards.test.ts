import Ajv, { type ValidateFunction } from 'ajv';

import { generateDashboardSchema } from './support/dashboardSchema';
import {
  DETAIL_DASHBOARD_UID,
  INFLUX_UID,
  PROMETHEUS_UID,
  allPanels,
  asArray,
  dashboardQueries,
  datasourceUid,
  isObject,
  loadDashboards,
  provisionedDatasources,
  str,
  variableNames,
  type Json,
} from './support/stackFiles';

const dashboards = loadDashboards();
const byUid = new Map(dashboards.map((d) => [String(d.json.uid), d.json]));
let validate: ValidateFunction;

beforeAll(() => {
  validate = new Ajv({ allErrors: true, strict: false }).compile(generateDashboardSchema());
}, 60_000);

function errorsOf(json: unknown): string[] {
  return validate(json) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Every `{type, uid}` datasource reference anywhere in a dashboard. */
function datasourceRefs(node: unknown, path = ''): { path: string; uid: string; type: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => datasourceRefs(n, `${path}[${i}]`));
  if (!isObject(node)) return [];
  return Object.entries(node).flatMap(([k, v]) => {
    const here = `${path}.${k}`;
    const uid = k === 'datasource' ? datasourceUid(v) : undefined;
    const type = isObject(v) ? v.type : undefined;
    return [...(uid !== undefined ? [{ path: here, uid, type }] : []), ...datasourceRefs(v, here)];
  });
}

function overrides(panel: Json): { name: string; props: Map<string, unknown> }[] {
  const fieldConfig = isObject(panel.fieldConfig) ? panel.fieldConfig : {};
  return asArray(fieldConfig.overrides)
    .filter(isObject)
    .map((o) => ({
      name: String(isObject(o.matcher) ? o.matcher.options : ''),
      props: new Map(
        asArray(o.properties)
          .filter(isObject)
          .map((p) => [String(p.id), p.value]),
      ),
    }));
}

describe('the dashboard JSON schema generated from @grafana/schema', () => {
  it('rejects a misspelled panel key and a datasource reference without the right shape', () => {
    const detail = byUid.get(DETAIL_DASHBOARD_UID) ?? {};
    const [first, ...rest] = asArray(detail.panels);
    const broken = { ...detail, panels: [{ ...(first as Json), gridpos: { x: 0 } }, ...rest] };
    expect(errorsOf(broken)).toContain('/panels/0 must NOT have additional properties');
    const badRef = { ...detail, panels: [{ ...(first as Json), datasource: 'anomalyd-influxdb' }, ...rest] };
    expect(errorsOf(badRef).length).toBeGreaterThan(0);
  });
});

describe('the provisioned dashboards', () => {
  it('are the overview, the series detail and the daemon health dashboards', () => {
    expect([...byUid.keys()].sort()).toEqual(['anomalyd-health', 'anomalyd-overview', DETAIL_DASHBOARD_UID]);
  });

  it.each(dashboards.map((d) => [d.file, d.json] as const))('%s validates against the schema', (_f, json) => {
    expect(errorsOf(json)).toEqual([]);
  });

  it('have unique uids', () => {
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
  });

  it.each(dashboards.map((d) => [d.file, d.json] as const))('%s has unique panel ids', (_f, json) => {
    const ids = allPanels(json).map((p) => p.id);
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refer only to provisioned datasources', () => {
    const provisioned = provisionedDatasources();
    expect([...provisioned.keys()].sort()).toEqual([INFLUX_UID, PROMETHEUS_UID]);
    const dangling = dashboards.flatMap((d) =>
      datasourceRefs(d.json)
        .filter((r) => !provisioned.has(r.uid))
        .map((r) => `${d.file}${r.path} -> ${r.uid}`),
    );
    expect(dangling).toEqual([]);
  });

  it('give every query a datasource whose type matches the provisioned one', () => {
    const provisioned = provisionedDatasources();
    const mismatched = dashboards.flatMap((d) =>
      datasourceRefs(d.json)
        .filter((r) => provisioned.get(r.uid)?.type !== r.type)
        .map((r) => `${d.file}${r.path}: ${String(r.type)}`),
    );
    expect(mismatched).toEqual([]);
    const queries = dashboardQueries();
    expect(queries.filter((q) => q.datasource === undefined).map((q) => q.where)).toEqual([]);
  });
});

describe('the series detail dashboard', () => {
  const detail = byUid.get(DETAIL_DASHBOARD_UID) ?? {};
  const usesVariables = (text: string): boolean =>
    /\$\{series(:\w+)?\}|\$series\b/.test(text) && /\$\{query(:\w+)?\}|\$query\b/.test(text);

  it('has template variables query and series, driven by schema.tagValues on InfluxDB', () => {
    expect(variableNames(detail)).toEqual(['query', 'series']);
    const templating = isObject(detail.templating) ? detail.templating : {};
    for (const v of asArray(templating.list).filter(isObject)) {
      expect(datasourceUid(v.datasource)).toBe(INFLUX_UID);
      expect(str(v.query)).toContain('schema.tagValues(');
    }
  });

  it('filters the series variable by the chosen query', () => {
    const series = dashboardQueries().find((q) => q.where === 'series-detail.json variable series');
    expect(series?.text).toMatch(/\$\{query(:\w+)?\}/);
  });

  it.each(allPanels(detail).map((p) => [`${String(p.id)} "${String(p.title)}"`, p] as const))(
    'uses both variables in every query of panel %s',
    (_t, panel) => {
      const targets = asArray(panel.targets).filter(isObject);
      expect(targets.length).toBeGreaterThan(0);
      for (const t of targets) expect(usesVariables(String(t.query))).toBe(true);
    },
  );

  it('uses both variables in the episode annotation', () => {
    const annotation = dashboardQueries().find((q) => q.where.startsWith('series-detail.json annotation'));
    expect(annotation !== undefined && usesVariables(annotation.text)).toBe(true);
  });

  it('shades the forecast band by filling yhat_upper down to yhat_lower', () => {
    const actualVsForecast = allPanels(detail).find((p) => p.title === 'Actual vs forecast') ?? {};
    const upper = overrides(actualVsForecast).find((o) => o.name === 'yhat_upper');
    expect(upper?.props.get('custom.fillBelowTo')).toBe('yhat_lower');
    expect(overrides(actualVsForecast).some((o) => o.name === 'yhat_lower')).toBe(true);
    expect(String(asArray(actualVsForecast.targets).map((t) => (isObject(t) ? t.query : '')))).toContain(
      '"yhat_lower"',
    );
  });

  it('draws anomalies as points with one colour per severity', () => {
    const actualVsForecast = allPanels(detail).find((p) => p.title === 'Actual vs forecast') ?? {};
    const bySeverity = overrides(actualVsForecast).filter((o) =>
      ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(o.name),
    );
    expect(bySeverity.map((o) => o.props.get('custom.drawStyle'))).toEqual([
      'points',
      'points',
      'points',
      'points',
    ]);
    const colours = bySeverity.map((o) => {
      const c = o.props.get('color');
      return isObject(c) ? c.fixedColor : undefined;
    });
    expect(new Set(colours).size).toBe(4);
  });
});

describe('links between dashboards', () => {
  it('point at dashboard uids that exist', () => {
    const text = JSON.stringify(dashboards.map((d) => d.json));
    const linked = [...text.matchAll(/\/d\/([\w-]+)/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(0);
    expect(linked.filter((uid) => uid === undefined || !byUid.has(uid))).toEqual([]);
  });
});

describe('the overview dashboard', () => {
  it('shows the source mode from the source tag at a glance, simulator highlighted', () => {
    const overview = byUid.get('anomalyd-overview') ?? {};
    const panel = allPanels(overview).find((p) => p.title === 'Source mode') ?? {};
    expect(String(JSON.stringify(panel.targets))).toContain('\\"source\\"');
    expect(JSON.stringify(panel.fieldConfig)).toContain('"simulator":{"text":"SIMULATOR","color":"orange"');
  });
});
