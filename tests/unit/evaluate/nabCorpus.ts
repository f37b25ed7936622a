/** Loads the NAB corpus and scoreboard shipped in datasets/nab for the scorer tests. */
import * as fs from 'fs';
import * as path from 'path';
import type { TimeRange } from '../../../src/evaluate/events';

export const NAB_DIR = path.resolve(__dirname, '../../../datasets/nab');

/** "2014-04-10 07:15:00(.000000)" read as UTC: NAB's stamps carry no zone, only equality matters. */
export function parseNabTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) throw new Error(`not a NAB timestamp: ${text}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export interface NabCorpusFile {
  readonly name: string;
  readonly timestampsMs: Float64Array;
  readonly windows: readonly TimeRange[];
}

export function loadNabWindows(): Record<string, readonly TimeRange[]> {
  const raw = JSON.parse(
    fs.readFileSync(path.join(NAB_DIR, 'original_labels', 'combined_windows.json'), 'utf8'),
  ) as Record<string, Array<[string, string]>>;
  const out: Record<string, readonly TimeRange[]> = {};
  for (const [name, windows] of Object.entries(raw)) {
    out[name] = windows.map(([a, b]) => [parseNabTimestamp(a), parseNabTimestamp(b)] as const);
  }
  return out;
}

export function loadNabCorpus(): NabCorpusFile[] {
  const windows = loadNabWindows();
  return Object.keys(windows)
    .sort()
    .map((name) => {
      const lines = fs.readFileSync(path.join(NAB_DIR, name), 'utf8').split('\n').slice(1);
      const stamps = lines.filter((l) => l.trim() !== '').map((l) => parseNabTimestamp(l.split(',')[0]));
      return { name, timestampsMs: Float64Array.from(stamps), windows: windows[name] };
    });
}

export interface ScoreboardRow {
  readonly detector: string;
  readonly profile: string;
  readonly file: string;
  readonly threshold: number;
  readonly score: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
  readonly totalCount: number;
}

/** Rows of results/<detector>/<detector>_<profile>_scores.csv; the last one is the "Totals" row. */
export function loadScoreboard(detector: string, profile: string): ScoreboardRow[] {
  const file = path.join(NAB_DIR, 'scoreboard', 'per_file_scores', `${detector}_${profile}_scores.csv`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const c = l.split(',');
      return {
        detector: c[0],
        profile: c[1],
        file: c[2],
        threshold: Number(c[3]),
        score: Number(c[4]),
        tp: Number(c[5]),
        tn: Number(c[6]),
        fp: Number(c[7]),
        fn: Number(c[8]),
        totalCount: Number(c[9]),
      };
    });
}

export function loadFinalResults(): Record<string, Record<string, number>> {
  return JSON.parse(
    fs.readFileSync(path.join(NAB_DIR, 'scoreboard', 'final_results.json'), 'utf8'),
  ) as Record<string, Record<string, number>>;
}
