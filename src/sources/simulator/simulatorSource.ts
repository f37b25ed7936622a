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
}

interface SimulatedSeries {
  readonly query: string;
  readonly labels: Labels;
  readonly generator: SeriesGenerator;
  history: Sample[] | undefined;
}

/**
 * The built-in simulator as a metric source: a few hosts of CPU, memory and latency, driven by the same
 * engine as `anomalyd simulate`. The first poll generates the backfill history (handed out once by
 * `history`); after that each poll emits one sample per series, timestamped at the cycle time.
 */
export class SimulatorSource {
  readonly mode = 'simulator' as const;
  private series: SimulatedSeries[] | undefined;

  constructor(private readonly options: SimulatorSourceOptions) {}

  private start(nowMs: number): SimulatedSeries[] {
    const { stepMs, backfillMs } = this.options;
    const first = Math.ceil((nowMs - backfillMs) / stepMs) * stepMs;
    return simulatedHosts(this.options.hosts, this.options.seed).map((spec) => {
      const generator = createSeriesGenerator({
        kind: spec.kind,
        seed: spec.seed,
        stepMs,
        startMs: first,
        anomalyRatePerDay: this.options.anomaliesPerDay,
      });
      const history: Sample[] = [];
      for (let t = first; t < nowMs; t += stepMs)
        history.push({ timestampMs: t, value: generator.next(t).value });
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
    const out: SimulatedBatch[] = [];
    for (const s of this.series ?? []) {
      if (s.query !== query.name || s.history === undefined) continue;
      out.push({
        query: s.query,
        labels: s.labels,
        samples: s.history.filter((x) => x.timestampMs > nowMs - windowMs),
      });
      s.history = undefined;
    }
    return Promise.resolve(out);
  }
}
