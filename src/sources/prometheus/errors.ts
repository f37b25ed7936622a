/**
 * Why a Prometheus request failed; used as the `kind` label of `anomalyd_prometheus_errors_total`.
 * - `unreachable`: connection refused / reset, DNS failure (retryable).
 * - `timeout`: no answer within `timeoutMs`, or Prometheus reported a query timeout (retryable).
 * - `http`: an HTTP status that is not a query error: 5xx and 429 (retryable), 401/403/404… (not).
 * - `bad_query`: Prometheus rejected the PromQL (400 bad_data, 422 execution). Retrying cannot help.
 * - `bad_response`: the body is not the Prometheus API JSON we expect (garbage, truncated, wrong shape).
 * - `aborted`: given up because the daemon is shutting down (SIGTERM); not a Prometheus problem.
 */
export type PrometheusErrorKind =
  'unreachable' | 'timeout' | 'http' | 'bad_query' | 'bad_response' | 'aborted';

/** Where a failed request went and what it asked, so the message can tell the user what to fix. */
export interface PrometheusRequestContext {
  /** Full endpoint URL, e.g. `http://prom:9090/api/v1/query_range`. */
  readonly url: string;
  /** Configured query name, when the request belongs to one. */
  readonly queryName?: string;
  readonly promql: string;
}

/** Options of {@link PrometheusError}. */
export interface PrometheusErrorOptions {
  readonly kind: PrometheusErrorKind;
  readonly context: PrometheusRequestContext;
  /** What went wrong, without the URL/query (the constructor adds those). */
  readonly detail: string;
  /** What the user should do about it. */
  readonly hint: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  /** Prometheus' `errorType` (bad_data, execution, timeout, …) when it sent one. */
  readonly errorType?: string;
  /** Delay requested by a `Retry-After` header, in milliseconds. */
  readonly retryAfterMs?: number;
}

/**
 * A failed Prometheus request. The error decides whether to retry (`retryable`, `retryAfterMs`); the
 * client's backoff decides when.
 */
export class PrometheusError extends Error {
  readonly kind: PrometheusErrorKind;
  readonly url: string;
  readonly queryName: string | undefined;
  readonly promql: string;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly errorType: string | undefined;
  readonly retryAfterMs: number | undefined;
  /** Requests made before giving up (1 + retries used); set by the client. */
  attempts = 1;
  readonly detail: string;
  readonly hint: string;

  constructor(options: PrometheusErrorOptions) {
    super(formatMessage(options, 1));
    this.name = 'PrometheusError';
    this.kind = options.kind;
    this.url = options.context.url;
    this.queryName = options.context.queryName;
    this.promql = options.context.promql;
    this.retryable = options.retryable;
    this.httpStatus = options.httpStatus;
    this.errorType = options.errorType;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
    this.hint = options.hint;
  }

  /** Records how many requests were made and says so in the message. */
  withAttempts(attempts: number): this {
    this.attempts = attempts;
    this.message = formatMessage(
      {
        kind: this.kind,
        detail: this.detail,
        hint: this.hint,
        retryable: this.retryable,
        context: { url: this.url, queryName: this.queryName, promql: this.promql },
      },
      attempts,
    );
    return this;
  }
}

function formatMessage(o: PrometheusErrorOptions, attempts: number): string {
  const what = o.context.queryName === undefined ? 'query' : `query "${o.context.queryName}"`;
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return `Prometheus ${what} failed${tries}: ${o.detail} [${o.kind}] at ${o.context.url}; PromQL: ${o.context.promql}. ${o.hint}`;
}
