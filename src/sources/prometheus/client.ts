import axios, { type AxiosError, type AxiosInstance, isAxiosError } from 'axios';
import { silentLogger, type Logger } from '../../domain/logger';
import {
  applyMetricNamePolicy,
  mergeChunks,
  planChunks,
  PROMETHEUS_MAX_POINTS_PER_SERIES,
  type MetricNamePolicy,
} from './chunks';
import { PrometheusError, type PrometheusRequestContext } from './errors';
import { parseEnvelope, parseInstant, parseMatrix, type RawHttpResponse } from './parse';
import { realSleep, type SeriesData, type Sleep } from './types';

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions {
  /** Base URL of Prometheus, e.g. `http://prometheus:9090` (a path prefix is kept). */
  readonly url: string;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Extra attempts after a retryable failure (unreachable, timeout, 5xx, 429); 0 = no retry. */
  readonly retries: number;
  /** First backoff delay; doubles per retry up to `retryMaxMs`. Default 500 ms. */
  readonly retryInitialMs?: number;
  /** Backoff cap, also the cap on a server's `Retry-After`. Default 10 s. */
  readonly retryMaxMs?: number;
  /** Evaluation points per series per request; default (and maximum Prometheus accepts) 11,000. */
  readonly maxPointsPerRequest?: number;
  /**
   * Samples (series x points) a streamed range request aims at, default 250,000: a backfill of many series
   * is fetched in time chunks this small so one answer (JSON text plus parsed samples) stays a few tens of
   * MB, and Prometheus' own per-query sample limit (50 M by default) is never near.
   */
  readonly maxSamplesPerRequest?: number;
  /** Sleep port used between retries (given `signal`, so it can end early); tests inject a fake. */
  readonly sleep?: Sleep;
  /**
   * The daemon's shutdown signal: aborting it cancels the request in flight and the wait between retries,
   * so SIGTERM during a hanging Prometheus stops at once instead of after timeout x (retries + 1). Calls
   * then fail with kind `aborted`.
   */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** Defaults merged under {@link PrometheusClientOptions}. */
export const DEFAULT_PROMETHEUS_CLIENT_OPTIONS = {
  retryInitialMs: 500,
  retryMaxMs: 10_000,
  maxPointsPerRequest: PROMETHEUS_MAX_POINTS_PER_SERIES,
  maxSamplesPerRequest: 250_000,
} as const;

/** Per-call options. */
export interface QueryOptions {
  /** Configured query name, quoted in errors and logs. */
  readonly queryName?: string;
  /** See {@link MetricNamePolicy}; default `auto`. */
  readonly metricName?: MetricNamePolicy;
}

/**
 * Delay before retry number `attempt` (0-based): `initialMs · 2^attempt`, capped at `maxMs`. No jitter:
 * one daemon talks to one Prometheus, so there is no herd to spread, and tests stay exact.
 */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** attempt);
}

/** Formats epoch ms as the float seconds the Prometheus API takes. */
function toPromTime(ms: number): string {
  return String(ms / 1000);
}

/**
 * A small client for the Prometheus HTTP API (`/api/v1/query_range`, `/api/v1/query`). One axios instance;
 * range queries are split into chunks Prometheus accepts; retryable failures are retried with exponential
 * backoff; every failure is a {@link PrometheusError}.
 */
export class PrometheusClient {
  private readonly http: AxiosInstance;
  private readonly baseUrl: string;
  private readonly retries: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly maxPoints: number;
  private readonly maxSamples: number;
  private readonly sleep: Sleep;
  private readonly signal: AbortSignal | undefined;
  private readonly logger: Logger;

  constructor(options: PrometheusClientOptions) {
    const o = { ...DEFAULT_PROMETHEUS_CLIENT_OPTIONS, sleep: realSleep, logger: silentLogger, ...options };
    if (!Number.isInteger(o.retries) || o.retries < 0) {
      throw new RangeError(`prometheus retries must be an integer >= 0, got ${o.retries}`);
    }
    if (!(o.timeoutMs > 0)) throw new RangeError(`prometheus timeoutMs must be > 0, got ${o.timeoutMs}`);
    if (!Number.isInteger(o.maxPointsPerRequest) || o.maxPointsPerRequest < 1) {
      throw new RangeError(`maxPointsPerRequest must be an integer >= 1, got ${o.maxPointsPerRequest}`);
    }
    this.baseUrl = o.url.replace(/\/+$/, '');
    this.retries = o.retries;
    this.retryInitialMs = o.retryInitialMs;
    this.retryMaxMs = o.retryMaxMs;
    this.maxPoints = Math.min(o.maxPointsPerRequest, PROMETHEUS_MAX_POINTS_PER_SERIES);
    if (!(o.maxSamplesPerRequest >= 1)) {
      throw new RangeError(`maxSamplesPerRequest must be >= 1, got ${o.maxSamplesPerRequest}`);
    }
    this.maxSamples = o.maxSamplesPerRequest;
    this.sleep = o.sleep;
    this.signal = o.signal;
    this.logger = o.logger;
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: o.timeoutMs,
      // We parse and validate the body ourselves, and judge every status ourselves.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      headers: { Accept: 'application/json' },
    });
  }

  /** The base URL requests go to. */
  get url(): string {
    return this.baseUrl;
  }

  /**
   * Evaluates `promql` at `startMs, startMs + step, …, ≤ endMs` (epoch ms, inclusive). Long ranges are
   * split so no request exceeds 11,000 points per series; the pieces are merged without duplicates.
   * Values may be NaN/±Inf (counted in `nonFinite`).
   * @throws {PrometheusError} on any failure, after retries for retryable ones.
   */
  async queryRange(
    promql: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    options: QueryOptions = {},
  ): Promise<SeriesData[]> {
    if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds)) {
      throw new RangeError(`stepSeconds must be a finite number > 0, got ${stepSeconds}`);
    }
    const stepMs = stepSeconds * 1000;
    const chunks = planChunks(startMs, endMs, stepMs, this.maxPoints);
    const answers: SeriesData[][] = [];
    // Sequential on purpose: a long history fetch should not put several heavy queries on Prometheus at once.
    for (const chunk of chunks) answers.push(await this.fetchChunk(promql, chunk, stepSeconds, options));
    return applyMetricNamePolicy(mergeChunks(answers), options.metricName ?? 'auto');
  }

  /**
   * Like {@link queryRange}, but hands each time chunk's series to `onChunk` as it arrives (in time order,
   * no point twice) instead of merging them, and sizes chunks so that `expectedSeries` series x points
   * stays near `maxSamplesPerRequest`: a fleet's backfill is streamed, never held whole.
   * @throws {PrometheusError} on any failure, after retries; chunks already handed over stay handed over.
   */
  async queryRangeChunks(
    promql: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    onChunk: (seriesList: SeriesData[]) => void,
    options: QueryOptions & { readonly expectedSeries?: number } = {},
  ): Promise<void> {
    if (!(stepSeconds > 0) || !Number.isFinite(stepSeconds)) {
      throw new RangeError(`stepSeconds must be a finite number > 0, got ${stepSeconds}`);
    }
    const series = Math.max(1, Math.floor(options.expectedSeries ?? 1));
    const points = Math.max(1, Math.min(this.maxPoints, Math.floor(this.maxSamples / series)));
    for (const chunk of planChunks(startMs, endMs, stepSeconds * 1000, points)) {
      const seriesList = await this.fetchChunk(promql, chunk, stepSeconds, options);
      onChunk(applyMetricNamePolicy(seriesList, options.metricName ?? 'auto'));
    }
  }

  /** One `query_range` request over one time chunk, parsed. */
  private async fetchChunk(
    promql: string,
    chunk: { readonly startMs: number; readonly endMs: number },
    stepSeconds: number,
    options: QueryOptions,
  ): Promise<SeriesData[]> {
    const params = new URLSearchParams({
      query: promql,
      start: toPromTime(chunk.startMs),
      end: toPromTime(chunk.endMs),
      step: String(stepSeconds),
    });
    const context = this.context('/api/v1/query_range', promql, options);
    return parseMatrix(context, await this.request(context, params));
  }

  /**
   * Evaluates `promql` at one instant (epoch ms). Each series carries one sample.
   * @throws {PrometheusError} on any failure, after retries for retryable ones.
   */
  async query(promql: string, timeMs: number, options: QueryOptions = {}): Promise<SeriesData[]> {
    const context = this.context('/api/v1/query', promql, options);
    const data = await this.request(
      context,
      new URLSearchParams({ query: promql, time: toPromTime(timeMs) }),
    );
    return applyMetricNamePolicy(parseInstant(context, data), options.metricName ?? 'auto');
  }

  private context(path: string, promql: string, options: QueryOptions): PrometheusRequestContext {
    return {
      url: `${this.baseUrl}${path}`,
      promql,
      ...(options.queryName === undefined ? {} : { queryName: options.queryName }),
    };
  }

  /** One API call with retries; returns the validated envelope's `data`. */
  private async request(context: PrometheusRequestContext, params: URLSearchParams): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      if (this.signal?.aborted === true) throw abortedError(context);
      try {
        const { data, warnings } = parseEnvelope(context, await this.send(context, params));
        for (const w of warnings) {
          this.logger.warn('Prometheus returned a warning', {
            url: context.url,
            query: context.queryName,
            warning: w,
          });
        }
        return data;
      } catch (e) {
        if (!(e instanceof PrometheusError)) throw e;
        if (!e.retryable || attempt >= this.retries) throw e.withAttempts(attempt + 1);
        const delayMs = Math.min(
          this.retryMaxMs,
          e.retryAfterMs ?? retryDelayMs(attempt, this.retryInitialMs, this.retryMaxMs),
        );
        this.logger.warn('Prometheus request failed; retrying', {
          url: context.url,
          query: context.queryName,
          kind: e.kind,
          attempt: attempt + 1,
          delayMs,
          error: e.detail,
        });
        await this.sleep(delayMs, this.signal);
      }
    }
  }

  /** Sends the form-encoded POST (long PromQL does not fit in a URL) and maps transport failures. */
  private async send(context: PrometheusRequestContext, params: URLSearchParams): Promise<RawHttpResponse> {
    try {
      const res = await this.http.post<string>(
        context.url.slice(this.baseUrl.length),
        params,
        this.signal === undefined ? {} : { signal: this.signal },
      );
      const retryAfter: unknown = res.headers['retry-after'];
      return {
        status: res.status,
        body: typeof res.data === 'string' ? res.data : '',
        ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
      };
    } catch (e) {
      if (axios.isCancel(e) || this.signal?.aborted === true) throw abortedError(context);
      if (!isAxiosError(e)) throw e;
      throw transportError(context, e);
    }
  }
}

/** The request was given up because the daemon is shutting down. Never retried. */
function abortedError(context: PrometheusRequestContext): PrometheusError {
  return new PrometheusError({
    kind: 'aborted',
    context,
    detail: 'cancelled: anomalyd is shutting down',
    hint: 'Nothing to fix: the daemon was asked to stop while this request was waiting.',
    retryable: false,
  });
}

/** Maps an axios/network failure (no HTTP answer) to `timeout` or `unreachable`. */
function transportError(context: PrometheusRequestContext, e: AxiosError): PrometheusError {
  const { code, message } = e;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new PrometheusError({
      kind: 'timeout',
      context,
      detail: `no answer within the timeout (${message})`,
      hint: 'Prometheus is slow or hung: check its load, or raise prometheus.timeoutMs.',
      retryable: true,
    });
  }
  return new PrometheusError({
    kind: 'unreachable',
    context,
    detail: `cannot connect (${code ?? 'error'}: ${message})`,
    hint: 'Check prometheus.url and that Prometheus is running and reachable from this host.',
    retryable: true,
  });
}
