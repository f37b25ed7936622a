/**
 * `node dist/bench/syntheticDiagnose.js [--seeds 16] [--from 101] [--kinds cpu,memory,latency] [--list]`:
 * why the synthetic suite's events are missed and where its false episodes come from.
 *
 * Runs the suite's protocol (bench/synthetic.ts, default model and detection) with the series detector
 * wrapped so that every point's model forecast and judged (one-step-corrected) score are kept. For every
 * missed event it finds the rule that kept it from opening an episode, from what the points did inside it:
 * - `model-band`: no point left even the model's own band (the band is too wide for this event);
 * - `one-step`: points left the model's band but none left the one-step-corrected band (the correction
 *   followed the anomaly, or its narrowed band is still too wide);
 * - `few-points`: points left the judged band, but never 4 of 5 and none reached `immediate_score`;
 * - `run-level`: 4 of 5 points left the judged band but the run level (detect/runRarity.ts) kept N-of-M shut;
 * - `spike-gate`: a point reached `immediate_score` but the tail-ratio-raised score or the spike level
 *   (detect/rarity.ts) kept the spike rule shut.
 * `--list` prints every missed event. False episodes are counted by cause (band / drift, which includes the
 * stuck and variance-burst rules), and those starting within 30 minutes of an event's end (the series snapping
 * back) are listed with that event and whether it was found. A diagnosis aid, not a benchmark; nothing is written.
 */
import { DEFAULT_CONFIG } from '../src/config/defaults';
import type { SeriesDetector } from '../src/detect/seriesDetector';
import { deviationScore, type ForecastPoint } from '../src/detect/score';
import { diagnosedSeries, parseDiagnoseArgs, RecordingDetector } from './synthetic';

/** A false episode starting this soon after an event's end is reported as following it. */
const AFTER_EVENT_MS = 30 * 60_000;

/** The series detector, recording each point's model score and judged score. */
class ScoreRecorder extends RecordingDetector {
  readonly modelScore = new Map<number, number>();
  readonly judgedScore = new Map<number, number>();

  protected record(
    timestampMs: number,
    actual: number,
    point: ForecastPoint,
    _tailProbability: (z: number) => number,
    out: ReturnType<SeriesDetector['observe']>,
  ): void {
    this.modelScore.set(timestampMs, deviationScore(actual, point));
    this.judgedScore.set(timestampMs, out.scored.score);
  }
}

function main(): void {
  const args = parseDiagnoseArgs(process.argv.slice(2), '--list');
  const cfg = DEFAULT_CONFIG;
  const immediate = cfg.detection.episode.immediateScore;
  const threshold = cfg.detection.thresholdMultiplier;
  const causes = new Map<string, number>();
  const falseByCause = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  const lines: string[] = [];
  let missed = 0;
  let total = 0;
  for (const { kind, spec, g, recorder, out } of diagnosedSeries(args, (inner) => new ScoreRecorder(inner))) {
    const ts = out.points.timestampsMs;
    const found = (ev: { startMs: number; endMs: number }): boolean => {
      for (let i = 0; i < ts.length; i++)
        if (ts[i] >= ev.startMs && ts[i] <= ev.endMs && out.points.isAnomaly[i] === 1) return true;
      return false;
    };
    for (const e of out.result.episodes) {
      if (e.matched !== false) continue;
      // An event that ended just before the false episode began: its end (the series snapping back) is
      // what the episode flagged.
      const before = g.events.find((ev) => ev.endMs < e.start_ms && e.start_ms - ev.endMs <= AFTER_EVENT_MS);
      const after =
        before === undefined ? '' : ` after ${before.type} (${found(before) ? 'found' : 'missed'})`;
      bump(falseByCause, `${kind} ${e.cause}${before === undefined ? '' : ' after an event'}`);
      if (args.flag) {
        lines.push(
          `${spec.name} FALSE ${e.cause} ${new Date(e.start_ms).toISOString()} ` +
            `${((e.end_ms - e.start_ms) / 60_000).toFixed(0)} min peak ${e.peak_score.toFixed(2)} ` +
            `direction ${e.direction}${after}`,
        );
      }
    }
    for (const ev of g.events) {
      if (ev.endMs < ts[0] || ev.startMs > ts[ts.length - 1]) continue;
      total++;
      const inside: number[] = [];
      for (let i = 0; i < ts.length; i++) if (ts[i] >= ev.startMs && ts[i] <= ev.endMs) inside.push(i);
      if (inside.some((i) => out.points.isAnomaly[i] === 1)) continue;
      missed++;
      let maxModel = 0;
      let maxJudged = 0;
      let outModel = 0;
      let outJudged = 0;
      let bestRun = 0;
      for (const i of inside) {
        const m = recorder.modelScore.get(ts[i]) ?? 0;
        const j = recorder.judgedScore.get(ts[i]) ?? 0;
        maxModel = Math.max(maxModel, m);
        maxJudged = Math.max(maxJudged, j);
        if (m > threshold) outModel++;
        if (j > threshold) outJudged++;
        let run = 0;
        for (let b = Math.max(0, i - 4); b <= i; b++)
          if ((recorder.judgedScore.get(ts[b]) ?? 0) > threshold) run++;
        bestRun = Math.max(bestRun, run);
      }
      const cause =
        outModel === 0 && outJudged === 0
          ? 'model-band'
          : outJudged === 0
            ? 'one-step'
            : bestRun >= cfg.detection.episode.minPoints
              ? 'run-level'
              : maxJudged >= immediate
                ? 'spike-gate'
                : 'few-points';
      bump(causes, `${cause}`);
      bump(causes, `${kind} ${ev.type} ${cause}`);
      if (args.flag) {
        lines.push(
          `${spec.name} ${ev.type}${ev.subtle ? ' (subtle)' : ''} ` +
            `${((ev.endMs - ev.startMs) / 60_000).toFixed(0)} min: max model ${maxModel.toFixed(2)} ` +
            `judged ${maxJudged.toFixed(2)}, out model ${outModel} judged ${outJudged}/${inside.length} ` +
            `best 5-run ${bestRun} -> ${cause}`,
        );
      }
    }
  }
  if (args.flag) process.stdout.write(`${lines.join('\n')}\n\n`);
  process.stdout.write(`missed ${missed} of ${total}\n`);
  const sorted = (m: Map<string, number>): string[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${String(v).padStart(4)}  ${k}`);
  process.stdout.write(`misses by cause:\n${sorted(causes).join('\n')}\n`);
  process.stdout.write(`false episodes by kind and cause:\n${sorted(falseByCause).join('\n')}\n`);
}

main();
