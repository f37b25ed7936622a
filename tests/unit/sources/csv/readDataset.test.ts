import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { UserError } from '../../../../src/domain/errors';
import { inferStepMs, parseDatasetCsv, readDatasetCsv } from '../../../../src/sources/csv';

const F = 'data/x.csv';
const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Runs `fn`, expecting a UserError; returns its message and checks the exit code. */
function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    return (err as UserError).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

describe('parseDatasetCsv', () => {
  it('reads timestamp,value,label rows into a labelled series with the inferred step', () => {
    const text =
      'timestamp,value,label\n2024-01-01T00:00:00Z,1.5,0\n2024-01-01T00:05:00Z,2,1\n2024-01-01T00:10:00Z,-3e2,0\n';
    const d = parseDatasetCsv(text, F);
    expect(Array.from(d.series.timestampsMs)).toEqual([T0, T0 + 5 * MIN, T0 + 10 * MIN]);
    expect(Array.from(d.series.values)).toEqual([1.5, 2, -300]);
    expect(Array.from(d.series.labels ?? [])).toEqual([0, 1, 0]);
    expect(d.series.stepMs).toBe(5 * MIN);
    expect(d.rawTimestamps).toEqual(['2024-01-01T00:00:00Z', '2024-01-01T00:05:00Z', '2024-01-01T00:10:00Z']);
    expect(d).toMatchObject({ timestampColumn: 'timestamp', valueColumn: 'value', labelColumn: 'label' });
  });

  it('has no labels and no label column when the file has none', () => {
    const d = parseDatasetCsv('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:40:00,2\n', F);
    expect(d.series.labels).toBeUndefined();
    expect(d.labelColumn).toBeUndefined();
    expect(d.series.stepMs).toBe(40 * MIN);
  });

  it('recognises ds/y, time/cpu_usage and is_anomaly with true/false, case-insensitively', () => {
    const a = parseDatasetCsv('DS,Y\n2024-01-01,1\n2024-01-02,2\n', F);
    expect([a.timestampColumn, a.valueColumn]).toEqual(['DS', 'Y']);
    expect(a.series.stepMs).toBe(24 * 60 * MIN);
    const b = parseDatasetCsv('time,cpu_usage,is_anomaly\n0,0.5,true\n60,0.6,FALSE\n', F);
    expect([b.timestampColumn, b.valueColumn, b.labelColumn]).toEqual(['time', 'cpu_usage', 'is_anomaly']);
    expect(Array.from(b.series.labels ?? [])).toEqual([1, 0]);
  });

  it('uses the value column it is told to, ignoring the default names', () => {
    const d = parseDatasetCsv('timestamp,value,mem\n0,1,10\n60,2,20\n', F, { valueColumn: 'mem' });
    expect(d.valueColumn).toBe('mem');
    expect(Array.from(d.series.values)).toEqual([10, 20]);
  });

  it('reads ISO offsets, space-separated UTC, fractional seconds and epoch seconds or milliseconds', () => {
    const d = parseDatasetCsv(
      [
        'timestamp,value',
        '2024-01-01T01:00:00+01:00,1', // = 00:00Z
        '2024-01-01 00:01:00,2',
        '2024-01-01 00:02:00.000000,3',
        '1704067380,4', // 00:03Z in seconds
        '1704067440000,5', // 00:04Z in milliseconds
        '2024-01-01T00:05:00.5-0000,6',
      ].join('\n'),
      F,
    );
    expect(Array.from(d.series.timestampsMs)).toEqual([
      T0,
      T0 + MIN,
      T0 + 2 * MIN,
      T0 + 3 * MIN,
      T0 + 4 * MIN,
      T0 + 5 * MIN + 500,
    ]);
  });

  it('handles quoted fields, CRLF, a BOM, blank trailing lines and surrounding spaces', () => {
    const text =
      '\uFEFF"timestamp", "value" ,label\r\n"2024-01-01 00:00:00"," 1.25",0\r\n2024-01-01 00:05:00,"2",1\r\n\r\n\r\n';
    const d = parseDatasetCsv(text, F);
    expect(d.timestampColumn).toBe('timestamp');
    expect(Array.from(d.series.values)).toEqual([1.25, 2]);
    expect(Array.from(d.series.labels ?? [])).toEqual([0, 1]);
  });

  it('keeps an extra column with a quoted comma and a quoted line break in one field', () => {
    const text = 'timestamp,value,note\n0,1,"a, b"\n60,2,"line1\nline2"\n120,3,"say ""hi"""\n';
    const d = parseDatasetCsv(text, F);
    expect(Array.from(d.series.values)).toEqual([1, 2, 3]);
  });

  it('reports line numbers after a multi-line quoted field correctly', () => {
    const text = 'timestamp,value,note\n0,1,"two\nlines"\n60,abc,x\n';
    expect(userErrorOf(() => parseDatasetCsv(text, F))).toMatch(/^data\/x\.csv:4: /);
  });

  it('keeps gaps as they are and infers the most common step', () => {
    const d = parseDatasetCsv('timestamp,value\n0,1\n300,2\n600,3\n1800,4\n2100,5\n', F);
    expect(d.series.timestampsMs.length).toBe(5);
    expect(d.series.stepMs).toBe(300_000);
  });

  it('turns empty and NaN values into NaN (missing) and counts them', () => {
    const d = parseDatasetCsv('timestamp,value\n0,1\n60,\n120,NaN\n180,4\n', F);
    expect(Array.from(d.series.values).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([
      1,
      'NaN',
      'NaN',
      4,
    ]);
    expect(d.missingValues).toBe(2);
  });

  it('with repairTimestamps, sorts rows and keeps the first of each repeated timestamp', () => {
    const text = 'timestamp,value,label\n0,1,0\n120,3,0\n60,2,1\n120,9,1\n180,,0\n';
    const d = parseDatasetCsv(text, F, { repairTimestamps: true });
    expect(Array.from(d.series.timestampsMs)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(Array.from(d.series.values).slice(0, 3)).toEqual([1, 2, 3]);
    expect(Array.from(d.series.labels ?? [])).toEqual([0, 1, 0, 0]);
    expect(d.rawTimestamps).toEqual(['0', '60', '120', '180']);
    expect(d.repairs).toEqual({ outOfOrderRows: 1, droppedDuplicates: 1 });
    expect(d.missingValues).toBe(1);
    expect(d.series.stepMs).toBe(60_000);
  });

  it('reports no repairs for a clean file', () => {
    expect(parseDatasetCsv('timestamp,value\n0,1\n60,2\n', F, { repairTimestamps: true }).repairs).toEqual({
      outOfOrderRows: 0,
      droppedDuplicates: 0,
    });
  });

  describe('rejects with one FILE:LINE message', () => {
    it.each([
      [
        'an empty file',
        '',
        'data/x.csv:1: the file is empty; expected a header (e.g. timestamp,value,label) followed by data rows',
      ],
      [
        'a file of blank lines',
        '\n\r\n\n',
        'data/x.csv:1: the file is empty; expected a header (e.g. timestamp,value,label) followed by data rows',
      ],
      [
        'a header without rows',
        'timestamp,value\n',
        'data/x.csv:1: the header has no data rows after it; add at least two rows',
      ],
      [
        'a single row',
        'timestamp,value\n0,1\n',
        'data/x.csv:2: only one data row; at least two are needed to infer the sampling step',
      ],
      [
        'a missing timestamp column',
        'date,value\n0,1\n',
        'data/x.csv:1: no timestamp column (expected one of timestamp, ds, time); columns found: date, value',
      ],
      [
        'a missing value column',
        'timestamp,load,label\n0,1,0\n',
        'data/x.csv:1: no value column (expected one of value, cpu_usage, y); columns found: timestamp, load, label; name it with --value-column',
      ],
      [
        'an unparseable timestamp',
        'timestamp,value\n0,1\n2024-13-01 00:00:00,2\n',
        'data/x.csv:3: cannot parse timestamp "2024-13-01 00:00:00"; use ISO 8601 (2024-01-31T12:00:00Z), "YYYY-MM-DD HH:MM:SS" (UTC) or epoch seconds/milliseconds',
      ],
      [
        'unsorted timestamps',
        'timestamp,value\n2024-01-01 00:10:00,1\n2024-01-01 00:05:00,2\n',
        'data/x.csv:3: timestamp "2024-01-01 00:05:00" is earlier than "2024-01-01 00:10:00" on line 2; sort the rows by time (or pass --repair-timestamps)',
      ],
      [
        'duplicate timestamps, also in different notations',
        'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01T01:00:00+01:00,2\n',
        'data/x.csv:3: duplicate timestamp "2024-01-01T01:00:00+01:00" (same instant as line 2); remove or merge the duplicate rows (or pass --repair-timestamps to keep the first)',
      ],
      [
        'a non-numeric value',
        'timestamp,value\n0,1\n60,abc\n',
        'data/x.csv:3: value "abc" in column "value" is not a number; write a plain number (leave it empty for a missing value)',
      ],
      [
        'an infinite value',
        'timestamp,value\n0,1\n60,Infinity\n',
        'data/x.csv:3: value "Infinity" in column "value" is not a number; write a plain number (leave it empty for a missing value)',
      ],
      [
        'a bad label',
        'timestamp,value,label\n0,1,0\n60,2,2\n',
        'data/x.csv:3: label "2" in column "label" is not 0, 1, true or false; fix the label',
      ],
      [
        'an empty label',
        'timestamp,value,is_anomaly\n0,1,\n60,2,0\n',
        'data/x.csv:2: label "" in column "is_anomaly" is not 0, 1, true or false; fix the label',
      ],
      [
        'a row with too few fields',
        'timestamp,value,label\n0,1,0\n60,2\n',
        'data/x.csv:3: expected 3 fields (timestamp,value,label) but found 2; quote fields that contain commas',
      ],
      [
        'a row with too many fields',
        'timestamp,value\n0,1\n60,2,5\n',
        'data/x.csv:3: expected 2 fields (timestamp,value) but found 3; quote fields that contain commas',
      ],
      [
        'an unterminated quote',
        'timestamp,value\n0,1\n60,"2\n',
        `data/x.csv:3: a quoted field is never closed; add the missing '"' (write "" for a quote inside a field)`,
      ],
    ])('%s', (_name, text, message) => {
      expect(userErrorOf(() => parseDatasetCsv(text, F))).toBe(message);
    });

    it('a --value-column that is not in the header', () => {
      expect(userErrorOf(() => parseDatasetCsv('timestamp,value\n0,1\n', F, { valueColumn: 'cpu' }))).toBe(
        'data/x.csv:1: value column "cpu" not found; columns found: timestamp, value; fix --value-column',
      );
    });

    it('counts the header line after leading blank lines', () => {
      expect(userErrorOf(() => parseDatasetCsv('\n\ntimestamp,value\n0,x\n60,1\n', F))).toMatch(
        /^data\/x\.csv:4: /,
      );
    });
  });
});

describe('readDatasetCsv', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'anomalyd-csv-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a file from disk and names it in errors', () => {
    const ok = join(dir, 'ok.csv');
    writeFileSync(ok, '\uFEFFtimestamp,value\r\n0,1\r\n60,2\r\n');
    expect(Array.from(readDatasetCsv(ok).series.values)).toEqual([1, 2]);

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,value\n0,1\n60,oops\n');
    expect(userErrorOf(() => readDatasetCsv(bad))).toBe(
      `${bad}:3: value "oops" in column "value" is not a number; write a plain number (leave it empty for a missing value)`,
    );
  });

  it('says which path it could not read', () => {
    const missing = join(dir, 'nope.csv');
    expect(userErrorOf(() => readDatasetCsv(missing))).toBe(
      `${missing}: cannot read the file (ENOENT); check the path and its permissions`,
    );
  });

  it('reads the shipped original dataset: 2,108 rows at a 40-minute step', () => {
    const d = readDatasetCsv(join(__dirname, '../../../../datasets/original/cpu_usage.csv'));
    expect(d.series.values.length).toBe(2108);
    expect(d.series.stepMs).toBe(40 * MIN);
    expect(d.valueColumn).toBe('cpu_usage');
    expect(d.series.timestampsMs[0]).toBe(Date.UTC(2025, 5, 1));
  });
});

describe('inferStepMs', () => {
  it('prefers the most common difference and the smaller one on a tie', () => {
    expect(inferStepMs([0, 10, 20, 30, 50, 70])).toBe(10);
    expect(inferStepMs([0, 10, 30])).toBe(10);
    expect(inferStepMs([5])).toBe(0);
  });
});
