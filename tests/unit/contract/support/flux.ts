/**
 * The Flux parser of @influxdata/flux (Rust compiled to WASM) loaded in Node, and a checker that walks
 * a parsed query for the measurements, fields, tags and columns it names.
 *
 * The package is built with wasm-bindgen's "bundler" target: flux.js is an ES module that does
 * `import * as wasm from './flux_bg.wasm'` and exports the three `__wbindgen_*` functions the WASM module
 * imports from './flux.js'. Neither Node's require nor jest can load that, so the shim below turns the
 * glue into a function (imports and exports rewritten), compiles the .wasm from its bytes, instantiates
 * it with the glue's exports as its imports, and hands the instance back to the glue.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';

import { FIELD, MEASUREMENT, TAG } from '../../../../src/sinks/schema';

/** A node of the Flux AST as the parser returns it (JSON): a `type` and type-specific keys. */
export interface FluxNode {
  readonly type?: string;
  readonly [key: string]: unknown;
}

export interface FluxParser {
  parse(source: string): FluxNode;
}

interface Glue {
  bind(instanceExports: object): void;
  exports: Record<string, unknown>;
}

/** The slice of the WebAssembly JS API the shim uses (the project's `lib` has no DOM/WebAssembly types). */
interface WasmApi {
  readonly Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): { module: string; name: string; kind: string }[];
  };
  readonly Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => {
    readonly exports: object;
  };
}

const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let parser: FluxParser | undefined;

/** Loads the WASM parser once per test file. */
export function loadFluxParser(): FluxParser {
  if (parser !== undefined) return parser;
  const dir = dirname(require.resolve('@influxdata/flux/package.json'));
  const importLine = "import * as wasm from './flux_bg.wasm';";
  const source = readFileSync(join(dir, 'flux.js'), 'utf8');
  if (!source.includes(importLine)) {
    throw new Error(`@influxdata/flux/flux.js no longer starts with "${importLine}": update the shim`);
  }
  const exported: string[] = [];
  const body = source
    .replace(importLine, 'let wasm;')
    .replace(/export (function|const) (\w+)/g, (_m, kind: string, name: string) => {
      exported.push(name);
      return `${kind} ${name}`;
    });
  const factory: unknown = runInThisContext(
    `(function () {\n${body}\nreturn { bind: (w) => { wasm = w; }, exports: { ${exported.join(', ')} } };\n})`,
    { filename: join(dir, 'flux.js') },
  );
  if (typeof factory !== 'function') throw new Error('flux.js shim did not evaluate to a function');
  const glue = (factory as () => Glue)();
  const module = new wasmApi.Module(readFileSync(join(dir, 'flux_bg.wasm')));
  const imports: Record<string, Record<string, unknown>> = {};
  for (const imp of wasmApi.Module.imports(module)) {
    const value = glue.exports[imp.name];
    if (typeof value !== 'function')
      throw new Error(`flux_bg.wasm imports ${imp.module}.${imp.name}: not in flux.js`);
    imports[imp.module] = { ...imports[imp.module], [imp.name]: value };
  }
  const instance = new wasmApi.Instance(module, imports);
  glue.bind(instance.exports);
  const parse = glue.exports.parse;
  if (typeof parse !== 'function') throw new Error('flux.js exports no parse()');
  parser = {
    // The glue builds objects in Node's own realm; a JSON round trip makes them plain objects of this one.
    parse: (s) => JSON.parse(JSON.stringify((parse as (s: string) => unknown)(s))) as FluxNode,
  };
  return parser;
}

// ---------------------------------------------------------------------------------------- traversal

function isNode(v: unknown): v is FluxNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every AST node below `root` (itself included), depth first; `location` blocks are skipped. */
export function allNodes(root: FluxNode): FluxNode[] {
  const out: FluxNode[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item);
    } else if (isNode(v)) {
      out.push(v);
      for (const [k, child] of Object.entries(v)) if (k !== 'location') visit(child);
    }
  };
  visit(root);
  return out;
}

/** Syntax errors: Bad* nodes (the parser recovers and records them) and `errors` lists. */
export function syntaxErrors(ast: FluxNode): string[] {
  const errors: string[] = [];
  for (const n of allNodes(ast)) {
    if (typeof n.type === 'string' && n.type.startsWith('Bad')) {
      errors.push(`${n.type}: ${String(n.text)} at ${locationOf(n)}`);
    }
    if (Array.isArray(n.errors)) {
      for (const e of n.errors as unknown[])
        errors.push(isNode(e) && typeof e.msg === 'string' ? e.msg : JSON.stringify(e));
    }
  }
  return errors;
}

function locationOf(n: FluxNode): string {
  const loc = n.location;
  if (!isNode(loc) || !isNode(loc.start)) return '?';
  return `${String(loc.start.line)}:${String(loc.start.column)}`;
}

/** The name of an Identifier, or the value of a StringLiteral. */
function nameOf(n: unknown): string | undefined {
  if (!isNode(n)) return undefined;
  if (n.type === 'Identifier' && typeof n.name === 'string') return n.name;
  if (n.type === 'StringLiteral' && typeof n.value === 'string') return n.value;
  return undefined;
}

function stringValue(n: unknown): string | undefined {
  return isNode(n) && n.type === 'StringLiteral' && typeof n.value === 'string' ? n.value : undefined;
}

/** `callee` of a call as text: `filter`, `schema.tagValues`. */
function calleeName(call: FluxNode): string | undefined {
  const c = call.callee;
  if (!isNode(c)) return undefined;
  if (c.type === 'Identifier') return nameOf(c);
  if (c.type === 'MemberExpression') return `${nameOf(c.object) ?? '?'}.${nameOf(c.property) ?? '?'}`;
  return undefined;
}

/** Named arguments of a call: Flux calls take one object expression. */
function callArgs(call: FluxNode): Map<string, FluxNode> {
  const args = new Map<string, FluxNode>();
  const list = Array.isArray(call.arguments) ? (call.arguments as unknown[]) : [];
  for (const obj of list) {
    if (!isNode(obj) || !Array.isArray(obj.properties)) continue;
    for (const p of obj.properties as unknown[]) {
      if (!isNode(p)) continue;
      const key = nameOf(p.key);
      if (key !== undefined && isNode(p.value)) args.set(key, p.value);
    }
  }
  return args;
}

function objectKeys(obj: FluxNode): string[] {
  if (obj.type !== 'ObjectExpression' || !Array.isArray(obj.properties)) return [];
  return (obj.properties as unknown[]).flatMap((p) => (isNode(p) ? [nameOf(p.key)] : [])).filter(isString);
}

function isString(s: string | undefined): s is string {
  return s !== undefined;
}

// --------------------------------------------------------------------------------------- the checker

/** Columns every Flux table from InfluxDB has. */
const FLUX_COLUMNS = ['_time', '_value', '_field', '_measurement', '_start', '_stop'];

/** Arguments whose string values (or lists of them) name columns. */
const COLUMN_ARGS = ['columns', 'rowKey', 'columnKey', 'valueColumn', 'on', 'column', 'timeColumn', 'key'];

const FIELDS_BY_MEASUREMENT: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  [MEASUREMENT.actual, Object.values(FIELD.actual)],
  [MEASUREMENT.forecast, Object.values(FIELD.forecast)],
  [MEASUREMENT.anomaly, Object.values(FIELD.anomaly)],
]);

export interface SchemaReport {
  readonly measurements: string[];
  readonly fields: string[];
  readonly columns: string[];
  readonly problems: string[];
}

/**
 * Checks the names a query uses against what the writer emits (src/sinks/schema.ts):
 * - `r._measurement == "…"` names a MEASUREMENT, and the query names at least one;
 * - `r._field == "…"` names a FIELD of one of the measurements the query reads;
 * - every column read as `r.x` / `r["x"]` or named in `columns`, `rowKey`, `columnKey`, `on`… is a Flux
 *   column, a TAG, a FIELD (pivoted into a column), or a column the query itself creates (rename, map,
 *   set, join suffixes);
 * - `schema.tagValues(tag: "…")` names a TAG.
 */
export function checkAgainstSchema(ast: FluxNode): SchemaReport {
  const nodes = allNodes(ast);
  const problems: string[] = [];
  const measurements: string[] = [];
  const fields: string[] = [];
  const columns: string[] = [];

  const params = new Set<string>();
  for (const n of nodes) {
    if (n.type !== 'FunctionExpression' || !Array.isArray(n.params)) continue;
    for (const p of n.params as unknown[]) if (isNode(p)) params.add(nameOf(p.key) ?? '');
  }

  const created = new Set<string>();
  const joinKeys: string[] = [];
  // A call in a pipe (`x |> f()`) is a node with a callee but, in this parser's JSON, no `type`.
  const calls = nodes.filter((n) => isNode(n.callee));
  for (const call of calls) {
    const name = calleeName(call);
    const args = callArgs(call);
    if (name === 'rename') {
      const cols = args.get('columns');
      if (cols !== undefined && Array.isArray(cols.properties)) {
        for (const p of cols.properties as unknown[]) {
          const v = isNode(p) ? stringValue(p.value) : undefined;
          if (v !== undefined) created.add(v);
        }
      }
    }
    if (name === 'set' || name === 'duplicate') {
      const as = stringValue(args.get(name === 'set' ? 'key' : 'as'));
      if (as !== undefined) created.add(as);
    }
    if (name === 'map' || name === 'reduce') {
      for (const n of allNodes(args.get('fn') ?? {})) for (const k of objectKeys(n)) created.add(k);
      for (const k of objectKeys(args.get('identity') ?? {})) created.add(k);
    }
    if (name === 'join') joinKeys.push(...objectKeys(args.get('tables') ?? {}));
  }

  const known = new Set<string>([
    ...FLUX_COLUMNS,
    ...Object.values(TAG),
    ...[...FIELDS_BY_MEASUREMENT.values()].flat(),
  ]);
  const isKnownColumn = (c: string): boolean => {
    if (known.has(c) || created.has(c)) return true;
    // join() suffixes a column both tables have with `_<table key>`.
    return joinKeys.some((k) => c.endsWith(`_${k}`) && isKnownColumn(c.slice(0, -k.length - 1)));
  };

  const memberColumn = (n: unknown): string | undefined => {
    if (!isNode(n) || n.type !== 'MemberExpression') return undefined;
    const obj = nameOf(n.object);
    return obj !== undefined && params.has(obj) ? nameOf(n.property) : undefined;
  };

  for (const n of nodes) {
    const col = memberColumn(n);
    if (col !== undefined) {
      columns.push(col);
      if (!isKnownColumn(col)) problems.push(`reads column "${col}", which anomalyd does not write`);
    }
    if (n.type === 'BinaryExpression' || n.type === 'LogicalExpression') {
      const left = memberColumn(n.left);
      const right = memberColumn(n.right);
      const [column, literal] =
        left !== undefined ? [left, stringValue(n.right)] : [right, stringValue(n.left)];
      if (column === '_measurement' && literal !== undefined) measurements.push(literal);
      if (column === '_field' && literal !== undefined) fields.push(literal);
    }
  }

  for (const call of calls) {
    const args = callArgs(call);
    for (const arg of COLUMN_ARGS) {
      const v = args.get(arg);
      if (v === undefined) continue;
      const names =
        v.type === 'ArrayExpression' && Array.isArray(v.elements)
          ? (v.elements as unknown[]).map(stringValue).filter(isString)
          : [stringValue(v)].filter(isString);
      if (arg === 'key' && calleeName(call) === 'set') continue;
      for (const c of names) {
        columns.push(c);
        if (!isKnownColumn(c))
          problems.push(`${calleeName(call) ?? '?'}(${arg}: "${c}") names a column anomalyd does not write`);
      }
    }
    if (calleeName(call) === 'schema.tagValues') {
      const tag = stringValue(callArgs(call).get('tag'));
      const tags: readonly string[] = Object.values(TAG);
      if (tag === undefined || !tags.includes(tag))
        problems.push(`schema.tagValues(tag: "${String(tag)}") is not a tag anomalyd writes`);
    }
  }

  for (const m of measurements) {
    if (!FIELDS_BY_MEASUREMENT.has(m)) problems.push(`measurement "${m}" is not one anomalyd writes`);
  }
  if (measurements.length === 0) problems.push('the query never filters on r._measurement');
  const allowedFields = new Set(measurements.flatMap((m) => FIELDS_BY_MEASUREMENT.get(m) ?? []));
  for (const f of fields) {
    if (!allowedFields.has(f)) {
      problems.push(
        `field "${f}" is not written to measurement ${measurements.map((m) => `"${m}"`).join(' or ')}`,
      );
    }
  }
  return { measurements, fields, columns, problems };
}

// ---------------------------------------------------------------------------- Grafana interpolation

/** Values the contract tests give Grafana's variables: a series id has quotes, as real ones do. */
export const SAMPLE_VARIABLES: Readonly<Record<string, string>> = {
  query: 'cpu_busy_percent',
  series: 'cpu_busy_percent{instance="node-exporter:9100"}',
};

/**
 * Does what Grafana does to a Flux query before running it: dashboard variables (`$name`, `${name}`,
 * `${name:json}`, `${name:raw}`) are replaced in the text, and the Flux macros `v.timeRangeStart`,
 * `v.timeRangeStop`, `v.windowPeriod`, `v.defaultBucket`, `v.organization` plus `$__interval` are
 * replaced with literals. Throws on a variable it does not know, so a typo in a variable name fails.
 */
export function interpolateFlux(query: string, variables: Readonly<Record<string, string>>): string {
  const withVars = query.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (match, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      if (name === '__interval') return '30s';
      if (name === '__interval_ms') return '30000';
      const value = variables[name];
      if (value === undefined) throw new Error(`unknown Grafana variable ${match} in:\n${query}`);
      if (format === 'json') return JSON.stringify(value);
      if (format === undefined || format === 'raw') return value;
      throw new Error(`unsupported variable format ${match}`);
    },
  );
  return withVars
    .replace(/\bv\.timeRangeStart\b/g, '2026-01-01T00:00:00Z')
    .replace(/\bv\.timeRangeStop\b/g, '2026-01-02T00:00:00Z')
    .replace(/\bv\.windowPeriod\b/g, '30000ms')
    .replace(/\bv\.defaultBucket\b/g, '"anomalyd"')
    .replace(/\bv\.organization\b/g, '"anomalyd"');
}
