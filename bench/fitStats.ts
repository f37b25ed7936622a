/**
 * `node dist/bench/fitStats.js digest|alloc|time`: checks and measures what a seasonal fit costs beyond the
 * model it returns, for work on the fit's statistics (issue #3/#5: per-fit garbage held the daemon's RSS up).
 *
 * - `digest`: fits ~90 varied series (synthetic cpu/memory/latency at 30 s, 1 min and 5 min, short ones,
 *   ones with gaps and excluded points, NAB files) and prints a SHA-256 of each serialized model and of
 *   all of them. A change that must not change models must not change this output.
 * - `alloc [--fits 200]`: typed-array bytes allocated and GC runs per warm fit of a 40,320-point 30 s series.
 *   Typed-array constructors are wrapped to count bytes, so this mode is for counting, not timing.
 * - `time [--reps 60]`: median warm fit time (wall and process CPU ms) of a 5-minute/2-week and a 30 s/14-day series.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { DEFAULT_CONFIG } from '../src/config/defaults';
import { createForecaster } from '../src/model/forecaster';
import type { Forecaster, TrainingInput } from '../src/model/types';
import { median } from './common';
import { seasonalOptionsOf } from '../src/pipeline/forecasterFactory';
import { readDatasetCsv } from '../src/sources/csv/readDataset';
import { generateSeries, type MetricKind } from '../src/sources/simulator';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2024, 0, 1);
const KINDS: readonly MetricKind[] = ['cpu', 'memory', 'latency'];

function forecaster(): Forecaster {
  return createForecaster(seasonalOptionsOf(DEFAULT_CONFIG.model));
}

function synthetic(kind: MetricKind, seed: number, stepMs: number, days: number): TrainingInput {
  const points = Math.round((days * DAY_MS) / stepMs);
  const g = generateSeries({ kind, seed, startMs: START_MS, stepMs, points, anomalyRatePerDay: 0.5 });
  return g.series;
}

/** The digest's series: name and training input. */
function digestSeries(): { name: string; input: TrainingInput }[] {
  const out: { name: string; input: TrainingInput }[] = [];
  const grids: readonly [string, number, number][] = [
    ['5m_14d', 5 * MINUTE_MS, 14],
    ['5m_21d', 5 * MINUTE_MS, 21],
    ['1m_7d', MINUTE_MS, 7],
    ['30s_14d', 30_000, 14],
    ['5m_1.5d', 5 * MINUTE_MS, 1.5],
    ['5m_3h', 5 * MINUTE_MS, 0.125],
  ];
  for (const [grid, stepMs, days] of grids) {
    for (const kind of KINDS) {
      for (const seed of grid === '5m_14d' ? [1, 2, 3, 4] : [1, 2]) {
        out.push({ name: `${kind}_${grid}_s${seed}`, input: synthetic(kind, seed, stepMs, days) });
      }
    }
  }
  // Gaps (NaN values) and excluded points take the fit's copying path.
  for (const kind of KINDS) {
    const s = synthetic(kind, 7, 5 * MINUTE_MS, 14);
    const values = Float64Array.from(s.values);
    for (let i = 500; i < 800; i++) values[i] = Number.NaN;
    const exclude = new Uint8Array(values.length);
    for (let i = 2000; i < 2100; i++) exclude[i] = 1;
    out.push({ name: `${kind}_gaps_excl`, input: { ...s, values, exclude } });
  }
  // NAB files: real, irregular, some sorted by the reader.
  const nab = 'datasets/nab';
  for (const dir of readdirSync(nab, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'scoreboard' || dir.name === 'original_labels') continue;
    for (const file of readdirSync(join(nab, dir.name)).filter((f) => f.endsWith('.csv'))) {
      const d = readDatasetCsv(join(nab, dir.name, file), { repairTimestamps: true });
      out.push({ name: `nab/${dir.name}/${file}`, input: d.series });
    }
  }
  return out;
}

function digest(): void {
  const all = createHash('sha256');
  const f = forecaster();
  for (const { name, input } of digestSeries()) {
    const text = JSON.stringify(f.fit(input).toJSON());
    const h = createHash('sha256').update(text).digest('hex').slice(0, 16);
    all.update(`${name} ${h}\n`);
    console.log(`${name} ${h}`);
  }
  console.log(`ALL ${all.digest('hex')}`);
}

/** Typed-array bytes allocated by constructors (views over an existing buffer are not counted). */
let countedBytes = 0;

function countTypedArrays(): void {
  const wrap = <T extends Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor>(
    base: T,
  ): T => {
    const Counting = class extends (base as Float64ArrayConstructor) {
      constructor(...args: unknown[]) {
        super(...(args as []));
        if (!(args[0] instanceof ArrayBuffer)) countedBytes += this.byteLength;
      }
    };
    return Counting as unknown as T;
  };
  globalThis.Float64Array = wrap(Float64Array);
  globalThis.Int32Array = wrap(Int32Array);
  globalThis.Uint8Array = wrap(Uint8Array);
}

function alloc(fits: number): void {
  const input = synthetic('memory', 3, 30_000, 14);
  countTypedArrays();
  const f = forecaster();
  for (let i = 0; i < 5; i++) f.fit(input); // warm: scratch grown, code compiled
  let gcs = 0;
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcs++;
      gcMs += e.duration;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  countedBytes = 0;
  for (let i = 0; i < fits; i++) f.fit(input);
  const bytes = countedBytes;
  // GC entries are delivered asynchronously: read them once the observer has had a turn.
  setTimeout(() => {
    obs.disconnect();
    console.log(
      `typed-array bytes per fit: ${(bytes / fits / 1e6).toFixed(3)} MB (${fits} fits, n=${input.values.length}); ` +
        `GC runs: ${gcs} (${(gcMs / fits).toFixed(2)} ms per fit)`,
    );
  }, 100);
}

function time(reps: number): void {
  const f = forecaster();
  const cases: readonly [string, TrainingInput][] = [
    ['5min_2w', synthetic('cpu', 1, 5 * MINUTE_MS, 14)],
    ['30s_14d', synthetic('memory', 3, 30_000, 14)],
  ];
  for (const [key, input] of cases) {
    for (let i = 0; i < 5; i++) f.fit(input);
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = process.hrtime.bigint();
      const c = process.cpuUsage();
      f.fit(input);
      const used = process.cpuUsage(c);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      cpu.push((used.user + used.system) / 1e3);
    }
    console.log(
      `${key}: median ${median(ms).toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU over ${reps} warm fits`,
    );
  }
}

function main(argv: readonly string[]): void {
  const mode = argv[0] ?? 'digest';
  const count = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  if (mode === 'digest') digest();
  else if (mode === 'alloc') alloc(count('--fits', 200));
  else if (mode === 'time') time(count('--reps', 60));
  else throw new Error(`unknown mode ${mode}: digest, alloc or time`);
}

main(process.argv.slice(2));
