/**
 * Validation of Prometheus HTTP API responses. The body is untrusted: every field is checked, and anything
 * unexpected becomes a `bad_response` error that names the endpoint and the query.
 */
import type { Labels } from '../../domain/series';
import type { Sample } from '../../domain/timeSeries';
import { PrometheusError, type PrometheusRequestContext } from './errors';
import type { NonFiniteCounts, SeriesData } from './types';

/** The HTTP answer as the transport saw it. */
export interface RawHttpResponse {
  readonly status: number;
  readonly body: string;
  /** Value of the `Retry-After` header, if any. */
  readonly retryAfter?: string;
}

/** A successful API call: the `data` member (still unvalidated) and any warnings Prometheus attached. */
export interface ApiSuccess {
  readonly data: unknown;
  readonly warnings: readonly string[];
}

const BAD_RESPONSE_HINT =
  'Check that prometheus.url points at the Prometheus HTTP API (not a proxy login page or another service).';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function badResponse(context: PrometheusRequestContext, detail: string): PrometheusError {
  return new PrometheusError({
    kind: 'bad_response',
    context,
    detail,
    hint: BAD_RESPONSE_HINT,
    retryable: false,
  });
}

/** Delay requested by `Retry-After` (delta-seconds form only; an HTTP date is ignored). */
export function parseRetryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header) * 1000;
}

/** Maps an HTTP status with no usable Prometheus error body to an error. */
function statusError(context: PrometheusRequestContext, res: RawHttpResponse): PrometheusError {
  const { status } = res;
  const detail = `HTTP ${status}${res.body.trim() === '' ? '' : `: ${snippet(res.body)}`}`;
  const retryAfterMs = parseRetryAfterMs(res.retryAfter);
  if (status === 429 || status >= 500) {
    return new PrometheusError({
      kind: 'http',
      context,
      detail,
      hint: 'Prometheus (or a proxy in front of it) is overloaded or failing; anomalyd retries with backoff.',
      retryable: true,
      httpStatus: status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 400 || status === 422) {
    return new PrometheusError({
      kind: 'bad_query',
      context,
      detail,
      hint: 'Fix the PromQL of this query in prometheus.queries; retrying will not help.',
      retryable: false,
      httpStatus: status,
    });
  }
  const hint =
    status === 401 || status === 403
      ? 'Prometheus refused access: check credentials or the proxy in front of it.'
      : status === 404
        ? 'Nothing answers the API path: check prometheus.url (including any path prefix such as /prometheus).'
        : 'Check prometheus.url and the Prometheus server logs.';
  return new PrometheusError({ kind: 'http', context, detail, hint, retryable: false, httpStatus: status });
}

/** Maps a Prometheus `{"status":"error"}` body to an error, by its `errorType`. */
function apiError(
  context: PrometheusRequestContext,
  res: RawHttpResponse,
  errorType: string,
  message: string,
): PrometheusError {
  const detail = `Prometheus said ${errorType}: ${message}`;
  const base = { context, detail, httpStatus: res.status, errorType };
  switch (errorType) {
    case 'bad_data':
    case 'execution':
      return new PrometheusError({
        ...base,
        kind: 'bad_query',
        retryable: false,
        hint: 'Fix the PromQL of this query in prometheus.queries (try it in the Prometheus UI); retrying will not help.',
      });
    case 'timeout':
    case 'canceled':
      return new PrometheusError({
        ...base,
        kind: 'timeout',
        retryable: true,
        hint: "Prometheus gave up evaluating the query: simplify it, use a larger step, or raise Prometheus' --query.timeout.",
      });
    default: {
      const fromStatus = statusError(context, res);
      const retryable = errorType === 'internal' || errorType === 'unavailable' || fromStatus.retryable;
      return new PrometheusError({
        ...base,
        kind: 'http',
        retryable,
        hint: retryable
          ? 'Prometheus reported a server-side failure; anomalyd retries with backoff.'
          : fromStatus.hint,
        ...(fromStatus.retryAfterMs === undefined ? {} : { retryAfterMs: fromStatus.retryAfterMs }),
      });
    }
  }
}

/**
 * Checks the API envelope `{status, data, errorType, error, warnings}` and the HTTP status together.
 * Throws a {@link PrometheusError} for every failure; returns the (unvalidated) `data` on success.
 */
export function parseEnvelope(context: PrometheusRequestContext, res: RawHttpResponse): ApiSuccess {
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch (e) {
    if (res.status < 200 || res.status >= 300) throw statusError(context, res);
    const why = e instanceof Error ? e.message : String(e);
    throw badResponse(context, `response is not valid JSON (${why}); body starts: ${snippet(res.body)}`);
  }
  if (isRecord(json) && json.status === 'error') {
    const errorType = typeof json.errorType === 'string' ? json.errorType : 'unknown';
    const message = typeof json.error === 'string' ? json.error : '(no message)';
    throw apiError(context, res, errorType, message);
  }
  if (res.status < 200 || res.status >= 300) throw statusError(context, res);
  if (!isRecord(json) || json.status !== 'success' || !('data' in json)) {
    throw badResponse(context, `expected {"status":"success","data":…}, got: ${snippet(res.body)}`);
  }
  const warnings = Array.isArray(json.warnings)
    ? json.warnings.filter((w): w is string => typeof w === 'string')
    : [];
  return { data: json.data, warnings };
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a Prometheus sample value string; `undefined` if it is not a number Prometheus would print. */
export function parseSampleValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return NUMBER_RE.test(text) ? Number(text) : undefined;
  }
}

class NonFiniteCounter {
  nan = 0;
  posInf = 0;
  negInf = 0;
  add(v: number): void {
    if (Number.isNaN(v)) this.nan++;
    else if (v === Infinity) this.posInf++;
    else if (v === -Infinity) this.negInf++;
  }
  counts(): NonFiniteCounts {
    return { nan: this.nan, posInf: this.posInf, negInf: this.negInf };
  }
}

function parseLabels(context: PrometheusRequestContext, v: unknown, where: string): Labels {
  if (!isRecord(v)) throw badResponse(context, `${where}.metric is not an object`);
  const labels: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw badResponse(context, `${where}.metric.${k} is not a string`);
    labels[k] = val;
  }
  return labels;
}

function parsePair(
  context: PrometheusRequestContext,
  v: unknown,
  where: string,
  counter: NonFiniteCounter,
): Sample {
  if (!Array.isArray(v) || v.length !== 2)
    throw badResponse(context, `${where} is not a [timestamp, "value"] pair`);
  const [t, s] = v as [unknown, unknown];
  if (typeof t !== 'number' || !Number.isFinite(t)) {
    throw badResponse(context, `${where} has a non-finite or non-numeric timestamp (${String(t)})`);
  }
  if (typeof s !== 'string') throw badResponse(context, `${where} has a non-string value`);
  const value = parseSampleValue(s);
  if (value === undefined)
    throw badResponse(context, `${where} has an unparsable value ${JSON.stringify(s)}`);
  counter.add(value);
  // Prometheus timestamps are float seconds with millisecond resolution.
  return { timestampMs: Math.round(t * 1000), value };
}

function expectResultType(
  context: PrometheusRequestContext,
  data: unknown,
): { type: string; result: unknown } {
  if (!isRecord(data) || typeof data.resultType !== 'string' || !('result' in data)) {
    throw badResponse(context, 'data has no resultType/result');
  }
  return { type: data.resultType, result: data.result };
}

/** Validates a `query_range` answer (`resultType: "matrix"`). Labels are returned as sent. */
export function parseMatrix(context: PrometheusRequestContext, data: unknown): SeriesData[] {
  const { type, result } = expectResultType(context, data);
  if (type !== 'matrix')
    throw badResponse(context, `expected resultType "matrix", got ${JSON.stringify(type)}`);
  if (!Array.isArray(result)) throw badResponse(context, 'data.result is not an array');
  return result.map((item: unknown, i): SeriesData => {
    const where = `result[${i}]`;
    if (!isRecord(item) || !Array.isArray(item.values))
      throw badResponse(context, `${where}.values is not an array`);
    const labels = parseLabels(context, item.metric, where);
    const counter = new NonFiniteCounter();
    const samples: Sample[] = [];
    const values: unknown[] = item.values;
    for (let j = 0; j < values.length; j++) {
      const sample = parsePair(context, values[j], `${where}.values[${j}]`, counter);
      const prev = samples[samples.length - 1];
      if (prev !== undefined && sample.timestampMs <= prev.timestampMs) {
        throw badResponse(context, `${where}.values are not strictly increasing in time at index ${j}`);
      }
      samples.push(sample);
    }
    return { labels, samples, nonFinite: counter.counts() };
  });
}

/** Validates an instant `query` answer (`vector` or `scalar`; a scalar becomes one series without labels). */
export function parseInstant(context: PrometheusRequestContext, data: unknown): SeriesData[] {
  const { type, result } = expectResultType(context, data);
  if (type === 'scalar') {
    const counter = new NonFiniteCounter();
    const sample = parsePair(context, result, 'result', counter);
    return [{ labels: {}, samples: [sample], nonFinite: counter.counts() }];
  }
  if (type === 'matrix') {
    throw new PrometheusError({
      kind: 'bad_query',
      context,
      detail: 'the query returns a range vector',
      hint: 'Remove the [range] selector or wrap it in a function such as rate() or avg_over_time().',
      retryable: false,
    });
  }
  if (type !== 'vector')
    throw badResponse(context, `expected resultType "vector", got ${JSON.stringify(type)}`);
  if (!Array.isArray(result)) throw badResponse(context, 'data.result is not an array');
  return result.map((item: unknown, i): SeriesData => {
    const where = `result[${i}]`;
    if (!isRecord(item)) throw badResponse(context, `${where} is not an object`);
    const counter = new NonFiniteCounter();
    const labels = parseLabels(context, item.metric, where);
    const sample = parsePair(context, item.value, `${where}.value`, counter);
    return { labels, samples: [sample], nonFinite: counter.counts() };
  });
}
