import type { AppConfig } from './types';

/** What a secret is replaced with when printed. */
export const REDACTED = '***';

/** Masks the password of `scheme://user:password@host` URLs; other text is returned unchanged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = REDACTED;
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * A copy of the config that is safe to print or log: the InfluxDB token becomes "***" (an empty token
 * stays empty, so "not set" remains visible) and passwords embedded in URLs are masked.
 */
export function redactConfig(cfg: AppConfig): AppConfig {
  return {
    ...cfg,
    prometheus: { ...cfg.prometheus, url: redactUrl(cfg.prometheus.url) },
    influxdb: {
      ...cfg.influxdb,
      url: redactUrl(cfg.influxdb.url),
      token: cfg.influxdb.token === '' ? '' : REDACTED,
    },
  };
}
