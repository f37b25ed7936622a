import { CircuitBreaker, type CircuitBreakerOptions } from '../../../../src/sources/circuitBreaker';

// The breaker lives in src/sources/ but is tested with the Prometheus source that it protects.
function setup(overrides: Partial<CircuitBreakerOptions> = {}) {
  let now = 1_000_000;
  const clock = { nowMs: () => now };
  const breaker = new CircuitBreaker(
    { failures: 3, probeInitialMs: 5_000, probeMaxMs: 40_000, ...overrides },
    clock,
  );
  return {
    breaker,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('CircuitBreaker', () => {
  it('stays closed below the failure threshold and lets every attempt through', () => {
    const { breaker } = setup();
    expect(breaker.recordFailure()).toBe('closed');
    expect(breaker.recordFailure()).toBe('closed');
    expect(breaker.state).toBe('closed');
    expect(breaker.shouldProbe()).toBe(true);
    expect(breaker.nextProbeAtMs).toBeUndefined();
  });

  it('opens at the third consecutive failure and waits 5 s before the first probe', () => {
    const { breaker, advance, now } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.recordFailure()).toBe('open');
    expect(breaker.openedAtMs).toBe(now());
    expect(breaker.shouldProbe()).toBe(false);
    advance(4_999);
    expect(breaker.shouldProbe()).toBe(false);
    advance(1);
    expect(breaker.shouldProbe()).toBe(true);
  });

  it('a success in between resets the failure count', () => {
    const { breaker } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(2);
  });

  it('doubles the delay after each failed probe (5 s, 10 s, 20 s, 40 s) and caps it', () => {
    const { breaker, advance, now } = setup();
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    const delays: number[] = [];
    for (let probe = 0; probe < 6; probe++) {
      const due = breaker.nextProbeAtMs;
      if (due === undefined) throw new Error('an open breaker must have a probe time');
      delays.push(due - now());
      advance(due - now());
      expect(breaker.shouldProbe()).toBe(true);
      expect(breaker.recordFailure()).toBe('open');
      expect(breaker.shouldProbe()).toBe(false);
    }
    expect(delays).toEqual([5_000, 10_000, 20_000, 40_000, 40_000, 40_000]);
  });

  it('closes on a successful probe and starts the backoff afresh next time', () => {
    const { breaker, advance, now } = setup();
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    advance(5_000);
    breaker.recordFailure(); // probe failed: next in 10 s
    advance(10_000);
    expect(breaker.recordSuccess()).toBe('closed');
    expect(breaker.nextProbeAtMs).toBeUndefined();
    expect(breaker.openedAtMs).toBeUndefined();
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    expect(breaker.nextProbeAtMs).toBe(now() + 5_000);
  });

  it('shortens delays by a deterministic jitter when asked', () => {
    const { breaker, now } = setup({ jitterRatio: 0.5, random: () => 0.5 });
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    expect(breaker.nextProbeAtMs).toBe(now() + 3_750);
  });

  it('rejects options that make no sense, naming them', () => {
    const clock = { nowMs: () => 0 };
    expect(
      () => new CircuitBreaker({ failures: 0, probeInitialMs: 5_000, probeMaxMs: 60_000 }, clock),
    ).toThrow('breaker failures must be an integer >= 1, got 0');
    expect(
      () => new CircuitBreaker({ failures: 3, probeInitialMs: 5_000, probeMaxMs: 1_000 }, clock),
    ).toThrow('probeMaxMs must be >= probeInitialMs (5000), got 1000');
  });
});
