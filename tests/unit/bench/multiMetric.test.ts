import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  asdSegments,
  type Entity,
  metricSeries,
  parseMultiMetricCsv,
  readMultiMetricGz,
  runsOf,
  smdSegments,
} from '../../../bench/multiMetric';

const TRAIN = 't,m1,m2\n0,0.5,1\n1,0.25,\n2,0.75,0\n';
const TEST = 't,m1,m2,label\n3,0.5,1,0\n4,0.9,0,1\n5,0.5,1,1\n6,0.5,1,0\n';

describe('the SMD/ASD loader', () => {
  it('parses the t, metric and label columns, empty cells as NaN', () => {
    const train = parseMultiMetricCsv(TRAIN, 'train.csv');
    expect(train.metrics).toEqual(['m1', 'm2']);
    expect(Array.from(train.t)).toEqual([0, 1, 2]);
    expect(Array.from(train.columns[0])).toEqual([0.5, 0.25, 0.75]);
    expect(Number.isNaN(train.columns[1][1])).toBe(true);
    expect(train.label).toBeUndefined();
    expect(Array.from(parseMultiMetricCsv(TEST, 'test.csv').label ?? [])).toEqual([0, 1, 1, 0]);
  });

  it('reads a gzipped file written like the shipped datasets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mm-'));
    try {
      const file = path.join(dir, 'x_test.csv.gz');
      fs.writeFileSync(file, zlib.gzipSync(Buffer.from(TEST)));
      const table = readMultiMetricGz(file);
      expect(table.t.length).toBe(4);
      expect(table.columns[1][1]).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file and line of a malformed row', () => {
    expect(() => parseMultiMetricCsv('t,m1\n0,1\n1\n', 'bad.csv')).toThrow(
      'bad.csv:3: expected 2 cells, got 1',
    );
    expect(() => parseMultiMetricCsv('t,m1\n0,x\n', 'bad.csv')).toThrow(
      'bad.csv:2: column m1: not a number: "x"',
    );
    expect(() => parseMultiMetricCsv('time,m1\n', 'bad.csv')).toThrow(
      'bad.csv:1: expected the first column to be "t"',
    );
  });

  it('turns SMD end-exclusive interpretation labels into inclusive segments, ASD as given', () => {
    expect(smdSegments({ interpretation_label_raw: [{ start: 739, end: 742, metrics: [10, 11] }] })).toEqual([
      { start: 739, end: 741, metrics: [10, 11] },
    ]);
    expect(asdSegments({ segments: [{ test_start: 5, test_end: 9, metrics: [2] }] })).toEqual([
      { start: 5, end: 9, metrics: [2] },
    ]);
  });

  it('builds one metric as train + test on index x step, labelled only where a segment names it', () => {
    const entity: Entity = {
      dataset: 'asd',
      name: 'fixture',
      stepMs: 300_000,
      train: parseMultiMetricCsv(TRAIN, 'train.csv'),
      test: parseMultiMetricCsv(TEST, 'test.csv'),
      segments: [{ start: 1, end: 2, metrics: [1] }],
    };
    const m1 = metricSeries(entity, 0, 1_000_000);
    expect(m1.trainRows).toBe(3);
    expect(Array.from(m1.series.timestampsMs)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((t) => 1_000_000 + t * 300_000),
    );
    expect(Array.from(m1.series.values)).toEqual([0.5, 0.25, 0.75, 0.5, 0.9, 0.5, 0.5]);
    expect(Array.from(m1.series.labels ?? [])).toEqual([0, 0, 0, 0, 1, 1, 0]);
    // m2 is not named by the segment: no labels although the entity is anomalous there.
    expect(Array.from(metricSeries(entity, 1, 0).series.labels ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('finds runs of ones', () => {
    expect(runsOf([0, 1, 1, 0, 1])).toEqual([
      [1, 2],
      [4, 4],
    ]);
    expect(runsOf([])).toEqual([]);
  });
});
