import type { InfluxConfig } from '../../config/types';
import { escapeStringField } from '../lineProtocol';
import { classifyWriteError } from './retry';
import { createInfluxTransport, type InfluxTransport } from './transport';

/** Outcome of one probe of {@link checkInflux}. */
export interface ProbeResult {
  readonly ok: boolean;
  /** What was checked, with the URL (never the token). */
  readonly target: string;
  /** On failure: what failed and what to do about it. */
  readonly detail: string;
}

/** What `anomalyd check` reports about InfluxDB. */
export interface InfluxCheck {
  readonly health: ProbeResult;
  readonly write: ProbeResult;
}

/**
 * Measurement of the probe point written by {@link checkInflux}. Kept outside the dashboard schema on
 * purpose: it must never show up in the anomalyd panels.
 */
export const CHECK_MEASUREMENT = 'anomalyd_check';

function hint(status: number | undefined): string {
  switch (status) {
    case 401:
      return 'the token is missing or invalid (INFLUXDB_TOKEN)';
    case 403:
      return 'the token has no write permission on this bucket';
    case 404:
      return 'the org or bucket does not exist (check influxdb.org / influxdb.bucket)';
    case 400:
      return 'the server rejected the probe point';
    default:
      return status !== undefined && status >= 500
        ? 'the server is failing; try again later'
        : 'is the URL right and the server up?';
  }
}

/**
 * Probes InfluxDB for `anomalyd check`: GET /health, then a write of one tiny point
 * (`anomalyd_check ok=true <now>`) to prove the token may write to org/bucket. Never throws.
 */
export async function checkInflux(
  cfg: Pick<InfluxConfig, 'url' | 'token' | 'org' | 'bucket' | 'requestTimeoutMs'>,
  deps: { readonly nowMs: () => number; readonly transport?: InfluxTransport } = { nowMs: () => Date.now() },
): Promise<InfluxCheck> {
  const transport = deps.transport ?? createInfluxTransport(cfg);
  const base = cfg.url.replace(/\/+$/, '');
  let health: ProbeResult;
  try {
    await transport.health();
    health = { ok: true, target: `${base}/health`, detail: 'ok' };
  } catch (err) {
    const f = classifyWriteError(err, deps.nowMs());
    const status = 'status' in f ? f.status : undefined;
    health = { ok: false, target: `${base}/health`, detail: `${f.message} — ${hint(status)}` };
  }
  const target = `${base}/api/v2/write (org=${cfg.org}, bucket=${cfg.bucket})`;
  let write: ProbeResult;
  try {
    await transport.write(
      `${CHECK_MEASUREMENT} ok=true,by=${escapeStringField('anomalyd check')} ${Math.trunc(deps.nowMs())}`,
    );
    write = { ok: true, target, detail: 'ok' };
  } catch (err) {
    const f = classifyWriteError(err, deps.nowMs());
    const status = 'status' in f ? f.status : undefined;
    write = { ok: false, target, detail: `${f.message} — ${hint(status)}` };
  }
  return { health, write };
}
