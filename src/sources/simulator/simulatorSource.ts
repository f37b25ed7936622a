import type { Sample } from '../../domain/timeSeries';
import type { Labels } from '../../domain/series';
import { createSeriesGenerator } from './generator';
import { DayShapeCache } from './profile';
import { simulatedHosts } from './hosts';
import type { SeriesGenerator, SimulatedSeriesSpec } from './types';

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
  /** The backfill as a regular grid (no object per sample: 10,000 series x 14 days would cost gigabytes). */
  readonly grid?: { readonly startMs: number; readonly stepMs: number; readonly values: Float64Array };
}

interface SimulatedSeries {
  readonly spec: SimulatedSeriesSpec;
  readonly query: string;
  readonly labels: Labels;
  readonly generator: SeriesGenerator;
  /** True until the backfill was handed out (once). */
  historyPending: boolean;
}

/**
 * Samples per history batch. The buffer is reused for the next batch (the consumer must copy what it
 * keeps), so a backfill allocates no large arrays: big short-lived buffers are what leave a process's
 * resident memory high after start-up.
 */
const CHUNK_POINTS = 2_880;

/** Series generated between two yields to the event loop while backfilling (timers, signals, /healthz). */
const SERIES_PER_YIELD = 25;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The built-in simulator as a metric source: a few hosts of CPU, memory and latency, driven by the same
 * engine as `anomalyd simulate`. After that each poll emits one sample per series, timestamped at the cycle
 * time.
 *
 * The backfill is never held for all series at once (10,000 series x 14 days at 30 s would be 3 GB): the
 * first poll fast-forwards each live generator over the backfill span (`skip`, which computes no readings),
 * and `history` regenerates one series at a time from an identical generator and hands it over, so the
 * history and the live samples are one continuous simulated series.
 */
export class SimulatorSource {
  readonly mode = 'simulator' as const;
  private series: SimulatedSeries[] | undefined;
  private historyStartMs = 0;
  private historyPoints = 0;

  constructor(private readonly options: SimulatorSourceOptions) {}

  /** A live generator, or with `dayShapes` one for a backfill that keeps its day shapes there. */
  private generatorFor(spec: SimulatedSeriesSpec, dayShapes?: DayShapeCache): SeriesGenerator {
    return createSeriesGenerator({
      kind: spec.kind,
      seed: spec.seed,
      stepMs: this.options.stepMs,
      startMs: this.historyStartMs,
      anomalyRatePerDay: this.options.anomaliesPerDay,
      cacheDayShapes: dayShapes ?? false,
    });
  }

  private start(nowMs: number): SimulatedSeries[] {
    const { stepMs, backfillMs } = this.options;
    const first = Math.ceil((nowMs - backfillMs) / stepMs) * stepMs;
    this.historyStartMs = first;
    this.historyPoints = Math.max(0, Math.ceil((nowMs - first) / stepMs));
    return simulatedHosts(this.options.hosts, this.options.seed).map((spec) => {
      const generator = this.generatorFor(spec);
      for (let i = 0; i < this.historyPoints; i++) generator.skip(first + i * stepMs);
      return { spec, query: spec.kind, labels: spec.labels, generator, historyPending: true };
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

  /**
   * Hands the backfilled history of the query's series within the window to `onBatch`, one series at a
   * time in chunks of {@link CHUNK_POINTS} samples (each series once). The values array is reused for the
   * next chunk: `onBatch` must copy what it keeps.
   */
  async history(
    query: { readonly name: string },
    windowMs: number,
    nowMs: number,
    onBatch: (batch: SimulatedBatch) => void,
  ): Promise<void> {
    const { stepMs } = this.options;
    // Keep only (nowMs - windowMs, nowMs): skip leading points older than the window.
    const skip = Math.min(
      this.historyPoints,
      Math.max(0, Math.floor((nowMs - windowMs - this.historyStartMs) / stepMs) + 1),
    );
    let generated = 0;
    // One reused chunk buffer: a series' history goes out in pieces of CHUNK_POINTS, in time order. One
    // day-shape cache, too: each series' backfill generator is done with it before the next one starts.
    const chunk = new Float64Array(CHUNK_POINTS);
    const dayShapes = DayShapeCache.forStep(stepMs);
    for (const s of this.series ?? []) {
      if (s.query !== query.name || !s.historyPending) continue;
      s.historyPending = false;
      const generator = this.generatorFor(s.spec, dayShapes);
      for (let i = 0; i < skip; i++) generator.skip(this.historyStartMs + i * stepMs);
      for (let from = skip; from < this.historyPoints; from += CHUNK_POINTS) {
        const n = Math.min(CHUNK_POINTS, this.historyPoints - from);
        for (let k = 0; k < n; k++) chunk[k] = generator.nextValue(this.historyStartMs + (from + k) * stepMs);
        onBatch({
          query: s.query,
          labels: s.labels,
          samples: [],
          grid: { startMs: this.historyStartMs + from * stepMs, stepMs, values: chunk.subarray(0, n) },
        });
      }
      if (++generated % SERIES_PER_YIELD === 0) await yieldToEventLoop();
    }
  }
}
