import type { Episode, ScoredPoint } from '../../../src/domain/anomaly';
import type { Labels } from '../../../src/domain/series';
import type { FittedModel, Forecast, Forecaster, TrainingInput } from '../../../src/model/types';
import type { DetectorEvent, ForecastPoint, PointDetector } from '../../../src/pipeline/seriesRunner';
import type { MetricSource, SeriesBatch } from '../../../src/pipeline/ports';
import type { EpisodeEvent, PointRecord, Sink, SinkStats } from '../../../src/sinks/types';
import type { QueryConfig } from '../../../src/config/types';

/** A mean +- 1 model: enough to test orchestration without depending on the real forecaster. */
export class MeanForecaster implements Forecaster {
  readonly kind = 'seasonal' as const;
  fits: number[] = [];
  fit(input: TrainingInput): FittedModel {
    let s = 0;
    let n = 0;
    for (let i = 0; i < input.values.length; i++) {
      if (input.exclude?.[i]) continue;
      s += input.values[i];
      n++;
    }
    this.fits.push(n);
    const mean = n > 0 ? s / n : NaN;
    const end = input.timestampsMs.length > 0 ? input.timestampsMs[input.timestampsMs.length - 1] : 0;
    return {
      kind: 'seasonal',
      intervalWidth: 0.95,
      components: ['level'],
      stepMs: input.stepMs,
      trainStartMs: input.timestampsMs[0] ?? 0,
      trainEndMs: end,
      metrics: { trainPoints: n, residualMad: 1, rSquared: 0 },
      predict(ts: ArrayLike<number>): Forecast {
        const k = ts.length;
        return {
          timestampsMs: Float64Array.from(ts),
          yhat: new Float64Array(k).fill(mean),
          lower: new Float64Array(k).fill(mean - 1),
          upper: new Float64Array(k).fill(mean + 1),
          scale: new Float64Array(k).fill(0.5),
          level: 0.95,
        };
      },
      tailProbability: (z: number) => Math.exp(-Math.abs(z)),
      toJSON: () => ({ schema: 'anomalyd.model', version: 1, kind: 'seasonal' }),
    };
  }
}

/** Opens an episode on the first point with |actual - yhat| > 1 and closes it on the next normal one. */
export class ThresholdDetector implements PointDetector {
  private open: Episode | undefined;
  modelChanges = 0;
  constructor(private readonly id: string) {}
  observe(t: number, actual: number, p: ForecastPoint, tail: (z: number) => number) {
    const dev = actual - p.yhat;
    const score = Math.abs(dev);
    const isAnomaly = score > 1;
    const events: DetectorEvent[] = [];
    if (isAnomaly && !this.open) {
      this.open = {
        id: `${this.id}:${t}`,
        startMs: t,
        endMs: t,
        peakScore: score,
        severity: 'HIGH',
        direction: dev > 0 ? 1 : -1,
        points: 1,
        cause: 'band',
        open: true,
      };
      events.push({ kind: 'opened', episode: this.open });
    } else if (!isAnomaly && this.open) {
      events.push({ kind: 'closed', episode: { ...this.open, open: false } });
      this.open = undefined;
    }
    const scored: ScoredPoint = {
      timestampMs: t,
      actual,
      yhat: p.yhat,
      lower: p.lower,
      upper: p.upper,
      score,
      threshold: 1,
      direction: isAnomaly ? (dev > 0 ? 1 : -1) : 0,
      severity: isAnomaly ? 'HIGH' : 'NONE',
      confidence: 1 - tail(dev / p.scale),
      isAnomaly,
      drift: false,
    };
    return { scored, episodeId: this.open?.id ?? '', events };
  }
  onRefit(): void {
    this.modelChanges++;
  }
}

/** A scripted source: tests set `next` before each cycle. */
export class ScriptedSource implements MetricSource {
  mode: 'prometheus' | 'simulator' = 'prometheus';
  next: SeriesBatch[] = [];
  fail: Error | undefined;
  historyCalls: Array<{ query: string; windowMs: number; nowMs: number; expectedSeries?: number }> = [];
  histories = new Map<string, SeriesBatch[]>();
  /** Called before each history answer (e.g. to advance a fake stopwatch: a slow backfill). */
  onHistory: () => void = () => undefined;
  poll(): Promise<readonly SeriesBatch[]> {
    if (this.fail) return Promise.reject(this.fail);
    const b = this.next;
    this.next = [];
    return Promise.resolve(b);
  }
  history(
    query: QueryConfig,
    windowMs: number,
    nowMs: number,
    onBatch: (batch: SeriesBatch) => void,
    expectedSeries?: number,
  ): Promise<void> {
    this.historyCalls.push({ query: query.name, windowMs, nowMs, expectedSeries });
    this.onHistory();
    for (const b of this.histories.get(query.name) ?? []) onBatch(b);
    return Promise.resolve();
  }
}

export class MemorySink implements Sink {
  records: PointRecord[] = [];
  events: EpisodeEvent[] = [];
  closed = false;
  write(records: readonly PointRecord[]): void {
    this.records.push(...records);
  }
  writeEpisodeEvents(events: readonly EpisodeEvent[]): void {
    this.events.push(...events);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  stats(): SinkStats {
    return {
      points: { written: this.records.length, retried: 0, spooled: 0, dead_letter: 0, dropped: 0 },
      bufferPoints: 0,
      spoolBytes: 0,
      healthy: true,
    };
  }
}

export function batch(
  query: string,
  labels: Labels,
  startMs: number,
  stepMs: number,
  values: number[],
): SeriesBatch {
  return { query, labels, samples: values.map((value, i) => ({ timestampMs: startMs + i * stepMs, value })) };
}
