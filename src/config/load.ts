/**
 * Loading the configuration: defaults < config file < environment < CLI flags, validated once at this
 * boundary so the rest of the daemon can trust AppConfig.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument, type Document } from 'yaml';

import type { ModelKind } from '../model/types';
import { UserError } from '../domain/errors';
import { DEFAULT_CONFIG } from './defaults';
import { ConfigError, type ConfigOrigin, type ConfigProblem } from './errors';
import {
  CONFIG_SCHEMA,
  QUERY_NAME_PATTERN,
  propOf,
  schemaLeaves,
  type LeafEntry,
  type SectionSpec,
} from './schema';
import { closestMatch } from './suggest';
import { describeValue } from './values';
import type { AppConfig, LogLevel, SourceMode } from './types';

/** The settings the CLI can override; applied last. The CLI converts its options to these types. */
export interface ConfigFlags {
  readonly intervalSeconds?: number;
  readonly source?: SourceMode;
  readonly prometheusUrl?: string;
  readonly thresholdMultiplier?: number;
  readonly logLevel?: LogLevel;
  readonly modelKind?: ModelKind;
}

/**
 * The config key each flag sets, and the option name shown in error messages. The CLI should declare its
 * options with these names so that messages point at what the user typed.
 */
export const FLAG_KEYS: Readonly<
  Record<keyof ConfigFlags, { readonly key: string; readonly option: string }>
> = {
  intervalSeconds: { key: 'interval_seconds', option: '--interval' },
  source: { key: 'source', option: '--source' },
  prometheusUrl: { key: 'prometheus.url', option: '--prometheus-url' },
  thresholdMultiplier: { key: 'detection.threshold_multiplier', option: '--threshold-multiplier' },
  logLevel: { key: 'log_level', option: '--log-level' },
  modelKind: { key: 'model.kind', option: '--model' },
};

/** Environment as read from `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** The file given with --config; it must exist. Without it, `./config.yaml` is used if present. */
  readonly path?: string;
  readonly env: Environment;
  readonly flags: ConfigFlags;
  /** Directory searched for `config.yaml` when `path` is not given. Default: the working directory. */
  readonly cwd?: string;
}

/** The name of the config file looked for in the working directory. */
export const DEFAULT_CONFIG_FILE = 'config.yaml';

/**
 * Loads and validates the configuration.
 *
 * @throws {UserError} when an explicitly given file is missing or unreadable.
 * @throws {ConfigError} (a UserError) listing every problem found, each with file:line, key and fix.
 */
export function loadConfig(options: LoadConfigOptions): AppConfig {
  let file: { readonly text: string; readonly name: string } | undefined;
  if (options.path !== undefined) {
    if (!existsSync(options.path)) {
      throw new UserError(
        `config file not found: ${options.path} (check the --config path, or leave --config out to use ./${DEFAULT_CONFIG_FILE} or the built-in defaults)`,
      );
    }
    file = { text: readText(options.path), name: options.path };
  } else {
    const candidate = join(options.cwd ?? process.cwd(), DEFAULT_CONFIG_FILE);
    if (existsSync(candidate)) file = { text: readText(candidate), name: DEFAULT_CONFIG_FILE };
  }
  return resolveConfig({ file, env: options.env, flags: options.flags });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read config file ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * The pure core of {@link loadConfig}: merges defaults, the file's text (if any), the environment and the
 * flags, then validates. `file.name` is what messages call the file.
 *
 * @throws {ConfigError} listing every problem.
 */
export function resolveConfig(input: {
  readonly file?: { readonly text: string; readonly name: string } | undefined;
  readonly env: Environment;
  readonly flags: ConfigFlags;
}): AppConfig {
  const state: MergeState = {
    config: structuredClone(DEFAULT_CONFIG) as unknown as Tree,
    origins: new Map(),
    problems: [],
  };
  if (input.file !== undefined) applyFile(state, input.file.text, input.file.name);
  applyEnv(state, input.env);
  applyFlags(state, input.flags);
  if (state.problems.length === 0) crossCheck(state);
  if (state.problems.length > 0) throw new ConfigError(state.problems);
  return deepFreeze(state.config) as unknown as AppConfig;
}

// The config is shared by every component; freezing turns an accidental write into an immediate error.
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// A mutable view of the config being built; AppConfig is readonly all the way down.
type Tree = Record<string, unknown>;

interface MergeState {
  readonly config: Tree;
  /** Where each key's current value came from; absent = default. */
  readonly origins: Map<string, ConfigOrigin>;
  readonly problems: ConfigProblem[];
}

const LEAVES: ReadonlyMap<string, LeafEntry> = new Map(schemaLeaves().map((l) => [l.keyPath, l]));

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const p of path.slice(0, -1)) node = node[p] as Tree;
  node[path[path.length - 1] ?? ''] = value;
}

// ---------------------------------------------------------------------------------------------- the file

interface FileContext {
  readonly name: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly state: MergeState;
}

function applyFile(state: MergeState, text: string, name: string): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = lines.linePos(err.pos[0]);
      state.problems.push({
        origin: { kind: 'file', file: name, line: pos.line, col: pos.col },
        key: '',
        message: `invalid YAML: ${err.message.split('\n')[0] ?? err.message} (fix the syntax at this position)`,
      });
    }
    return;
  }
  const ctx: FileContext = { name, doc, lines, state };
  const root = doc.contents;
  // An empty file (or one with only comments) means "all defaults".
  if (root === null || (isScalar(root) && root.value === null)) return;
  const section = walkSection(ctx, root, CONFIG_SCHEMA, '', { line: 1 });
  if (section === undefined) return;
  mergeSection(state.config, section);
}

/** The 1-based line of a node, falling back to `fallback` for nodes without a position. */
function lineOf(ctx: FileContext, node: unknown, fallback: number): number {
  if (isNode(node) && node.range) return ctx.lines.linePos(node.range[0]).line;
  return fallback;
}

function fileProblem(ctx: FileContext, line: number, key: string, message: string): void {
  ctx.state.problems.push({ origin: { kind: 'file', file: ctx.name, line }, key, message });
}

/**
 * Reads one mapping against its spec. Returns the typed values that passed (by AppConfig property name);
 * problems are recorded in `ctx` and the offending keys left out, so one bad key does not hide the others.
 */
function walkSection(
  ctx: FileContext,
  node: unknown,
  spec: SectionSpec,
  keyPath: string,
  at: { line: number },
): Tree | undefined {
  if (!isMap(node)) {
    const shown = isSeq(node) ? 'a list' : describeValue(isNode(node) ? node.toJS(ctx.doc) : node);
    const what = keyPath === '' ? 'the file' : 'this key';
    fileProblem(
      ctx,
      lineOf(ctx, node, at.line),
      keyPath,
      `${what} must hold a mapping of keys (${Object.keys(spec.fields).join(', ')}), got ${shown}`,
    );
    return undefined;
  }
  const out: Tree = {};
  for (const pair of node.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const path = keyPath === '' ? key : `${keyPath}.${key}`;
    const line = lineOf(ctx, keyNode, at.line);
    const field = spec.fields[key];
    if (field === undefined) {
      fileProblem(ctx, line, path, unknownKeyMessage(key, spec, keyPath));
      continue;
    }
    ctx.state.origins.set(path, { kind: 'file', file: ctx.name, line });
    const prop = propOf(key, field);
    const valueNode = pair.value;
    const valueLine = lineOf(ctx, valueNode, line);
    if (field.kind === 'section') {
      const sub = walkSection(ctx, valueNode, field, path, { line });
      if (sub !== undefined) out[prop] = sub;
    } else if (field.kind === 'list') {
      if (!isSeq(valueNode)) {
        const shown = describeValue(isNode(valueNode) ? valueNode.toJS(ctx.doc) : valueNode);
        fileProblem(ctx, valueLine, path, `must be a list (items starting with "- "), got ${shown}`);
        continue;
      }
      const items: Tree[] = [];
      valueNode.items.forEach((itemNode, i) => {
        const itemPath = `${path}[${i}]`;
        const itemLine = lineOf(ctx, itemNode, valueLine);
        ctx.state.origins.set(itemPath, { kind: 'file', file: ctx.name, line: itemLine });
        const item = walkSection(ctx, itemNode, field.item, itemPath, { line: itemLine });
        if (item === undefined || !isMap(itemNode)) return;
        for (const [k, f] of Object.entries(field.item.fields)) {
          if (f.kind === 'leaf' && f.optional !== true && !itemNode.has(k)) {
            fileProblem(ctx, itemLine, itemPath, `missing required key "${k}" (${f.doc})`);
          }
        }
        items.push(item);
      });
      out[prop] = items;
    } else {
      const value: unknown = isNode(valueNode) ? valueNode.toJS(ctx.doc) : valueNode;
      const checked = field.check(value);
      if (checked.ok) out[prop] = checked.value;
      else fileProblem(ctx, valueLine, path, checked.message);
    }
  }
  return out;
}

function unknownKeyMessage(key: string, spec: SectionSpec, parentPath: string): string {
  const siblings = Object.keys(spec.fields);
  const near = closestMatch(key, siblings);
  if (near !== undefined) return `unknown key; did you mean "${near}"?`;
  // A valid key written at the wrong level, e.g. threshold_multiplier at the top instead of under detection.
  const elsewhere = schemaLeaves()
    .map((l) => l.keyPath)
    .find((p) => p.endsWith(`.${key}`) || p === key);
  if (elsewhere !== undefined) return `unknown key here; did you mean "${elsewhere}"? (move it there)`;
  const where = parentPath === '' ? 'at the top level' : `under ${parentPath}`;
  return `unknown key; valid keys ${where} are: ${siblings.join(', ')}`;
}

/** Merges a parsed section into the config: mappings merge key by key, lists and values replace. */
function mergeSection(target: Tree, source: Tree): void {
  for (const [k, v] of Object.entries(source)) {
    const existing = target[k];
    if (isPlainObject(v) && isPlainObject(existing)) mergeSection(existing, v);
    else target[k] = v;
  }
}

function isPlainObject(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ------------------------------------------------------------------------------------- env and flags

const NUMERIC_TYPES = new Set(['integer', 'number', 'seconds']);

function applyEnv(state: MergeState, env: Environment): void {
  for (const entry of LEAVES.values()) {
    const name = entry.spec.env;
    if (name === undefined) continue;
    const raw = env[name];
    // Empty means unset: compose files often pass `VAR=` for optional settings.
    if (raw === undefined || raw.trim() === '') continue;
    let value: unknown = raw.trim();
    if (NUMERIC_TYPES.has(entry.spec.type)) {
      const n = Number(value);
      if (Number.isFinite(n)) value = n;
    }
    applyValue(state, entry, value, { kind: 'env', name });
  }
}

function applyFlags(state: MergeState, flags: ConfigFlags): void {
  for (const [flag, { key, option }] of Object.entries(FLAG_KEYS) as [
    keyof ConfigFlags,
    { key: string; option: string },
  ][]) {
    const value = flags[flag];
    if (value === undefined) continue;
    const entry = LEAVES.get(key);
    if (entry !== undefined) applyValue(state, entry, value, { kind: 'flag', name: option });
  }
}

function applyValue(state: MergeState, entry: LeafEntry, value: unknown, origin: ConfigOrigin): void {
  const checked = entry.spec.check(value);
  if (!checked.ok) {
    state.problems.push({ origin, key: entry.keyPath, message: checked.message });
    return;
  }
  setPath(state.config, entry.propPath, checked.value);
  state.origins.set(entry.keyPath, origin);
}

// ------------------------------------------------------------------------------------ cross-key rules

function crossCheck(state: MergeState): void {
  const cfg = state.config as unknown as AppConfig;
  const problem = (key: string, message: string): void => {
    state.problems.push({ origin: state.origins.get(key) ?? { kind: 'default' }, key, message });
  };

  const names = new Map<string, number>();
  cfg.prometheus.queries.forEach((q, i) => {
    const key = `prometheus.queries[${i}].name`;
    // Schema checks already cover the file; this guards names that reach here any other way.
    if (!QUERY_NAME_PATTERN.test(q.name))
      problem(key, `must be a name of letters, digits and _, got ${describeValue(q.name)}`);
    const first = names.get(q.name);
    if (first !== undefined) {
      problem(
        key,
        `duplicate query name "${q.name}" (also used by prometheus.queries[${first}]); give each query a unique name`,
      );
    } else names.set(q.name, i);
  });
  if (cfg.source === 'prometheus' && cfg.prometheus.queries.length === 0) {
    const key = state.origins.has('prometheus.queries') ? 'prometheus.queries' : 'source';
    problem(key, 'source is "prometheus" but prometheus.queries is empty; add at least one query');
  }

  const p = cfg.prometheus;
  if (p.probeInitialMs > p.probeMaxMs) problem('prometheus.probe_max', 'must be >= prometheus.probe_initial');

  const sev = cfg.detection.severity;
  const order: [keyof typeof sev, keyof typeof sev][] = [
    ['low', 'medium'],
    ['medium', 'high'],
    ['high', 'critical'],
  ];
  for (const [lo, hi] of order) {
    if (sev[hi] < sev[lo]) {
      problem(`detection.severity.${hi}`, `must be >= detection.severity.${lo} (${sev[lo]}), got ${sev[hi]}`);
    }
  }
  const ep = cfg.detection.episode;
  if (ep.minPoints > ep.window) {
    problem(
      'detection.episode.min_points',
      `must be <= detection.episode.window (${ep.window}), got ${ep.minPoints}`,
    );
  }

  const ix = cfg.influxdb;
  if (ix.retryInitialMs > ix.retryMaxMs) problem('influxdb.retry_max', 'must be >= influxdb.retry_initial');
  if (ix.maxBufferPoints < ix.batchSize) {
    problem(
      'influxdb.max_buffer_points',
      `must be >= influxdb.batch_size (${ix.batchSize}), got ${ix.maxBufferPoints}`,
    );
  }
  const enabled = ix.url !== '';
  if (enabled && ix.token === '') {
    problem(
      'influxdb.url',
      'InfluxDB is enabled by this URL but no token is set; set INFLUXDB_TOKEN in the environment (or influxdb.token in the config file), or unset the URL to disable the sink',
    );
  }
  setPath(state.config, ['influxdb', 'enabled'], enabled);
}
