/**
 * The timer port. Sinks never call `setTimeout` directly: batching, back-off and shutdown deadlines go
 * through a Scheduler so tests drive time with a fake one instead of sleeping.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Scheduler {
  /** Runs `fn` once after `delayMs` (>= 0) milliseconds. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
}

/**
 * The real scheduler. Timers are `unref`'d: a pending flush or back-off must not keep the process alive
 * on its own (close() is what guarantees delivery or spooling before exit).
 */
export const systemScheduler: Scheduler = {
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
