/**
 * Readers for the stack's deployment files (Grafana provisioning and dashboards, Prometheus rules,
 * docker-compose.yml), shared by the contract tests. They return loosely typed views: the tests
 * themselves assert the shapes they rely on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..', '..', '..');
export const DASHBOARD_DIR = join(ROOT, 'grafana', 'dashboards');
export const PROVISIONING_DIR = join(ROOT, 'grafana', 'provisioning');

export const INFLUX_UID = 'anomalyd-influxdb';
export const PROMETHEUS_UID = 'anomalyd-prometheus';
export const DETAIL_DASHBOARD_UID = 'anomalyd-series-detail';
/** The datasource uid of server-side expressions in Grafana alert rules. */
export const EXPRESSION_UID = '__expr__';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

export interface DashboardFile {
  readonly file: string;
  readonly json: Json;
}

export function loadDashboards(): DashboardFile[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json: unknown = JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8'));
      if (!isObject(json)) throw new Error(`${file} is not a JSON object`);
      return { file, json };
    });
}

/** Panels at any depth (rows hold panels of their own). */
export function allPanels(dashboard: Json): Json[] {
  const out: Json[] = [];
  const visit = (panels: unknown): void => {
    for (const p of asArray(panels)) {
      if (!isObject(p)) continue;
      out.push(p);
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

/** The uid of a `{type, uid}` datasource reference. */
export function datasourceUid(ref: unknown): string | undefined {
  return isObject(ref) ? str(ref.uid) : undefined;
}

/** Uids of the provisioned datasources. */
export function provisionedDatasources(): Map<string, Json> {
  const out = new Map<string, Json>();
  const dir = join(PROVISIONING_DIR, 'datasources');
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    const doc = readYaml(join(dir, f));
    if (!isObject(doc)) continue;
    for (const ds of asArray(doc.datasources)) {
      if (isObject(ds) && typeof ds.uid === 'string') out.set(ds.uid, ds);
    }
  }
  return out;
}

export interface AlertRule {
  readonly group: string;
  readonly rule: Json;
}

function alertingDocs(): Json[] {
  const dir = join(PROVISIONING_DIR, 'alerting');
  return readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((f) => readYaml(join(dir, f)))
    .filter(isObject);
}

export function alertRules(): AlertRule[] {
  return alertingDocs().flatMap((doc) =>
    asArray(doc.groups)
      .filter(isObject)
      .flatMap((g) =>
        asArray(g.rules)
          .filter(isObject)
          .map((rule) => ({ group: String(g.name), rule })),
      ),
  );
}

export function contactPoints(): Json[] {
  return alertingDocs().flatMap((doc) => asArray(doc.contactPoints).filter(isObject));
}

export function policies(): Json[] {
  return alertingDocs().flatMap((doc) => asArray(doc.policies).filter(isObject));
}

/** A query sent to one datasource, with where it came from. */
export interface FoundQuery {
  readonly where: string;
  readonly datasource: string | undefined;
  readonly text: string;
  /** The dashboard's template variable names, when the query is on a dashboard. */
  readonly dashboard?: string;
}

/** Every query in the dashboards: panel targets, template variables and annotations. */
export function dashboardQueries(): FoundQuery[] {
  const out: FoundQuery[] = [];
  for (const { file, json } of loadDashboards()) {
    for (const panel of allPanels(json)) {
      for (const t of asArray(panel.targets).filter(isObject)) {
        const text = str(t.query) ?? str(t.expr);
        if (text === undefined) continue;
        out.push({
          where: `${file} panel ${String(panel.id)} "${String(panel.title)}" ${String(t.refId)}`,
          datasource: datasourceUid(t.datasource) ?? datasourceUid(panel.datasource),
          text,
          dashboard: file,
        });
      }
    }
    const templating = isObject(json.templating) ? json.templating : {};
    for (const v of asArray(templating.list).filter(isObject)) {
      const q = isObject(v.query) ? str(v.query.query) : str(v.query);
      if (q === undefined || v.type !== 'query') continue;
      out.push({
        where: `${file} variable ${String(v.name)}`,
        datasource: datasourceUid(v.datasource),
        text: q,
        dashboard: file,
      });
    }
    const annotations = isObject(json.annotations) ? json.annotations : {};
    for (const a of asArray(annotations.list).filter(isObject)) {
      const target = isObject(a.target) ? a.target : {};
      const text = str(target.query) ?? str(target.expr);
      if (text === undefined) continue;
      out.push({
        where: `${file} annotation "${String(a.name)}"`,
        datasource: datasourceUid(target.datasource) ?? datasourceUid(a.datasource),
        text,
        dashboard: file,
      });
    }
  }
  return out;
}

/** Every datasource query of the alert rules (expressions left out). */
export function alertQueries(): FoundQuery[] {
  return alertRules().flatMap(({ rule }) =>
    asArray(rule.data)
      .filter(isObject)
      .flatMap((d) => {
        const model = isObject(d.model) ? d.model : {};
        const text = str(model.query) ?? str(model.expr);
        if (text === undefined) return [];
        return [
          {
            where: `alert rule ${String(rule.uid)} ${String(d.refId)}`,
            datasource: str(d.datasourceUid),
            text,
          },
        ];
      }),
  );
}

/** Template variable names of a dashboard. */
export function variableNames(dashboard: Json): string[] {
  const templating = isObject(dashboard.templating) ? dashboard.templating : {};
  return asArray(templating.list)
    .filter(isObject)
    .map((v) => str(v.name))
    .filter((n): n is string => n !== undefined);
}
