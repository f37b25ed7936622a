import type { Sample } from '../../domain/timeSeries';
import type { Labels } from '../../domain/series';
import { createSeriesGenerator } from './generator';
import { simulatedHosts } from './hosts';
import type { SeriesGenerator } from './types';

export interface SimulatorSourceOptions {
  readonly hosts: number;
  readonly seed: number;
  /** Grid step of the backfilled history (the monitor interval). */
  readonly stepMs: number;
  /** History generated before the first live sample, so models are ready at once. */
  readonly backfillMs: number;
  readonly anomaliesPerDay: number;
}

export interface SimulatedBatch {
  readonly query: string;
  readonly labels: Labels;
  readonly samples: readonly Sample[];
  /** The backfill as a regular grid (no object per sample: 10,000 series x a day would cost gigabytes). */
  readonly grid?: { readonly startMs: number; readonly stepMs: number; readonly values: Float32Array };
}

interface SimulatedSeries {
  readonly query: string;
  readonly labels: Labels;
  readonly generator: SeriesGenerator;
  /** Backfill values from `historyStartMs` at the step; freed once handed out. */
  history: Float32Array | undefined;
}

/**
 * The built-in simulator as a metric source: a few hosts of CPU, memory and latency, driven by the same
 * engine as `anomalyd simulate`. The first poll generates the backfill history (handed out once by
 * `history`); after that each poll emits one sample per series, timestamped at the cycle time.
 */
export class SimulatorSource {
  readonly mode = 'simulator' as const;
  private series: SimulatedSeries[] | undefined;
  private historyStartMs = 0;

  constructor(private readonly options: SimulatorSourceOptions) {}

  private start(nowMs: number): SimulatedSeries[] {
    const { stepMs, backfillMs } = this.options;
    const first = Math.ceil((nowMs - backfillMs) / stepMs) * stepMs;
    this.historyStartMs = first;
    const points = Math.max(0, Math.ceil((nowMs - first) / stepMs));
    return simulatedHosts(this.options.hosts, this.options.seed).map((spec) => {
      const generator = createSeriesGenerator({
        kind: spec.kind,
        seed: spec.seed,
        stepMs,
        startMs: first,
        anomalyRatePerDay: this.options.anomaliesPerDay,
      });
      const history = new Float32Array(points);
      for (let i = 0; i < points; i++) history[i] = generator.next(first + i * stepMs).value;
      return { query: spec.kind, labels: spec.labels, generator, history };
    });
  }

  poll(nowMs: number): Promise<SimulatedBatch[]> {
    this.series ??= this.start(nowMs);
    return Promise.resolve(
      this.series.map((s) => ({
        query: s.query,
        labels: s.labels,
        samples: [{ timestampMs: nowMs, value: s.generator.next(nowMs).value }],
      })),
    );
  }

  /** The backfilled history of the query's series within the window (handed out once, then freed). */
  history(query: { readonly name: string }, windowMs: number, nowMs: number): Promise<SimulatedBatch[]> {
    const { stepMs } = this.options;
    const out: SimulatedBatch[] = [];
    for (const s of this.series ?? []) {
      if (s.query !== query.name || s.history === undefined) continue;
      // Keep only (nowMs - windowMs, nowMs): skip leading points older than the window.
      const skip = Math.max(0, Math.floor((nowMs - windowMs - this.historyStartMs) / stepMs) + 1);
      const values = s.history.subarray(Math.min(skip, s.history.length));
      out.push({
        query: s.query,
        labels: s.labels,
        samples: [],
        grid: { startMs: this.historyStartMs + skip * stepMs, stepMs, values },
      });
      s.history = undefined;
    }
    return Promise.resolve(out);
  }
}
