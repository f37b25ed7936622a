/**
 * The config file's shape, declared once: every YAML key, the AppConfig property it sets, how its value is
 * checked, and what it means. The loader walks it to parse and validate; tests walk it to prove that
 * config.yaml, DEFAULT_CONFIG and docs/configuration.md cover every key.
 */
import { OPTION_RULES } from '../model/options';
import { TRANSFORM_CHOICES } from '../model/valueTransform';
import { MAX_SIMULATED_HOSTS } from '../sources/simulator/hosts';
import {
  booleanValue,
  durationValue,
  enumValue,
  numberValue,
  sizeValue,
  stringListValue,
  stringValue,
  urlValue,
  describeRange,
  type Checker,
  type NumberRange,
} from './values';

/** A key holding one value. */
export interface LeafSpec {
  readonly kind: 'leaf';
  /** AppConfig property name; defaults to the camelCase of the YAML key. */
  readonly prop?: string;
  /** Value type as shown in the docs, e.g. `duration`, `integer`. */
  readonly type: string;
  readonly check: Checker;
  /** What the key does, its units and range (used in the docs). */
  readonly doc: string;
  /** The environment variable that overrides this key, if any. */
  readonly env?: string;
  /** Never print the value. */
  readonly secret?: boolean;
  /** The key may be left out (it has no default value). */
  readonly optional?: boolean;
}

/** A mapping of named keys. */
export interface SectionSpec {
  readonly kind: 'section';
  readonly prop?: string;
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

/** A list whose items are mappings of the same shape (prometheus.queries). */
export interface ListSpec {
  readonly kind: 'list';
  readonly prop?: string;
  readonly type: string;
  readonly doc: string;
  readonly item: SectionSpec;
}

export type FieldSpec = LeafSpec | SectionSpec | ListSpec;

/** `training_window` → `trainingWindow`. */
export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The AppConfig property a YAML key maps to. */
export function propOf(key: string, spec: FieldSpec): string {
  return spec.prop ?? camelCase(key);
}

const leaf = (type: string, check: Checker, doc: string, extra: Partial<LeafSpec> = {}): LeafSpec => ({
  kind: 'leaf',
  type,
  check,
  doc,
  ...extra,
});

const durationMs = (doc: string, prop: string, gt0 = true): LeafSpec =>
  leaf('duration', durationValue(gt0 ? { gt: 0 } : { min: 0 }), doc, { prop });

// The model validates its options too; reading its rules keeps the config from accepting what it rejects.
const modelRule = (key: keyof typeof OPTION_RULES): NumberRange => {
  const r = OPTION_RULES[key];
  if (r.open === true) return { integer: r.integer, gt: r.min, lt: r.max };
  // Number.MAX_VALUE stands for "no upper bound"; every finite number is below it anyway.
  return r.max >= Number.MAX_VALUE
    ? { integer: r.integer, min: r.min }
    : { integer: r.integer, min: r.min, max: r.max };
};
const modelRange = (key: keyof typeof OPTION_RULES): string =>
  describeRange(modelRule(key)).replace(/^must be /, '');

/** Query names become the `query` tag in InfluxDB and a label value in Grafana, so keep them identifier-like. */
export const QUERY_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label names as Prometheus defines them. */
const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const querySpec: SectionSpec = {
  kind: 'section',
  doc: 'One PromQL query; every series it returns is modelled separately.',
  fields: {
    name: leaf(
      'string',
      stringValue({
        pattern: QUERY_NAME_PATTERN,
        rule: 'must be a name of letters, digits and _ not starting with a digit (e.g. "cpu_busy_percent")',
      }),
      'Unique name of the query, written as the `query` tag. Letters, digits and `_`, not starting with a digit.',
    ),
    promql: leaf(
      'string',
      stringValue({ nonEmpty: true }),
      'The PromQL expression. Use aggregations (`by (instance)`) to keep the series count small.',
    ),
    step: leaf(
      'duration',
      durationValue({ gt: 0, unit: 's', bareSeconds: true }),
      'Resolution of this query in the history fetch; a duration or a number of seconds. Default: the monitor interval.',
      { prop: 'stepSeconds', optional: true },
    ),
  },
};

/** The whole config file. */
export const CONFIG_SCHEMA: SectionSpec = {
  kind: 'section',
  doc: 'anomalyd configuration',
  fields: {
    log_level: leaf(
      'enum',
      enumValue(['error', 'warn', 'info', 'debug']),
      'Log verbosity: error, warn, info or debug.',
      {
        env: 'LOG_LEVEL',
      },
    ),
    source: leaf(
      'enum',
      enumValue(['auto', 'prometheus', 'simulator']),
      'Where metrics come from: `prometheus`, `simulator` (synthetic data), or `auto` (Prometheus, falling back to the simulator while it is unreachable).',
      { env: 'ANOMALYD_SOURCE' },
    ),
    interval_seconds: leaf(
      'seconds',
      durationValue({ gt: 0, unit: 's', bareSeconds: true }),
      'Monitor cycle interval in seconds (a plain number, or a duration such as `30s`). Must be > 0.',
      { env: 'MONITORING_INTERVAL' },
    ),
    prometheus: {
      kind: 'section',
      doc: 'The Prometheus source.',
      fields: {
        url: leaf('url', urlValue(), 'Base URL of the Prometheus HTTP API.', { env: 'PROMETHEUS_URL' }),
        timeout: durationMs('Timeout of one HTTP request. > 0.', 'timeoutMs'),
        retries: leaf(
          'integer',
          numberValue({ integer: true, min: 0, max: 10 }),
          'Retries per request before the poll counts as failed. 0–10.',
        ),
        queries: {
          kind: 'list',
          type: 'list of {name, promql, step}',
          doc: 'The queries to watch. A list in the file replaces the default list entirely. Must not be empty when `source: prometheus`.',
          item: querySpec,
        },
        training_window: durationMs(
          'History fetched (query_range) to fit a new series. > 0.',
          'trainingWindowMs',
        ),
        series_expiry: durationMs('A series not seen for this long is forgotten. > 0.', 'seriesExpiryMs'),
        max_series: leaf(
          'integer',
          numberValue({ integer: true, min: 1 }),
          'Maximum number of tracked series; the excess is dropped, counted and logged. >= 1.',
        ),
        breaker_failures: leaf(
          'integer',
          numberValue({ integer: true, min: 1 }),
          'Consecutive failed polls before `auto` switches to the simulator. >= 1.',
        ),
        probe_initial: durationMs(
          'First delay between probes while Prometheus is down (doubles up to probe_max). > 0.',
          'probeInitialMs',
        ),
        probe_max: durationMs(
          'Maximum delay between probes while Prometheus is down. >= probe_initial.',
          'probeMaxMs',
        ),
      },
    },
    simulator: {
      kind: 'section',
      doc: 'The synthetic source (demo, tests, and the fallback of `source: auto`).',
      fields: {
        hosts: leaf(
          'integer',
          numberValue({ integer: true, min: 1, max: MAX_SIMULATED_HOSTS }),
          `Number of simulated hosts (3 series each). 1–${MAX_SIMULATED_HOSTS}.`,
        ),
        seed: leaf(
          'integer',
          numberValue({ integer: true, min: 0, max: 2 ** 32 - 1 }),
          'Random seed; the same seed gives the same data. 0–4294967295.',
        ),
        backfill: durationMs(
          'History generated at start so models are ready at once. >= 0.',
          'backfillMs',
          false,
        ),
        anomalies_per_day: leaf(
          'number',
          numberValue({ min: 0 }),
          'Probability per series per day of an injected anomaly. >= 0.',
        ),
      },
    },
    model: {
      kind: 'section',
      doc: 'The forecasting model.',
      fields: {
        kind: leaf(
          'enum',
          enumValue(['seasonal', 'prophet', 'mstl']),
          'Model: `seasonal` (built in), `prophet` or `mstl` (via augurs, if installed).',
        ),
        interval_width: leaf(
          'number',
          numberValue(modelRule('intervalWidth')),
          `Central coverage of the prediction interval (0.95 = 95%): ${modelRange('intervalWidth')}.`,
        ),
        daily_order: leaf(
          'integer',
          numberValue(modelRule('dailyOrder')),
          `Fourier order of the daily component (0 = no daily seasonality): ${modelRange('dailyOrder')}.`,
        ),
        weekly_order: leaf(
          'integer',
          numberValue(modelRule('weeklyOrder')),
          `Fourier order of the weekly component (0 = no weekly seasonality): ${modelRange('weeklyOrder')}.`,
        ),
        weekend_daily_shape: leaf(
          'boolean',
          booleanValue(),
          'Give Saturdays and Sundays their own daily shape and level (when the history has enough weeks).',
        ),
        daily_profile: leaf(
          'boolean',
          booleanValue(),
          'Learn a per-bin daily residual profile where sharp daily steps beat the Fourier shape, kept only when it predicts held-out days better.',
        ),
        transform: leaf(
          'enum',
          enumValue(TRANSFORM_CHOICES),
          'Fit on the log scale: `auto` when the history is positive and its noise grows in proportion to its level (latencies, rates), `log` whenever it has positive values, `none` never.',
        ),
        changepoints: leaf(
          'integer',
          numberValue(modelRule('changepoints')),
          `Potential trend changepoints over the first 80% of the history: ${modelRange('changepoints')}.`,
        ),
        changepoint_penalty: leaf(
          'number',
          numberValue(modelRule('changepointPenalty')),
          `Ridge penalty on trend slope changes; larger = stiffer trend: ${modelRange('changepointPenalty')}.`,
        ),
        min_band_abs: leaf(
          'number',
          numberValue(modelRule('minBandAbs')),
          `Minimum half-width of the band, in the series' units (0 = off): ${modelRange('minBandAbs')}.`,
        ),
        min_band_rel: leaf(
          'number',
          numberValue(modelRule('minBandRel')),
          `Minimum half-width of the band relative to the absolute forecast (0.05 = 5%; 0 = off): ${modelRange('minBandRel')}.`,
        ),
        calibration_fraction: leaf(
          'number',
          numberValue(modelRule('calibrationFraction')),
          `Tail fraction of the history held out to calibrate the intervals: ${modelRange('calibrationFraction')}.`,
        ),
        retrain_interval: durationMs('How often each series is refitted. > 0.', 'retrainIntervalMs'),
        training_window: durationMs('Rolling window of history used for refits. > 0.', 'trainingWindowMs'),
        max_fits_per_cycle: leaf(
          'integer',
          numberValue({ integer: true, min: 1 }),
          'Maximum model fits per monitor cycle, so fitting never stalls polling. >= 1.',
        ),
        accept_after: durationMs(
          'Refits leave out points inside anomaly episodes; an episode lasting this long is the new normal and its points are learnt again (longer than training_window: never). > 0.',
          'acceptAfterMs',
        ),
        max_excluded_fraction: leaf(
          'number',
          numberValue({ min: 0, max: 1 }),
          'When more than this share of the refit window lies in episodes, the refit uses every point (the model, not the series, is wrong; 1 = never). 0–1.',
        ),
        learn_recurring: leaf(
          'boolean',
          booleanValue(),
          'Refits learn short episodes (up to 3 h) that start at the same time of day (within 30 min) on at least half the days of the window and on 3 or more: a schedule, not an incident.',
        ),
        screen_history: leaf(
          'boolean',
          booleanValue(),
          "Before a series' first fit, replay its history (a backfill, a dataset's training part) through the detector against a first model and leave the episodes found out of the fit and of later refits, as if they had been live: otherwise the history's own incidents teach the detector that incidents of their size are ordinary. More recall for a few more false alarms; not on series with routine resets (a GC sawtooth).",
        ),
      },
    },
    detection: {
      kind: 'section',
      doc: 'Scoring and episodes.',
      fields: {
        threshold_multiplier: leaf(
          'number',
          numberValue({ gt: 0 }),
          'Scales the calibrated band: a point is anomalous when its score exceeds this. > 0 (1 = the band edge).',
        ),
        severity: {
          kind: 'section',
          doc: 'Score cut-offs: a point scoring above a cut-off gets at least that severity. Must not decrease from low to critical.',
          fields: {
            low: leaf('number', numberValue({ gt: 0 }), 'Cut-off of LOW. > 0.'),
            medium: leaf('number', numberValue({ gt: 0 }), 'Cut-off of MEDIUM. >= low.'),
            high: leaf('number', numberValue({ gt: 0 }), 'Cut-off of HIGH. >= medium.'),
            critical: leaf('number', numberValue({ gt: 0 }), 'Cut-off of CRITICAL. >= high.'),
          },
        },
        episode: {
          kind: 'section',
          doc: 'How anomalous points are grouped into incidents.',
          fields: {
            min_points: leaf(
              'integer',
              numberValue({ integer: true, min: 1 }),
              'N of the N-of-M rule: anomalous points within the last `window` needed to open an episode. 1..window.',
            ),
            window: leaf(
              'integer',
              numberValue({ integer: true, min: 1 }),
              'M of the N-of-M rule, in points. >= 1.',
            ),
            close_ratio: leaf(
              'number',
              numberValue({ gt: 0, max: 1 }),
              'Hysteresis: an open episode stays open while the score stays above this fraction of the threshold. > 0 and <= 1.',
            ),
            close_after: leaf(
              'integer',
              numberValue({ integer: true, min: 1 }),
              'Consecutive points below the close level that close an episode. >= 1.',
            ),
            merge_gap: durationMs(
              'Episodes closer than this are merged into one: a flapping incident alerts once, and resolves this long after its last anomalous point. >= 0.',
              'mergeGapMs',
              false,
            ),
            immediate_score: leaf(
              'number',
              numberValue({ gt: 0 }),
              'A single point scoring at least this opens an episode at once (a spike) when it is also beyond the one-step level its side reaches in the bulk of the training history (without that level, raised per series in proportion to how heavy the tails of its one-step errors are). > 0.',
            ),
          },
        },
        drift: {
          kind: 'section',
          doc: 'CUSUM detector of slow, sustained one-sided drift.',
          fields: {
            enabled: leaf('boolean', booleanValue(), 'Run the drift detector.'),
            k: leaf(
              'number',
              numberValue({ min: 0 }),
              'CUSUM allowance, in standard deviations of the standardised residual. >= 0.',
            ),
            h: leaf('number', numberValue({ gt: 0 }), 'CUSUM decision threshold. > 0.'),
          },
        },
      },
    },
    influxdb: {
      kind: 'section',
      doc: 'The InfluxDB 2.x sink. Enabled when `url` is set (and then `token` is required).',
      fields: {
        url: leaf('url', urlValue({ allowEmpty: true }), 'Base URL of InfluxDB; empty = sink disabled.', {
          env: 'INFLUXDB_URL',
        }),
        token: leaf(
          'string',
          stringValue({ secret: true }),
          'API token with write access to the bucket. Prefer the environment variable; never logged.',
          { env: 'INFLUXDB_TOKEN', secret: true },
        ),
        org: leaf('string', stringValue({ nonEmpty: true }), 'Organisation name.', { env: 'INFLUXDB_ORG' }),
        bucket: leaf('string', stringValue({ nonEmpty: true }), 'Bucket written to.', {
          env: 'INFLUXDB_BUCKET',
        }),
        batch_size: leaf(
          'integer',
          numberValue({ integer: true, min: 1 }),
          'Points per write request. >= 1.',
        ),
        flush_interval: durationMs(
          'Buffered points are written at least this often. > 0.',
          'flushIntervalMs',
        ),
        max_retries: leaf(
          'integer',
          numberValue({ integer: true, min: 0 }),
          'Retries of a failed batch before it is spooled to disk. >= 0.',
        ),
        retry_initial: durationMs(
          'First retry delay (exponential back-off with jitter). > 0.',
          'retryInitialMs',
        ),
        retry_max: durationMs('Maximum retry delay. >= retry_initial.', 'retryMaxMs'),
        retry_budget: durationMs(
          'Total time spent retrying one batch before it is spooled. > 0.',
          'retryBudgetMs',
        ),
        request_timeout: durationMs('Timeout of one write request. > 0.', 'requestTimeoutMs'),
        max_buffer_points: leaf(
          'integer',
          numberValue({ integer: true, min: 1 }),
          'Points held in memory before older ones are spooled. >= batch_size.',
        ),
        spool_dir: leaf(
          'path',
          stringValue({ nonEmpty: true }),
          'Directory where undeliverable batches wait for replay.',
        ),
        spool_max_bytes: leaf(
          'size',
          sizeValue({ min: 0 }),
          'Maximum spool size (e.g. `1GiB`); beyond it the oldest data is dead-lettered. >= 0.',
          { prop: 'spoolMaxBytes' },
        ),
        dead_letter_file: leaf(
          'path',
          stringValue({ nonEmpty: true }),
          'Line-protocol file receiving points InfluxDB rejected for good.',
        ),
        shutdown_timeout: durationMs(
          'Time allowed to flush on shutdown before spooling the rest. > 0.',
          'shutdownTimeoutMs',
        ),
        tag_allowlist: leaf(
          'list of strings',
          stringListValue(
            stringValue({
              pattern: LABEL_NAME_PATTERN,
              rule: 'must be a label name (letters, digits and _)',
            }),
          ),
          'Series labels written as tags; empty = all labels.',
        ),
      },
    },
    file_sink: {
      kind: 'section',
      doc: 'Line-protocol files, always written (the record of every run).',
      fields: {
        dir: leaf('path', stringValue({ nonEmpty: true }), 'Directory of the `.lp` files.'),
        rotate_bytes: leaf(
          'size',
          sizeValue({ min: 1024 }),
          'Rotate the current file once it reaches this size (e.g. `64MiB`). >= 1KiB.',
        ),
        max_files: leaf('integer', numberValue({ integer: true, min: 1 }), 'Rotated files kept. >= 1.'),
      },
    },
    telemetry: {
      kind: 'section',
      doc: "The daemon's own metrics and health endpoints.",
      fields: {
        metrics_port: leaf(
          'integer',
          numberValue({ integer: true, min: 0, max: 65535 }),
          'Port of /metrics, /healthz and /readyz; 0 disables the server. 0–65535.',
          { env: 'METRICS_PORT' },
        ),
        metrics_host: leaf(
          'string',
          stringValue({ nonEmpty: true }),
          'Address the telemetry server binds (`127.0.0.1` = local only).',
        ),
        per_series_gauges: leaf(
          'boolean',
          booleanValue(),
          'Export anomalyd_forecast{series,bound} and anomalyd_anomaly_score{series} (one time series per tracked series: mind the cardinality).',
        ),
      },
    },
  },
};

/** A leaf with its YAML key path (`detection.episode.min_points`) and AppConfig property path. */
export interface LeafEntry {
  readonly keyPath: string;
  readonly propPath: readonly string[];
  readonly spec: LeafSpec;
}

/** Every leaf of the schema, depth first, in declaration order (list items excluded). */
export function schemaLeaves(
  section: SectionSpec = CONFIG_SCHEMA,
  keyPrefix = '',
  propPrefix: readonly string[] = [],
): LeafEntry[] {
  const out: LeafEntry[] = [];
  for (const [key, spec] of Object.entries(section.fields)) {
    const keyPath = keyPrefix === '' ? key : `${keyPrefix}.${key}`;
    const propPath = [...propPrefix, propOf(key, spec)];
    if (spec.kind === 'leaf') out.push({ keyPath, propPath, spec });
    else if (spec.kind === 'section') out.push(...schemaLeaves(spec, keyPath, propPath));
  }
  return out;
}
