import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { UserError } from '../../../../src/domain/errors';
import {
  formatDatasetCsv,
  parseDatasetCsv,
  parseTimestamp,
  parseWindowsJson,
  readDatasetCsv,
  readWindowsFile,
} from '../../../../src/sources/csv';

const NAB = join(__dirname, '../../../../datasets/nab');

function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

describe('parseTimestamp', () => {
  it('treats numbers below 1e11 as epoch seconds and the rest as milliseconds', () => {
    expect(parseTimestamp('99999999999')).toBe(99_999_999_999_000);
    expect(parseTimestamp('100000000000')).toBe(100_000_000_000);
    expect(parseTimestamp('1700000000.25')).toBe(1_700_000_000_250);
  });

  it('range-checks the calendar instead of rolling over', () => {
    expect(parseTimestamp('2024-02-29 12:00:00')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseTimestamp('2023-02-29 12:00:00')).toBeUndefined();
    expect(parseTimestamp('2024-01-01 24:00:00')).toBeUndefined();
    expect(parseTimestamp('2024-01-01T10:00:00+25:00')).toBeUndefined();
    expect(parseTimestamp('01/02/2024')).toBeUndefined();
    expect(parseTimestamp('')).toBeUndefined();
  });

  it('reads two-digit years literally rather than as 19xx', () => {
    expect(parseTimestamp('0099-01-01T00:00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
  });
});

describe('parseWindowsJson', () => {
  const nabStyle = JSON.stringify({
    'realKnownCause/nyc_taxi.csv': [['2014-10-30 15:30:00.000000', '2014-11-03 22:30:00.000000']],
    'realTweets/Twitter_volume_FB.csv': [],
  });

  it('picks the key that is a suffix of the dataset path', () => {
    expect(parseWindowsJson(nabStyle, 'w.json', 'datasets/nab/realKnownCause/nyc_taxi.csv')).toEqual([
      [Date.UTC(2014, 9, 30, 15, 30), Date.UTC(2014, 10, 3, 22, 30)],
    ]);
    expect(parseWindowsJson(nabStyle, 'w.json', 'realTweets\\Twitter_volume_FB.csv')).toEqual([]);
  });

  it('accepts a bare file name that ends a key, a single-key file and a bare array', () => {
    expect(parseWindowsJson(nabStyle, 'w.json', 'nyc_taxi.csv')).toHaveLength(1);
    const single = JSON.stringify({ 'whatever.csv': [[0, 60]] });
    expect(parseWindowsJson(single, 'w.json', 'other.csv')).toEqual([[0, 60_000]]);
    expect(parseWindowsJson('[["2024-01-01T00:00:00Z", 1704070800]]', 'w.json', 'x.csv')).toEqual([
      [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 1)],
    ]);
  });

  it('reads {"windows": [...]} entries as in datasets/nab/labels.json', () => {
    const text = JSON.stringify({
      'a/x.csv': { windows: [[0, 1]], labels: [0] },
      'a/y.csv': { windows: [] },
    });
    expect(parseWindowsJson(text, 'labels.json', 'data/a/x.csv')).toEqual([[0, 1000]]);
  });

  it('lists a few keys when none matches', () => {
    const text = JSON.stringify(
      Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [`${k}.csv`, []])),
    );
    expect(userErrorOf(() => parseWindowsJson(text, 'w.json', 'data/zzz.csv'))).toBe(
      'w.json: no entry for dataset "data/zzz.csv"; keys look like: a.csv, b.csv, c.csv, d.csv, e.csv, ... (6 keys); name the dataset by a path ending in one of them',
    );
  });

  it('rejects bad JSON with its line, bad pairs, bad timestamps and reversed windows', () => {
    expect(userErrorOf(() => parseWindowsJson('{\n"a.csv": [\n[0, 01]]}', 'w.json', 'a.csv'))).toMatch(
      /^w\.json:3: not valid JSON \(Unexpected number.*\); fix the syntax$/,
    );
    // Without a position in V8's message there is no line to give, but the message stays on one line.
    expect(userErrorOf(() => parseWindowsJson('{\n"a.csv": [\n[0, 1],,\n]}', 'w.json', 'a.csv'))).toMatch(
      /^w\.json: not valid JSON \([^\n]+\); fix the syntax$/,
    );
    const two = (v: unknown): string => JSON.stringify({ 'a.csv': v, 'b.csv': [] });
    expect(userErrorOf(() => parseWindowsJson(two([[0]]), 'w.json', 'a.csv'))).toBe(
      'w.json: key "a.csv", window 1: expected a [start, end] pair, got [0]',
    );
    expect(userErrorOf(() => parseWindowsJson(two([[0, 'soon']]), 'w.json', 'a.csv'))).toMatch(
      /^w\.json: key "a\.csv", window 1: cannot parse timestamp "soon"; use ISO 8601/,
    );
    expect(userErrorOf(() => parseWindowsJson(two([[60, 0]]), 'w.json', 'a.csv'))).toBe(
      'w.json: key "a.csv", window 1: ends before it starts ([60,0]); swap start and end',
    );
    expect(userErrorOf(() => parseWindowsJson(two({ x: 1 }), 'w.json', 'a.csv'))).toBe(
      'w.json: key "a.csv" must hold an array of [start, end] pairs',
    );
  });
});

describe('readWindowsFile', () => {
  it('reads a file and reports a missing one by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anomalyd-win-'));
    try {
      const p = join(dir, 'w.json');
      writeFileSync(p, '[[0, 60]]');
      expect(readWindowsFile(p, 'x.csv')).toEqual([[0, 60_000]]);
      expect(userErrorOf(() => readWindowsFile(join(dir, 'none.json'), 'x.csv'))).toBe(
        `${join(dir, 'none.json')}: cannot read the file (ENOENT); check the --labels path`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the shipped NAB corpus', () => {
  function csvFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return name === 'scoreboard' ? [] : csvFiles(p);
      return name.endsWith('.csv') ? [p] : [];
    });
  }

  it('reads all 58 series and their windows, each window inside its series', () => {
    const files = csvFiles(NAB);
    expect(files).toHaveLength(58);
    let windowsSeen = 0;
    const needRepair: string[] = [];
    for (const file of files) {
      const d = readDatasetCsv(file, { repairTimestamps: true });
      const { outOfOrderRows, droppedDuplicates } = d.repairs;
      if (outOfOrderRows + droppedDuplicates > 0) needRepair.push(relative(NAB, file));
      const ts = d.series.timestampsMs;
      expect(d.series.stepMs).toBeGreaterThan(0);
      const windows = readWindowsFile(join(NAB, 'original_labels/combined_windows.json'), file);
      expect(readWindowsFile(join(NAB, 'labels.json'), relative(NAB, file))).toEqual(windows);
      for (const [start, end] of windows) {
        expect(start).toBeGreaterThanOrEqual(ts[0]);
        expect(end).toBeLessThanOrEqual(ts[ts.length - 1]);
      }
      windowsSeen += windows.length;
    }
    // NAB v1.1 has 116 labelled windows across the corpus.
    expect(windowsSeen).toBe(116);
    // Repeated timestamps (DST, logging glitches) and one rewound hour; every other file is strict-clean.
    expect(needRepair.sort()).toEqual([
      'realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv',
      'realAWSCloudwatch/ec2_network_in_5abac7.csv',
      'realAdExchange/exchange-2_cpc_results.csv',
      'realAdExchange/exchange-2_cpm_results.csv',
      'realKnownCause/ec2_request_latency_system_failure.csv',
      'realKnownCause/machine_temperature_system_failure.csv',
      'realTraffic/occupancy_t4013.csv',
      'realTraffic/speed_t4013.csv',
    ]);
  });
});

describe('formatDatasetCsv', () => {
  it('writes ISO UTC timestamps, labels and empty fields for NaN', () => {
    const t0 = Date.UTC(2024, 0, 1);
    const text = formatDatasetCsv(
      [t0, t0 + 300_000, t0 + 600_000],
      [1.5, NaN, -2],
      Uint8Array.from([0, 0, 1]),
    );
    expect(text).toBe(
      'timestamp,value,label\n2024-01-01T00:00:00.000Z,1.5,0\n2024-01-01T00:05:00.000Z,,0\n2024-01-01T00:10:00.000Z,-2,1\n',
    );
  });

  it('omits the label column without labels and rounds when asked', () => {
    expect(formatDatasetCsv([0, 1000], [1.23456, -0.00001], undefined, { decimals: 3 })).toBe(
      'timestamp,value\n1970-01-01T00:00:00.000Z,1.235\n1970-01-01T00:00:01.000Z,0\n',
    );
  });

  it('round-trips through the reader exactly', () => {
    const ts = [0, 1, 2, 3].map((i) => Date.UTC(2024, 5, 1) + i * 60_000);
    const values = [Math.PI, 1e-9, NaN, 123456.789];
    const labels = Uint8Array.from([0, 1, 1, 0]);
    const d = parseDatasetCsv(formatDatasetCsv(ts, values, labels), 'rt.csv');
    expect(Array.from(d.series.timestampsMs)).toEqual(ts);
    expect(Array.from(d.series.values)).toEqual(values);
    expect(Array.from(d.series.labels ?? [])).toEqual([0, 1, 1, 0]);
  });

  it('refuses arrays of different lengths', () => {
    expect(() => formatDatasetCsv([0, 1], [1])).toThrow(RangeError);
  });
});
