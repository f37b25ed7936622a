import type { Clock } from '../../../src/domain/clock';
import type { Logger } from '../../../src/domain/logger';
import { AutoSource, type SourceBatch, type SwitchableSource } from '../../../src/sources/autoSource';
import { CircuitBreaker } from '../../../src/sources/circuitBreaker';
import { collect } from '../../helpers/collect';

const SECOND_MS = 1_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

class FakeClock implements Clock {
  constructor(private t: number) {}
  nowMs(): number {
    return this.t;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

interface LogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly meta?: Record<string, unknown>;
}

function recordingLogger(): Logger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, meta?: Record<string, unknown>): void => {
      entries.push(meta === undefined ? { level, message } : { level, message, meta });
    };
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** A source whose answers the test controls; it records when it was asked. */
class FakeSource implements SwitchableSource {
  /** `nowMs` of every poll() call. */
  readonly polls: number[] = [];
  /** `[query, windowMs, nowMs]` of every history() call. */
  readonly histories: Array<[string, number, number]> = [];
  up = true;
  /** When set, polls fail with this error instead of the generic one. */
  failWith: Error | undefined;

  constructor(readonly mode: 'prometheus' | 'simulator') {}

  batchesAt(nowMs: number): SourceBatch[] {
    return [{ query: 'cpu', labels: { from: this.mode }, samples: [{ timestampMs: nowMs, value: 1 }] }];
  }

  poll(nowMs: number): Promise<readonly SourceBatch[]> {
    this.polls.push(nowMs);
    if (!this.up) return Promise.reject(this.failWith ?? new Error(`${this.mode} connection refused`));
    return Promise.resolve(this.batchesAt(nowMs));
  }

  history(
    query: { readonly name: string },
    windowMs: number,
    nowMs: number,
    onBatch: (batch: SourceBatch) => void,
  ): Promise<void> {
    this.histories.push([query.name, windowMs, nowMs]);
    onBatch({
      query: query.name,
      labels: { from: this.mode },
      samples: [{ timestampMs: nowMs - 1, value: 2 }],
    });
    return Promise.resolve();
  }
}

interface Rig {
  readonly clock: FakeClock;
  readonly prometheus: FakeSource;
  readonly simulator: FakeSource;
  readonly breaker: CircuitBreaker;
  readonly logger: ReturnType<typeof recordingLogger>;
  readonly errors: unknown[];
  readonly auto: AutoSource;
  /** Moves the clock to `T0 + seconds` and polls there. */
  tick(seconds: number): Promise<readonly SourceBatch[]>;
}

function rig(breakerFailures = 3): Rig {
  const clock = new FakeClock(T0);
  const prometheus = new FakeSource('prometheus');
  const simulator = new FakeSource('simulator');
  const breaker = new CircuitBreaker(
    { failures: breakerFailures, probeInitialMs: 5 * SECOND_MS, probeMaxMs: 20 * SECOND_MS },
    clock,
  );
  const logger = recordingLogger();
  const errors: unknown[] = [];
  const auto = new AutoSource(prometheus, simulator, breaker, clock, logger, (e) => errors.push(e));
  return {
    clock,
    prometheus,
    simulator,
    breaker,
    logger,
    errors,
    auto,
    tick: (seconds) => {
      clock.set(T0 + seconds * SECOND_MS);
      return auto.poll(T0 + seconds * SECOND_MS);
    },
  };
}

const secondsOf = (calls: readonly number[]): number[] => calls.map((ms) => (ms - T0) / SECOND_MS);

describe('AutoSource (source: auto)', () => {
  it('reads Prometheus while it answers and never touches the simulator', async () => {
    const r = rig();
    for (let s = 0; s < 5; s++) expect(await r.tick(s)).toEqual(r.prometheus.batchesAt(T0 + s * SECOND_MS));
    expect(secondsOf(r.prometheus.polls)).toEqual([0, 1, 2, 3, 4]);
    expect(r.simulator.polls).toEqual([]);
    expect(r.auto.mode).toBe('prometheus');
    expect(r.logger.entries).toEqual([]);
  });

  it('serves the simulator within the failing cycle, reporting the error and logging at WARN', async () => {
    const r = rig();
    await r.tick(0);
    r.prometheus.up = false;
    const batches = await r.tick(1);

    expect(batches).toEqual(r.simulator.batchesAt(T0 + SECOND_MS));
    expect(r.auto.mode).toBe('simulator');
    expect(secondsOf(r.prometheus.polls)).toEqual([0, 1]);
    expect(secondsOf(r.simulator.polls)).toEqual([1]);
    expect(r.errors).toHaveLength(1);
    expect((r.errors[0] as Error).message).toBe('prometheus connection refused');
    // The breaker is not open yet (1 of 3 failures): the next poll asks Prometheus again.
    expect(r.breaker.state).toBe('closed');
    const warnings = r.logger.entries.filter((e) => e.level === 'warn').map((e) => e.message);
    expect(warnings).toEqual([
      'Prometheus unreachable; serving simulated data this cycle',
      'simulated data (source=simulator)',
    ]);
    expect(r.logger.entries[0].meta).toMatchObject({
      error: 'prometheus connection refused',
      breaker: 'closed',
      next_probe: 'next cycle',
    });
  });

  it('passes a poll cancelled by shutdown (kind aborted) through: no simulated data, no breaker failure', async () => {
    const r = rig();
    await r.tick(0);
    r.prometheus.up = false;
    r.prometheus.failWith = Object.assign(new Error('cancelled: anomalyd is shutting down'), {
      kind: 'aborted',
    });
    await expect(r.tick(1)).rejects.toMatchObject({ kind: 'aborted' });
    expect(r.simulator.polls).toEqual([]);
    expect(r.errors).toEqual([]);
    expect(r.auto.mode).toBe('prometheus');
  });

  it('stops asking Prometheus on every tick once the breaker opens, and probes on the backoff schedule', async () => {
    const r = rig(3);
    r.prometheus.up = false;
    for (let s = 0; s <= 80; s++) {
      const batches = await r.tick(s);
      // Every tick still produces data: the simulator's.
      expect(batches).toEqual(r.simulator.batchesAt(T0 + s * SECOND_MS));
    }
    // Failures at 0, 1, 2 open the breaker at 2 s; probes follow at +5 s, then +10 s, then +20 s (the cap).
    expect(secondsOf(r.prometheus.polls)).toEqual([0, 1, 2, 7, 17, 37, 57, 77]);
    expect(r.simulator.polls).toHaveLength(81);
    expect(r.errors).toHaveLength(8);
    expect(r.breaker.state).toBe('open');
    expect(r.breaker.nextProbeAtMs).toBe(T0 + 97 * SECOND_MS);
    const opened = r.logger.entries.find((e) => e.meta?.breaker === 'open');
    expect(opened?.meta?.next_probe).toBe(new Date(T0 + 7 * SECOND_MS).toISOString());
  });

  it('switches back to Prometheus on the first successful probe', async () => {
    const r = rig(2);
    r.prometheus.up = false;
    for (let s = 0; s <= 3; s++) await r.tick(s); // opens at 1 s; first probe due at 6 s
    r.prometheus.up = true;
    expect(await r.tick(4)).toEqual(r.simulator.batchesAt(T0 + 4 * SECOND_MS)); // not yet due: not asked
    expect(secondsOf(r.prometheus.polls)).toEqual([0, 1]);

    expect(await r.tick(6)).toEqual(r.prometheus.batchesAt(T0 + 6 * SECOND_MS));
    expect(r.auto.mode).toBe('prometheus');
    expect(r.breaker.state).toBe('closed');
    expect(r.logger.entries.map((e) => e.message)).toContain(
      'Prometheus answers again; switched back from the simulator',
    );
    // Closed again: asked on every tick, the simulator no more.
    await r.tick(7);
    await r.tick(8);
    expect(secondsOf(r.prometheus.polls)).toEqual([0, 1, 6, 7, 8]);
    expect(secondsOf(r.simulator.polls)).toEqual([0, 1, 2, 3, 4]);
  });

  it('history() follows the current mode', async () => {
    const r = rig(3);
    const q = { name: 'cpu' };
    await r.tick(0);
    expect(await collect((on) => r.auto.history(q, 60_000, T0, on))).toEqual([
      { query: 'cpu', labels: { from: 'prometheus' }, samples: [{ timestampMs: T0 - 1, value: 2 }] },
    ]);
    r.prometheus.up = false;
    await r.tick(1);
    expect(await collect((on) => r.auto.history(q, 60_000, T0 + SECOND_MS, on))).toEqual([
      {
        query: 'cpu',
        labels: { from: 'simulator' },
        samples: [{ timestampMs: T0 + SECOND_MS - 1, value: 2 }],
      },
    ]);
    r.prometheus.up = true;
    await r.tick(2);
    await collect((on) => r.auto.history(q, 60_000, T0 + 2 * SECOND_MS, on));
    expect(r.prometheus.histories).toEqual([
      ['cpu', 60_000, T0],
      ['cpu', 60_000, T0 + 2 * SECOND_MS],
    ]);
    expect(r.simulator.histories).toEqual([['cpu', 60_000, T0 + SECOND_MS]]);
  });
});
