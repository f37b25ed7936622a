import type { Clock } from '../../../src/domain/clock';
import type { Scheduler, TimerHandle } from '../../../src/sinks/scheduler';

interface FakeTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A manual clock + scheduler: time moves only when the test says so, timers fire in due order. Combined
 * with `InfluxSink.whenIdle()` it advances time only while the sink waits on a timer, never on I/O.
 */
export class FakeTime implements Scheduler {
  private now: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];
  readonly clock: Clock = { nowMs: () => this.now };

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const t: FakeTimer = { id: this.nextId++, dueMs: this.now + Math.max(0, delayMs), fn, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  /** Due time of the earliest live timer. */
  nextDueMs(): number | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: FakeTimer | undefined;
    for (const t of this.timers)
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id)) best = t;
    return best?.dueMs;
  }

  /** Moves to the earliest timer's due time and fires it; false when no timer is pending. */
  runNext(): boolean {
    const due = this.nextDueMs();
    if (due === undefined) return false;
    const t = this.timers.find((x) => x.dueMs === due && !x.cancelled);
    if (t === undefined) return false;
    this.timers = this.timers.filter((x) => x !== t);
    this.now = Math.max(this.now, t.dueMs);
    t.fn();
    return true;
  }

  /** Moves the clock without firing anything (only valid when no timer is due before `ms`). */
  setNow(ms: number): void {
    this.now = ms;
  }
}

/** Something whose I/O we can wait for. */
export interface Idler {
  whenIdle(): Promise<void>;
}

/**
 * Advances fake time by `ms`, firing timers in order and letting the sink finish its I/O after each one.
 */
export async function advance(time: FakeTime, sink: Idler, ms: number): Promise<void> {
  const end = time.nowMs() + ms;
  for (;;) {
    await sink.whenIdle();
    const due = time.nextDueMs();
    if (due === undefined || due > end) break;
    time.runNext();
  }
  time.setNow(end);
}

/**
 * Runs timers (and the sink's I/O between them) until `promise` settles; returns its value. Throws when
 * the promise is still pending with no timer left (a hang), or after `maxTimers` timers.
 */
export async function runUntil<T>(
  time: FakeTime,
  sink: Idler,
  promise: Promise<T>,
  maxTimers = 100_000,
): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < maxTimers; i += 1) {
    await sink.whenIdle();
    if (settled) return promise;
    if (!time.runNext()) throw new Error('runUntil: promise pending but no timer left');
  }
  throw new Error(`runUntil: still pending after ${maxTimers} timers`);
}
