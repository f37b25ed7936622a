/**
 * A circuit breaker for the Prometheus source (pure: time comes from an injected Clock).
 *
 * `closed` → `open` after `failures` consecutive failures. While open, {@link CircuitBreaker.shouldProbe}
 * says when to try the source again: `probeInitialMs` after opening, then after each failed probe the delay
 * doubles up to `probeMaxMs`. A success in any state closes it and resets the backoff. In `auto` mode the
 * daemon serves the simulator while the breaker is open.
 */
import type { Clock } from '../domain/clock';

/** `closed`: use the source. `open`: the source is considered down; only probe it when told to. */
export type CircuitState = 'closed' | 'open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; integer >= 1 (config `prometheus.breakerFailures`). */
  readonly failures: number;
  /** Delay before the first probe after opening, ms (> 0). */
  readonly probeInitialMs: number;
  /** Cap on the probe delay, ms (>= probeInitialMs). */
  readonly probeMaxMs: number;
  /**
   * Fraction in [0, 1) by which a probe delay may be shortened at random (`delay · (1 − ratio · random())`),
   * so several daemons do not probe in lockstep. Default 0: no jitter.
   */
  readonly jitterRatio?: number;
  /** Uniform [0, 1) source for the jitter; pass a seeded one (e.g. `Random.next`) to stay deterministic. */
  readonly random?: () => number;
}

/** Defaults of the optional {@link CircuitBreakerOptions}. */
export const DEFAULT_CIRCUIT_BREAKER_OPTIONS = { jitterRatio: 0 } as const;

/** See the module comment. */
export class CircuitBreaker {
  private readonly failuresToOpen: number;
  private readonly probeInitialMs: number;
  private readonly probeMaxMs: number;
  private readonly jitterRatio: number;
  private readonly random: () => number;
  private readonly clock: Clock;

  private currentState: CircuitState = 'closed';
  private failures = 0;
  /** Probes that failed since the breaker opened; drives the backoff exponent. */
  private failedProbes = 0;
  private nextProbeMs: number | undefined;
  private openedMs: number | undefined;

  constructor(options: CircuitBreakerOptions, clock: Clock) {
    const o = { ...DEFAULT_CIRCUIT_BREAKER_OPTIONS, random: Math.random, ...options };
    if (!Number.isInteger(o.failures) || o.failures < 1) {
      throw new RangeError(`breaker failures must be an integer >= 1, got ${o.failures}`);
    }
    if (!(o.probeInitialMs > 0)) throw new RangeError(`probeInitialMs must be > 0, got ${o.probeInitialMs}`);
    if (!(o.probeMaxMs >= o.probeInitialMs)) {
      throw new RangeError(`probeMaxMs must be >= probeInitialMs (${o.probeInitialMs}), got ${o.probeMaxMs}`);
    }
    if (!(o.jitterRatio >= 0 && o.jitterRatio < 1)) {
      throw new RangeError(
        `jitterRatio must be between 0 (inclusive) and 1 (exclusive), got ${o.jitterRatio}`,
      );
    }
    this.failuresToOpen = o.failures;
    this.probeInitialMs = o.probeInitialMs;
    this.probeMaxMs = o.probeMaxMs;
    this.jitterRatio = o.jitterRatio;
    this.random = o.random;
    this.clock = clock;
  }

  /** Current state (for the `anomalyd_source_mode` gauge and the auto-mode switch). */
  get state(): CircuitState {
    return this.currentState;
  }

  /** Failures in a row since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** When the next probe is due (epoch ms) while open; undefined while closed. */
  get nextProbeAtMs(): number | undefined {
    return this.nextProbeMs;
  }

  /** When the breaker last opened (epoch ms); undefined while closed. */
  get openedAtMs(): number | undefined {
    return this.openedMs;
  }

  /**
   * Whether the source should be tried now: always while closed; while open, once the probe time is due.
   * A pure query — call {@link recordSuccess} or {@link recordFailure} with the outcome of the attempt.
   */
  shouldProbe(nowMs: number = this.clock.nowMs()): boolean {
    return this.currentState === 'closed' || nowMs >= (this.nextProbeMs ?? -Infinity);
  }

  /** The source answered: close the breaker and reset the backoff. Returns the new state. */
  recordSuccess(): CircuitState {
    this.currentState = 'closed';
    this.failures = 0;
    this.failedProbes = 0;
    this.nextProbeMs = undefined;
    this.openedMs = undefined;
    return this.currentState;
  }

  /**
   * The source failed (a poll or a probe). Opens the breaker at the `failures`-th failure in a row; while
   * open, schedules the next probe with a doubled delay. Returns the new state.
   */
  recordFailure(): CircuitState {
    const nowMs = this.clock.nowMs();
    this.failures++;
    if (this.currentState === 'open') {
      this.failedProbes++;
      this.nextProbeMs = nowMs + this.probeDelayMs();
    } else if (this.failures >= this.failuresToOpen) {
      this.currentState = 'open';
      this.openedMs = nowMs;
      this.failedProbes = 0;
      this.nextProbeMs = nowMs + this.probeDelayMs();
    }
    return this.currentState;
  }

  /** Delay before the next probe: probeInitialMs · 2^failedProbes, capped, minus optional jitter. */
  private probeDelayMs(): number {
    // Cap the exponent too so a breaker open for days never computes 2^large.
    const base = Math.min(this.probeMaxMs, this.probeInitialMs * 2 ** Math.min(this.failedProbes, 52));
    return this.jitterRatio === 0 ? base : Math.round(base * (1 - this.jitterRatio * this.random()));
  }
}
