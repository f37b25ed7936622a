import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { LabelledSeries } from '../src/domain/timeSeries';

/** A multi-metric table as stored in datasets/smd and datasets/asd (`t,m1..mK[,label]`). */
export interface MultiMetricTable {
  /** The `t` column: sample index (no wall-clock time in these datasets). */
  readonly t: Float64Array;
  /** Metric column names in file order, e.g. ['m1', 'm2']. */
  readonly metrics: readonly string[];
  /** One column per metric; an empty cell is NaN. */
  readonly columns: readonly Float64Array[];
  /** The `label` column (test files only). */
  readonly label?: Uint8Array;
}

/**
 * Parses the CSV text of one SMD/ASD file. Pure; `file` names the file in messages.
 * @throws Error naming FILE:LINE for a malformed header, a short row or a non-numeric cell.
 */
export function parseMultiMetricCsv(text: string, file: string): MultiMetricTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new Error(`${file}:1: empty file`);
  const header = lines[0].split(',').map((h) => h.trim());
  if (header[0] !== 't')
    throw new Error(`${file}:1: expected the first column to be "t", got "${header[0]}"`);
  const labelAt = header.indexOf('label');
  const metricAt: number[] = [];
  header.forEach((h, i) => {
    if (/^m\d+$/.test(h)) metricAt.push(i);
    else if (i !== 0 && i !== labelAt) throw new Error(`${file}:1: unexpected column "${h}"`);
  });
  if (metricAt.length === 0) throw new Error(`${file}:1: no metric columns (m1, m2, ...)`);
  const n = lines.length - 1;
  const t = new Float64Array(n);
  const columns = metricAt.map(() => new Float64Array(n));
  const label = labelAt >= 0 ? new Uint8Array(n) : undefined;
  for (let r = 0; r < n; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) {
      throw new Error(`${file}:${r + 2}: expected ${header.length} cells, got ${cells.length}`);
    }
    const num = (i: number): number => {
      const c = cells[i].trim();
      if (c === '') return Number.NaN;
      const v = Number(c);
      if (!Number.isFinite(v)) throw new Error(`${file}:${r + 2}: column ${header[i]}: not a number: "${c}"`);
      return v;
    };
    t[r] = num(0);
    for (let k = 0; k < metricAt.length; k++) columns[k][r] = num(metricAt[k]);
    if (label !== undefined) label[r] = num(labelAt) === 1 ? 1 : 0;
  }
  return { t, metrics: metricAt.map((i) => header[i]), columns, ...(label ? { label } : {}) };
}

/** Reads a gzipped SMD/ASD CSV. */
export function readMultiMetricGz(file: string): MultiMetricTable {
  return parseMultiMetricCsv(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'), file);
}

/** One labelled anomaly segment in test-relative rows (both ends inclusive) with the metrics it involves. */
export interface MetricSegment {
  readonly start: number;
  readonly end: number;
  /** 1-based metric numbers (m1 = 1). */
  readonly metrics: readonly number[];
}

interface SmdLabels {
  readonly interpretation_label_raw: ReadonlyArray<{ start: number; end: number; metrics: number[] }>;
}
interface AsdLabels {
  readonly segments: ReadonlyArray<{ test_start: number; test_end: number; metrics: number[] }>;
}

/** SMD interpretation labels: `end` is exclusive in the source (see datasets/smd/README.md), made inclusive here. */
export function smdSegments(labels: SmdLabels): MetricSegment[] {
  return labels.interpretation_label_raw.map((s) => ({ start: s.start, end: s.end - 1, metrics: s.metrics }));
}

/** ASD segments: already 0-based inclusive, test-relative. */
export function asdSegments(labels: AsdLabels): MetricSegment[] {
  return labels.segments.map((s) => ({ start: s.test_start, end: s.test_end, metrics: s.metrics }));
}

/** One entity (machine/server) of SMD or ASD, train and test. */
export interface Entity {
  readonly dataset: 'smd' | 'asd';
  readonly name: string;
  readonly stepMs: number;
  readonly train: MultiMetricTable;
  readonly test: MultiMetricTable;
  readonly segments: readonly MetricSegment[];
}

/** Loads the entities of a dataset (`names` limits which), per its README. */
export function loadEntities(root: string, dataset: 'smd' | 'asd', names?: readonly string[]): Entity[] {
  const dir = path.join(root, 'datasets', dataset);
  const labels = JSON.parse(fs.readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const stepMs = dataset === 'smd' ? 60_000 : 300_000;
  return Object.keys(labels)
    .filter((name) => names === undefined || names.includes(name))
    .map((name) => ({
      dataset,
      name,
      stepMs,
      train: readMultiMetricGz(path.join(dir, `${name}_train.csv.gz`)),
      test: readMultiMetricGz(path.join(dir, `${name}_test.csv.gz`)),
      segments:
        dataset === 'smd' ? smdSegments(labels[name] as SmdLabels) : asdSegments(labels[name] as AsdLabels),
    }));
}

/**
 * One metric of an entity as a univariate series: train then test, time = startMs + t x step (the datasets
 * carry no wall-clock time), labels = test rows of segments that involve this metric (the training part
 * is unlabelled, so 0).
 *
 * @param metric 0-based column index (column m<metric+1>)
 */
export function metricSeries(
  entity: Entity,
  metric: number,
  startMs: number,
): { series: LabelledSeries; trainRows: number } {
  const { train, test, stepMs } = entity;
  const n = train.t.length + test.t.length;
  const timestampsMs = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < train.t.length; i++) {
    timestampsMs[i] = startMs + train.t[i] * stepMs;
    values[i] = train.columns[metric][i];
  }
  const off = train.t.length;
  for (let i = 0; i < test.t.length; i++) {
    timestampsMs[off + i] = startMs + test.t[i] * stepMs;
    values[off + i] = test.columns[metric][i];
  }
  const labels = new Uint8Array(n);
  for (const s of entity.segments) {
    if (!s.metrics.includes(metric + 1)) continue;
    for (let r = Math.max(0, s.start); r <= Math.min(test.t.length - 1, s.end); r++) labels[off + r] = 1;
  }
  return { series: { timestampsMs, values, stepMs, labels }, trainRows: off };
}

/** Maximal runs of 1 in a 0/1 array, as inclusive [start, end] index pairs. */
export function runsOf(label: ArrayLike<number>): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= label.length; i++) {
    const on = i < label.length && label[i] === 1;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      runs.push([start, i - 1]);
      start = -1;
    }
  }
  return runs;
}
