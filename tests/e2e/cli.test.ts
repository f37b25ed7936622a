/**
 * The built CLI as a black box: spawn `node dist/src/cli/main.js …`, check the exit code, stdout, stderr and
 * the files it writes. Needs `npm run build` first (npm test builds before running jest).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, parseLine, readLines, REPO_ROOT } from '../integration/daemon/daemonProcess';

jest.setTimeout(60_000);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion (no shell), with the daemon's env variables removed. */
function cli(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(PROMETHEUS_|INFLUXDB_|ANOMALYD_|MONITORING_|LOG_LEVEL|METRICS_PORT)/.test(k))
      base[k] = v;
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 50_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const NAB_FILE = path.join(REPO_ROOT, 'datasets/nab/artificialWithAnomaly/art_daily_jumpsup.csv');
const NAB_LABELS = path.join(REPO_ROOT, 'datasets/nab/labels.json');

/** A stack trace frame, e.g. `    at Object.<anonymous> (/x.js:1:2)`. */
const STACK_FRAME = /^\s+at .+[(:]/m;

function csvRows(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
}

describe('anomalyd CLI (built, black box)', () => {
  let dir: string;
  /** A 7-day labelled series from `simulate --seed 3`, shared by several tests. */
  let simCsv: string;

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-e2e-'));
    simCsv = path.join(dir, 'sim.csv');
    const r = await cli(['simulate', '--days', '7', '--step', '5m', '--seed', '3', '--out', simCsv], dir);
    expect(r).toMatchObject({ code: 0 });
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('simulate', () => {
    it('writes a labelled CSV, the same bytes for the same seed and different ones for another', async () => {
      const again = path.join(dir, 'sim-again.csv');
      const other = path.join(dir, 'sim-other.csv');
      expect(
        (await cli(['simulate', '--days', '7', '--step', '5m', '--seed', '3', '--out', again], dir)).code,
      ).toBe(0);
      expect(
        (await cli(['simulate', '--days', '7', '--step', '5m', '--seed', '4', '--out', other], dir)).code,
      ).toBe(0);
      expect(fs.readFileSync(again).equals(fs.readFileSync(simCsv))).toBe(true);
      expect(fs.readFileSync(other).equals(fs.readFileSync(simCsv))).toBe(false);

      const rows = csvRows(simCsv);
      expect(rows[0]).toEqual(['timestamp', 'value', 'label']);
      expect(rows).toHaveLength(1 + 7 * 288);
      const body = rows.slice(1);
      body.forEach(([ts, value, label], i) => {
        expect(Date.parse(ts)).toBe(Date.parse(body[0][0]) + i * 300_000);
        expect(Number.isFinite(Number(value))).toBe(true);
        expect(['0', '1']).toContain(label);
      });
    });
  });

  describe('evaluate', () => {
    it('--json prints exactly one JSON object with the documented keys', async () => {
      const r = await cli(
        ['evaluate', '--dataset', simCsv, '--json', '--no-plots', '--output-dir', 'ev1'],
        dir,
      );
      expect(r.code).toBe(0);
      const parsed = JSON.parse(r.stdout) as Record<string, unknown>; // throws if anything else is printed
      expect(typeof parsed).toBe('object');
      expect(r.stdout.trim().startsWith('{')).toBe(true);
      expect(r.stdout.trim().endsWith('}')).toBe(true);
      const documented: ReadonlyArray<readonly [string, readonly string[]]> = [
        ['point', ['precision', 'recall', 'f1']],
        [
          'event',
          ['recall', 'precision', 'f1', 'detected', 'total', 'false_alarm_episodes', 'false_alarms_per_day'],
        ],
        ['forecast', ['mae', 'mape', 'smape', 'interval_coverage']],
      ];
      for (const [section, keys] of documented) {
        const values = parsed[section] as Record<string, unknown>;
        for (const key of keys)
          expect([`${section}.${key}`, typeof values[key]]).toEqual([`${section}.${key}`, 'number']);
      }
      expect(typeof parsed.roc_auc).toBe('number');
      expect(typeof parsed.pr_auc).toBe('number');
      const event = parsed.event as Record<string, unknown>;
      expect('mean_time_to_detect_s' in event).toBe(true);
      expect(event.mean_time_to_detect_s === null || typeof event.mean_time_to_detect_s === 'number').toBe(
        true,
      );
      // No windows given: no NAB score.
      expect(parsed.nab).toBeUndefined();
      // 7 days at 5 min, 80 % train: the rest is evaluated, every point counted once.
      const point = parsed.point as Record<string, number>;
      expect(point.tp + point.fp + point.tn + point.fn).toBe(2016 - Math.floor(2016 * 0.8));
      expect(fs.readdirSync(path.join(dir, 'ev1')).sort()).toEqual([
        'evaluation_report.json',
        'evaluation_report.txt',
      ]);
    });

    it('--labels (NAB windows) adds the NAB scores; --scores-out writes one row per evaluated point', async () => {
      const scores = path.join(dir, 'scores.csv');
      const r = await cli(
        [
          'evaluate',
          '--dataset',
          NAB_FILE,
          '--labels',
          NAB_LABELS,
          '--train-ratio',
          '0.6',
          '--json',
          '--scores-out',
          scores,
          '--no-plots',
          '--output-dir',
          'ev-nab',
        ],
        dir,
      );
      expect(r.code).toBe(0);
      const parsed = JSON.parse(r.stdout) as {
        nab: Record<string, unknown>;
        ground_truth: string;
        test: { points: number };
        point: Record<string, number>;
      };
      expect(parsed.ground_truth).toBe('windows');
      expect(Object.keys(parsed.nab).sort()).toEqual(['reward_low_fn', 'reward_low_fp', 'standard']);
      for (const v of Object.values(parsed.nab)) expect(typeof v).toBe('number');

      const input = csvRows(NAB_FILE);
      const rows = csvRows(scores);
      expect(rows[0]).toEqual([
        'timestamp',
        'actual',
        'forecast',
        'lower',
        'upper',
        'score',
        'is_anomaly',
        'episode_id',
        'label',
      ]);
      const body = rows.slice(1);
      const nInput = input.length - 1;
      const nTest = nInput - Math.floor(nInput * 0.6);
      expect(parsed.test.points).toBe(nTest);
      expect(body).toHaveLength(nTest);
      const tail = input.slice(1 + nInput - nTest);
      body.forEach((row, i) => {
        // Timestamps exactly as in the input file (`YYYY-MM-DD HH:MM:SS`, not re-formatted).
        expect(row[0]).toBe(tail[i][0]);
        expect(Number(row[1])).toBe(Number(tail[i][1]));
        expect(['0', '1']).toContain(row[6]);
        expect(['0', '1']).toContain(row[8]);
      });
      // The labels column reflects the window that lies in the evaluated part.
      expect(body.filter((row) => row[8] === '1').length).toBeGreaterThan(0);
      const flagged = body.filter((row) => row[6] === '1').length;
      expect(flagged).toBe(parsed.point.tp + parsed.point.fp);
    });
  });

  describe('train', () => {
    it('writes the model, model_metadata.json (beside it and in the output dir) and reports; evaluate uses the model', async () => {
      const modelPath = path.join(dir, 'models', 'cpu.json');
      const r = await cli(
        ['train', '--dataset', simCsv, '--model-path', modelPath, '--output-dir', 'train-out', '--no-plots'],
        dir,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`model written to ${modelPath}`);
      const model = JSON.parse(fs.readFileSync(modelPath, 'utf8')) as Record<string, unknown>;
      expect(model.schema).toBe('anomalyd.model');
      for (const metaFile of [
        path.join(dir, 'models', 'model_metadata.json'),
        path.join(dir, 'train-out', 'model_metadata.json'),
      ]) {
        const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
        expect(meta).toMatchObject({
          dataset: simCsv,
          model_path: modelPath,
          model: { kind: 'seasonal', step_s: 300 },
          train_ratio: 0.8,
        });
      }
      expect(fs.readdirSync(path.join(dir, 'train-out')).sort()).toEqual([
        'evaluation_report.json',
        'evaluation_report.txt',
        'model_metadata.json',
      ]);

      // Without --dataset: the dataset recorded in the metadata beside the model.
      const viaMeta = await cli(
        ['evaluate', '--model-path', modelPath, '--json', '--no-plots', '--output-dir', 'e1'],
        dir,
      );
      expect(viaMeta.code).toBe(0);
      const withData = await cli(
        [
          'evaluate',
          '--dataset',
          simCsv,
          '--model-path',
          modelPath,
          '--json',
          '--no-plots',
          '--output-dir',
          'e2',
        ],
        dir,
      );
      expect(withData.code).toBe(0);
      const a = JSON.parse(viaMeta.stdout) as { point: unknown; test: { points: number } };
      const b = JSON.parse(withData.stdout) as { point: unknown; test: { points: number } };
      expect(a.point).toEqual(b.point);
      expect(a.test.points).toBe(2016 - Math.floor(2016 * 0.8));
    });
  });

  describe('bad input exits 2 with one line naming the file and line or key, and no stack trace', () => {
    const cases: ReadonlyArray<{
      readonly name: string;
      readonly files: Readonly<Record<string, string>>;
      readonly args: readonly string[];
      /** A line of stderr must match this. */
      readonly line: RegExp;
    }> = [
      {
        name: 'unsorted CSV',
        files: { 'bad.csv': 'timestamp,value\n2024-01-01T00:10:00Z,1\n2024-01-01T00:05:00Z,2\n' },
        args: ['evaluate', '--dataset', 'bad.csv'],
        line: /^error: bad\.csv:3: timestamp .*earlier/,
      },
      {
        name: 'duplicate timestamps',
        files: {
          'bad.csv':
            'timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:05:00Z,2\n2024-01-01T00:05:00Z,3\n',
        },
        args: ['evaluate', '--dataset', 'bad.csv'],
        line: /^error: bad\.csv:4: duplicate timestamp/,
      },
      {
        name: 'non-numeric value',
        files: { 'bad.csv': 'timestamp,value\n2024-01-01T00:00:00Z,1\n2024-01-01T00:05:00Z,abc\n' },
        args: ['evaluate', '--dataset', 'bad.csv'],
        line: /^error: bad\.csv:3: value "abc" .*not a number/,
      },
      {
        name: 'empty file',
        files: { 'bad.csv': '' },
        args: ['evaluate', '--dataset', 'bad.csv'],
        line: /^error: bad\.csv:1: the file is empty/,
      },
      {
        name: 'missing value column',
        files: { 'bad.csv': 'timestamp,foo\n2024-01-01T00:00:00Z,1\n' },
        args: ['train', '--dataset', 'bad.csv'],
        line: /^error: bad\.csv:1: no value column/,
      },
      {
        name: 'malformed model file (not JSON)',
        files: { 'model.json': '{"schema": "anomalyd.model",' },
        args: ['evaluate', '--dataset', '../sim.csv', '--model-path', 'model.json'],
        line: /^error: model\.json: not valid JSON/,
      },
      {
        name: 'malformed model file (wrong shape)',
        files: { 'model.json': '{"kind": "seasonal"}' },
        args: ['evaluate', '--dataset', '../sim.csv', '--model-path', 'model.json'],
        line: /^error: model\.json: key "schema"/,
      },
      {
        name: 'model file whose JSON error quotes a line break (still one line)',
        files: { 'model.json': 'notjson\n' },
        args: ['evaluate', '--dataset', '../sim.csv', '--model-path', 'model.json'],
        line: /^error: model\.json: not valid JSON \(.*\); was it written by `anomalyd train`\?$/,
      },
      {
        name: 'model path that is a directory',
        files: {},
        args: ['evaluate', '--dataset', '../sim.csv', '--model-path', '.'],
        line: /^error: \.: cannot read the model file \(EISDIR\)/,
      },
      {
        name: 'unreadable model_metadata.json beside --model-path, no --dataset',
        files: { 'model.json': '{}', 'model_metadata.json': 'garbage\n' },
        args: ['evaluate', '--model-path', 'model.json'],
        line: /^error: model_metadata\.json: cannot read the recorded dataset \(.*\); pass --dataset FILE/,
      },
      {
        name: 'missing windows file',
        files: {},
        args: ['evaluate', '--dataset', '../sim.csv', '--labels', 'nowhere.json'],
        line: /^error: nowhere\.json: cannot read the file \(ENOENT\)/,
      },
      {
        name: 'simulate --out naming a directory',
        files: {},
        args: ['simulate', '--days', '1', '--out', '.'],
        line: /^error: \.: cannot write \((EISDIR|EBUSY)\); check --out/,
      },
      {
        name: 'config with an unknown key',
        files: { 'c.yaml': 'source: auto\nbogus_key: 1\n' },
        args: ['evaluate', '--dataset', '../sim.csv', '--config', 'c.yaml'],
        line: /^error: c\.yaml:2: bogus_key: unknown key/,
      },
      {
        name: 'config with a bad value',
        files: { 'c.yaml': 'detection:\n  threshold_multiplier: high\n' },
        args: ['monitor', '--once', '--config', 'c.yaml'],
        line: /^error: c\.yaml:2: detection\.threshold_multiplier: must be a number > 0, got "high"/,
      },
      {
        name: 'unknown flag',
        files: {},
        args: ['evaluate', '--dataset', '../sim.csv', '--bogus'],
        line: /^error: unknown option '--bogus'/,
      },
      {
        name: 'bad flag value',
        files: {},
        args: ['evaluate', '--dataset', '../sim.csv', '--train-ratio', '2'],
        line: /^error: option '--train-ratio <r>' argument '2' is invalid/,
      },
    ];

    it.each(cases)('$name', async ({ files, args, line }) => {
      const caseDir = fs.mkdtempSync(path.join(dir, 'bad-'));
      // `../sim.csv` from the case dir is the shared simulated series.
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(caseDir, name), text);
      const r = await cli(args, caseDir);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(STACK_FRAME);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      // Exactly one line states the problem; at most a header or a usage hint beside it.
      expect(lines.filter((l) => line.test(l))).toHaveLength(1);
      expect(lines.length).toBeLessThanOrEqual(2);
      // Nothing was written by a run that failed on its input.
      expect(fs.readdirSync(caseDir).sort()).toEqual(Object.keys(files).sort());
    });
  });

  describe('monitor --once --source simulator', () => {
    it('exits 0, writes data/*.lp in the documented schema and logs a cycle summary', async () => {
      const runDir = fs.mkdtempSync(path.join(dir, 'monitor-'));
      // METRICS_PORT=0: no telemetry server, so the test never fights over port 9464.
      const r = await cli(['monitor', '--once', '--source', 'simulator'], runDir, { METRICS_PORT: '0' });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      const logs = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const cycles = logs.filter((l) => l.message === 'cycle');
      expect(cycles).toHaveLength(1);
      // 3 simulated hosts × (cpu, memory, latency), each fitted from its backfilled history at once.
      expect(cycles[0]).toMatchObject({
        level: 'info',
        source: 'simulator',
        series: 9,
        new_series: 9,
        points: 9,
        fits: 9,
      });
      expect(logs.some((l) => l.level === 'warn' && l.message === 'simulated data (source=simulator)')).toBe(
        true,
      );
      const stopped = logs.find((l) => l.message === 'anomalyd stopped');
      expect(stopped).toMatchObject({
        cycles: 1,
        points: 9,
        sink_points: { written: 27, retried: 0, spooled: 0, dead_letter: 0, dropped: 0 },
      });

      const dataDir = path.join(runDir, 'data');
      expect(fs.readdirSync(dataDir).filter((n) => n.endsWith('.lp'))).toEqual(['points-00000001.lp']);
      const lines = readLines(dataDir, /\.lp$/).map(parseLine);
      expect(lines).toHaveLength(27);
      const byMeasurement = (m: string) => lines.filter((l) => l.measurement === m);
      expect(byMeasurement('actual')).toHaveLength(9);
      expect(byMeasurement('forecast')).toHaveLength(9);
      expect(byMeasurement('anomaly')).toHaveLength(9);
      const hosts = ['sim-host-01', 'sim-host-02', 'sim-host-03'];
      for (const l of lines) {
        const { host, metric } = l.tags;
        expect(hosts).toContain(host);
        expect(['cpu', 'memory', 'latency']).toContain(metric);
        expect(l.tags).toMatchObject({
          source: 'simulator',
          query: metric,
          instance: `${host}:9100`,
          series: `${metric}{host="${host}",instance="${host}:9100",metric="${metric}"}`,
        });
        expect(Number.isInteger(l.timestampMs)).toBe(true);
        if (l.measurement === 'actual') {
          expect(Object.keys(l.fields)).toEqual(['value']);
          expect(l.tags.model_version).toBeUndefined();
        } else {
          expect(l.tags.model_version).toMatch(/^seasonal-/);
        }
        if (l.measurement === 'forecast') {
          expect(Object.keys(l.fields).sort()).toEqual(['yhat', 'yhat_lower', 'yhat_upper']);
          const [lo, y, hi] = [l.fields.yhat_lower, l.fields.yhat, l.fields.yhat_upper].map(Number);
          expect(lo).toBeLessThanOrEqual(y);
          expect(y).toBeLessThanOrEqual(hi);
        }
        if (l.measurement === 'anomaly') {
          expect(Object.keys(l.fields).sort()).toEqual(
            ['confidence', 'direction', 'episode_id', 'is_anomaly', 'score', 'severity', 'threshold'].sort(),
          );
          expect(['true', 'false']).toContain(l.fields.is_anomaly);
          expect(l.fields.direction).toMatch(/^-?[01]i$/);
          expect(l.fields.severity).toMatch(/^"(NONE|LOW|MEDIUM|HIGH|CRITICAL)"$/);
          expect(l.fields.episode_id).toMatch(/^".*"$/);
          expect(Number(l.fields.threshold)).toBe(1);
          expect(Number(l.fields.score)).toBeGreaterThanOrEqual(0);
        }
      }
      // One live sample per series, all at the cycle time.
      expect(new Set(lines.map((l) => l.timestampMs)).size).toBe(1);
      expect(new Set(byMeasurement('actual').map((l) => l.tags.series)).size).toBe(9);
    });
  });
});
