import { join } from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';

/**
 * Generates the JSON schema of a dashboard from @grafana/schema's TypeScript types (see
 * grafanaDashboard.ts) with ts-json-schema-generator. Generated at test time, so upgrading
 * @grafana/schema re-checks the dashboards against the new model with nothing to regenerate by hand.
 * Takes a few seconds.
 */
export function generateDashboardSchema(): Record<string, unknown> {
  const schema = createGenerator({
    path: join(__dirname, 'grafanaDashboard.ts'),
    type: 'ProvisionedDashboard',
    skipTypeCheck: true,
    expose: 'export',
    topRef: true,
    additionalProperties: false,
  }).createSchema('ProvisionedDashboard');
  return schema as Record<string, unknown>;
}
