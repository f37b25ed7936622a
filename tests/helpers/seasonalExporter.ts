/**
 * A tiny exporter serving a known seasonal gauge on /metrics (Prometheus text format), plus the same
 * function as OpenMetrics text for backfilling history with promtool. Values are a deterministic function
 * of time and host, so tests can assert what Prometheus returns at known timestamps. Reused by the
 * end-to-end daemon test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../src/domain/clock';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** An offset added to one host's value while `fromMs <= t < toMs` (unbounded ends when omitted). */
export interface InjectedAnomaly {
  readonly host: string;
  readonly offset: number;
  readonly fromMs?: number;
  readonly toMs?: number;
}

/**
 * The seasonal value of `host` at `tMs`: a per-host level, a daily wave (amplitude 20) and an hourly wave
 * (amplitude 3). Smooth — it moves by less than 0.01 per second — so a sample taken a second away
 * differs by little.
 */
export function seasonalValue(host: string, tMs: number): number {
  let level = 0;
  for (const ch of host) level = (level * 31 + ch.charCodeAt(0)) % 40;
  return (
    30 + level + 20 * Math.sin((2 * Math.PI * tMs) / DAY_MS) + 3 * Math.cos((2 * Math.PI * tMs) / HOUR_MS)
  );
}

/** {@link seasonalValue} plus every anomaly active for `host` at `tMs`. */
export function valueWithAnomalies(host: string, tMs: number, anomalies: readonly InjectedAnomaly[]): number {
  let v = seasonalValue(host, tMs);
  for (const a of anomalies) {
    if (a.host === host && tMs >= (a.fromMs ?? -Infinity) && tMs < (a.toMs ?? Infinity)) v += a.offset;
  }
  return v;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',');
}

/** Options of {@link seasonalOpenMetrics}. */
export interface SeasonalBackfillOptions {
  /** Hosts (the `host` label). Default `['a', 'b']`. */
  readonly hosts?: readonly string[];
  /** Default `demo_cpu`. */
  readonly metricName?: string;
  /** First and last sample time (epoch ms, inclusive), on the `stepMs` grid from `startMs`. */
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  /**
   * Labels added to every sample. Pass the `job` and `instance` Prometheus will attach to the scraped
   * exporter so backfilled history and live samples form the same series.
   */
  readonly extraLabels?: Readonly<Record<string, string>>;
  readonly anomalies?: readonly InjectedAnomaly[];
}

/** OpenMetrics text of the seasonal gauge over a time range, for `promtool tsdb create-blocks-from openmetrics`. */
export function seasonalOpenMetrics(o: SeasonalBackfillOptions): string {
  const hosts = o.hosts ?? ['a', 'b'];
  const name = o.metricName ?? 'demo_cpu';
  const lines = [`# HELP ${name} Seasonal demo gauge.`, `# TYPE ${name} gauge`];
  const prefix = hosts.map((host) => `${name}{${labelText({ ...o.extraLabels, host })}} `);
  for (let t = o.startMs; t <= o.endMs; t += o.stepMs) {
    // OpenMetrics timestamps are seconds.
    const ts = ` ${t / 1000}`;
    hosts.forEach((host, i) =>
      lines.push(`${prefix[i]}${valueWithAnomalies(host, t, o.anomalies ?? [])}${ts}`),
    );
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

/** What one /metrics request served: the exporter's clock when it built the body, and each host's value. */
export interface ServedScrape {
  readonly atMs: number;
  readonly values: Readonly<Record<string, number>>;
}

/** Served scrapes kept for {@link SeasonalExporter.served}: over an hour at Prometheus' 1 s test interval. */
const SERVED_LOG_LIMIT = 5_000;

/** Options of {@link startSeasonalExporter}. */
export interface SeasonalExporterOptions {
  readonly hosts?: readonly string[];
  readonly metricName?: string;
  /** Time used for the served values. Default: the system clock. */
  readonly clock?: Clock;
  readonly anomalies?: readonly InjectedAnomaly[];
}

/** A running exporter. */
export interface SeasonalExporter {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** `host:port` — the scrape target, and the `instance` label Prometheus gives its series. */
  readonly address: string;
  readonly hosts: readonly string[];
  readonly metricName: string;
  /** Adds an anomaly to the served values. */
  injectAnomaly(anomaly: InjectedAnomaly): void;
  clearAnomalies(): void;
  /** The value served for `host` at `tMs` (seasonal + active anomalies). */
  valueAt(host: string, tMs: number): number;
  /** /metrics requests served so far. */
  readonly scrapeCount: number;
  /**
   * The scrapes served, oldest first (the latest {@link SERVED_LOG_LIMIT}). A test that must know which value
   * Prometheus stored for a time reads it here rather than recomputing the curve: on a loaded machine a scrape
   * can be served seconds after Prometheus stamped it, and an injected anomaly reaches the first scrape served
   * after it, whenever that is.
   */
  readonly served: readonly ServedScrape[];
  /**
   * Resolves once `count` more scrapes have been served (event-driven, no polling). Prometheus commits a
   * scrape only after reading it, so wait for one more scrape than you need to be sure it is queryable
   * (scrapes of one target are sequential). Rejects after
   * `timeoutMs` (default 30 s) saying how many arrived, e.g. when Prometheus is not scraping.
   */
  waitForScrapes(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the exporter on 127.0.0.1, on a random port. */
export async function startSeasonalExporter(
  options: SeasonalExporterOptions = {},
): Promise<SeasonalExporter> {
  const hosts = options.hosts ?? ['a', 'b'];
  const metricName = options.metricName ?? 'demo_cpu';
  const clock = options.clock ?? systemClock;
  const anomalies: InjectedAnomaly[] = [...(options.anomalies ?? [])];
  let scrapeCount = 0;
  const served: ServedScrape[] = [];
  const waiters: { target: number; resolve: () => void }[] = [];

  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    const t = clock.nowMs();
    const values: Record<string, number> = {};
    for (const host of hosts) values[host] = valueWithAnomalies(host, t, anomalies);
    served.push({ atMs: t, values });
    if (served.length > SERVED_LOG_LIMIT) served.shift();
    const body = [
      `# HELP ${metricName} Seasonal demo gauge.`,
      `# TYPE ${metricName} gauge`,
      ...hosts.map((host) => `${metricName}{host="${host}"} ${values[host]}`),
      '',
    ].join('\n');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body, () => {
      scrapeCount++;
      for (const w of waiters.filter((x) => x.target <= scrapeCount)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    hosts,
    metricName,
    injectAnomaly: (a) => void anomalies.push(a),
    clearAnomalies: () => void anomalies.splice(0),
    valueAt: (host, tMs) => valueWithAnomalies(host, tMs, anomalies),
    get scrapeCount() {
      return scrapeCount;
    },
    served,
    waitForScrapes: (count, timeoutMs = 30_000) => {
      const target = scrapeCount + count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new Error(`exporter ${port}: ${scrapeCount} scrapes after ${timeoutMs} ms, wanted ${target}`),
          );
        }, timeoutMs);
        const waiter = {
          target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
