import type { Clock } from '../domain/clock';
import type { Logger } from '../domain/logger';
import type { Labels } from '../domain/series';
import type { Sample } from '../domain/timeSeries';
import type { CircuitBreaker } from './circuitBreaker';

export interface SourceBatch {
  readonly query: string;
  readonly labels: Labels;
  readonly samples: readonly Sample[];
  /** History as a regular grid (the simulator's backfill). */
  readonly grid?: { readonly startMs: number; readonly stepMs: number; readonly values: ArrayLike<number> };
}

/** What AutoSource switches between (the Prometheus and simulator adapters have this shape). */
export interface SwitchableSource {
  readonly mode: 'prometheus' | 'simulator';
  poll(nowMs: number): Promise<readonly SourceBatch[]>;
  history(
    query: { readonly name: string },
    windowMs: number,
    nowMs: number,
    onBatch: (batch: SourceBatch) => void,
    expectedSeries?: number,
  ): Promise<void>;
}

/**
 * `source: auto`. Reads Prometheus while it answers; when a poll fails, serves the simulator for that same
 * cycle (so the switch takes effect within one cycle), and once the breaker opens stops asking Prometheus
 * on every tick: it probes on the breaker's backoff schedule and switches back on the first answer.
 */
export class AutoSource {
  private current: 'prometheus' | 'simulator' = 'prometheus';

  constructor(
    private readonly prometheus: SwitchableSource,
    private readonly simulator: SwitchableSource,
    private readonly breaker: CircuitBreaker,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onPrometheusError: (err: unknown) => void,
  ) {}

  get mode(): 'prometheus' | 'simulator' {
    return this.current;
  }

  async poll(nowMs: number): Promise<readonly SourceBatch[]> {
    if (this.breaker.state === 'closed' || this.breaker.shouldProbe(this.clock.nowMs())) {
      try {
        const batches = await this.prometheus.poll(nowMs);
        this.breaker.recordSuccess();
        if (this.current === 'simulator')
          this.logger.warn('Prometheus answers again; switched back from the simulator');
        this.current = 'prometheus';
        return batches;
      } catch (err) {
        // Shutting down: not an outage, and nothing should be simulated for it.
        if (isAbort(err)) throw err;
        this.onPrometheusError(err);
        const state = this.breaker.recordFailure();
        const nextProbe = this.breaker.nextProbeAtMs;
        this.logger.warn('Prometheus unreachable; serving simulated data this cycle', {
          error: err instanceof Error ? err.message : String(err),
          breaker: state,
          next_probe:
            state === 'open' && nextProbe !== undefined ? new Date(nextProbe).toISOString() : 'next cycle',
        });
      }
    }
    this.current = 'simulator';
    const batches = await this.simulator.poll(nowMs);
    this.logger.warn('simulated data (source=simulator)', { series: batches.length });
    return batches;
  }

  history(
    query: { readonly name: string },
    windowMs: number,
    nowMs: number,
    onBatch: (batch: SourceBatch) => void,
    expectedSeries?: number,
  ): Promise<void> {
    const source = this.current === 'prometheus' ? this.prometheus : this.simulator;
    return source.history(query, windowMs, nowMs, onBatch, expectedSeries);
  }
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && 'kind' in err && err.kind === 'aborted';
}
