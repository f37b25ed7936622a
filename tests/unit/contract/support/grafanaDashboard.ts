/**
 * The dashboard JSON model the contract tests validate against: @grafana/schema's generated `Dashboard`
 * type, with annotation queries widened the way the package's own veneer (`veneer/dashboard.types.d.ts`)
 * widens them. The generated `AnnotationTarget` only models the built-in Grafana datasource; a datasource
 * annotation (ours: a Flux query) carries a datasource query as its target. The veneer itself cannot be
 * fed to ts-json-schema-generator (it re-exports `DataSourceRef` twice), hence this restatement.
 *
 * Only types live here: the schema is generated from this file at test time (see dashboardSchema.ts).
 */
import type * as raw from '@grafana/schema/dist/types/raw/dashboard/x/types.gen';

/** A datasource query: refId plus whatever keys the datasource defines (`query` for Flux). */
export interface DataQuery {
  refId: string;
  datasource?: raw.DataSourceRef;
  hide?: boolean;
  queryType?: string;
  [key: string]: unknown;
}

export interface AnnotationQuery extends Omit<raw.AnnotationQuery, 'target'> {
  target?: DataQuery;
}

export interface AnnotationContainer {
  list?: AnnotationQuery[];
}

export interface ProvisionedDashboard extends Omit<raw.Dashboard, 'annotations'> {
  annotations?: AnnotationContainer;
}
