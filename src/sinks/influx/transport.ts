import { InfluxDB } from '@influxdata/influxdb-client';
import type { Transport } from '@influxdata/influxdb-client';

/** Connection settings of {@link createInfluxTransport}. */
export interface InfluxConnection {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  /** Socket timeout of one request, ms. */
  readonly requestTimeoutMs: number;
}

/**
 * The HTTP seam of the Influx sink: one write of a line-protocol body, one health probe. Rejects with the
 * influxdb-client's errors (`HttpError`, `RequestTimedOutError`, `AbortError`, network errors).
 */
export interface InfluxTransport {
  /** POST /api/v2/write?org&bucket&precision=ms. Resolves on 2xx. */
  write(body: string, signal?: AbortSignal): Promise<void>;
  /** GET /health; resolves with the decoded body on 2xx. */
  health(signal?: AbortSignal): Promise<unknown>;
}

/**
 * The real transport: the influxdb-client's node transport (keep-alive, gzip over 1 KB, HttpError with the
 * server's message and headers), used without its WriteApi: retry, buffering and spooling are ours, since
 * the library's retry buffer drops data on close() and reads Retry-After as milliseconds.
 */
export function createInfluxTransport(conn: InfluxConnection): InfluxTransport {
  const transport: Transport = new InfluxDB({
    url: conn.url,
    token: conn.token,
    timeout: conn.requestTimeoutMs,
  }).transport;
  const query = new URLSearchParams({ org: conn.org, bucket: conn.bucket, precision: 'ms' }).toString();
  const writePath = `/api/v2/write?${query}`;
  return {
    async write(body, signal) {
      await transport.request(
        writePath,
        body,
        {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          gzipThreshold: 1000,
          ...(signal ? { signal } : {}),
        },
        undefined,
      );
    },
    async health(signal) {
      const res: unknown = await transport.request('/health', undefined, {
        method: 'GET',
        ...(signal ? { signal } : {}),
      });
      return res;
    },
  };
}
