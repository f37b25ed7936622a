import { stringify } from 'yaml';

import { redactConfig } from './redact';
import { CONFIG_SCHEMA, propOf, type SectionSpec } from './schema';
import type { AppConfig } from './types';
import { formatDurationMs, formatSizeBytes } from './units';

/**
 * The effective configuration as config-file YAML (snake_case keys, durations and sizes with units), with
 * secrets masked. Loading the output (with a real token put back) gives the same config again.
 */
export function configToYaml(cfg: AppConfig): string {
  const redacted = redactConfig(cfg) as unknown as Record<string, unknown>;
  return stringify(toFileShape(CONFIG_SCHEMA, redacted), { lineWidth: 0 });
}

function toFileShape(section: SectionSpec, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(section.fields)) {
    const prop = propOf(key, spec);
    const value = values[prop];
    if (value === undefined) continue;
    if (spec.kind === 'section') out[key] = toFileShape(spec, value as Record<string, unknown>);
    else if (spec.kind === 'list') {
      out[key] = (value as Record<string, unknown>[]).map((item) => toFileShape(spec.item, item));
    } else if (spec.type === 'duration') {
      // Durations are stored as `...Ms` except query steps, stored as `stepSeconds`.
      const ms = prop.endsWith('Ms') ? (value as number) : (value as number) * 1000;
      out[key] = formatDurationMs(ms);
    } else if (spec.type === 'size') out[key] = formatSizeBytes(value as number);
    else out[key] = value;
  }
  return out;
}
