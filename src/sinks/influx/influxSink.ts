import type { Clock } from '../../domain/clock';
import type { Logger } from '../../domain/logger';
import type { InfluxConfig } from '../../config/types';
import { toLines, type SkipCounter } from '../lineProtocol';
import { systemScheduler, type Scheduler, type TimerHandle } from '../scheduler';
import type { EpisodeEvent, PointRecord, Sink, SinkResult, SinkStats } from '../types';
import { classifyWriteError, nextDelayMs, type WriteFailure } from './retry';
import { appendDeadLetter, Spool, type SpoolSegment } from './spool';
import { createInfluxTransport, type InfluxTransport } from './transport';

/** Ports of {@link InfluxSink}. */
export interface InfluxSinkDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Timers for batching, back-off and the close deadline; defaults to real (unref'd) timers. */
  readonly scheduler?: Scheduler;
  /** HTTP seam; defaults to the influxdb-client node transport over `config.url`. */
  readonly transport?: InfluxTransport;
  /** Uniform [0,1) source for back-off jitter; defaults to Math.random. */
  readonly random?: () => number;
}

/** The settings the sink uses (InfluxConfig minus `enabled`/`shutdownTimeoutMs`, which the caller applies). */
export type InfluxSinkConfig = Omit<InfluxConfig, 'enabled' | 'shutdownTimeoutMs'>;

interface Batch {
  readonly seq: number;
  readonly lines: readonly string[];
}

type Job =
  | { readonly kind: 'memory'; readonly batch: Batch; readonly startMs: number; retries: number }
  | { readonly kind: 'spool'; readonly seg: SpoolSegment; readonly lines: readonly string[] };

type Outcome = { readonly kind: 'ok' } | WriteFailure;

const ZERO_COUNTS: Readonly<Record<SinkResult, number>> = {
  written: 0,
  retried: 0,
  spooled: 0,
  dead_letter: 0,
  dropped: 0,
};

/**
 * Writes scored points to InfluxDB 2 (`/api/v2/write`, precision ms) without ever blocking or losing them.
 *
 * - `write()` converts to line protocol and buffers; a batch is cut at `batchSize` lines or after
 *   `flushIntervalMs`. Batches are delivered one at a time, in order.
 * - 429, 5xx, timeouts and network errors are retried with exponential back-off and jitter
 *   (`retryInitialMs`..`retryMaxMs`), honouring `Retry-After` (seconds or HTTP-date), up to `maxRetries`
 *   retries and `retryBudgetMs` per batch.
 * - Any other 4xx is not retried: the batch goes to `deadLetterFile`, the server's message is logged,
 *   `dead_letter` counted, and the sink carries on.
 * - Past the retry budget, or when memory holds more than `maxBufferPoints`, batches are spooled to
 *   `spoolDir` (fsync'd segments, bounded by `spoolMaxBytes`; past that the batch is `dropped` and logged as
 *   an error). While the spool is non-empty, new batches are spooled too and the spool is replayed oldest
 *   first, so delivery stays in order — also across restarts (a new sink over the same dir replays it).
 * - `close(timeoutMs)` stops accepting, delivers what it can before the deadline and spools the rest.
 *
 * Delivery is at-least-once: a request that timed out or was cut off by close() may have been stored by the
 * server and is sent again (from memory or the spool). Replays carry identical series, timestamps and
 * fields, and InfluxDB overwrites identical points, so a duplicate is not visible in queries.
 *
 * Counters (`stats().points`, in lines = InfluxDB points): `written` delivered (including replays from the
 * spool), `spooled` put on disk, `retried` re-sent after a retryable failure (once per retry), `dead_letter`
 * rejected by the server, `dropped` lost (spool full, written after close, or not representable).
 * The pipeline polls `stats()`; nothing is pushed.
 */
export class InfluxSink implements Sink {
  private readonly cfg: InfluxSinkConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  private readonly transport: InfluxTransport;
  private readonly random: () => number;
  private readonly spool: Spool;

  private readonly counts: Record<SinkResult, number> = { ...ZERO_COUNTS };
  private readonly skipped: SkipCounter = { fields: 0, lines: 0 };
  /** Lines not yet cut into a batch. */
  private pending: string[] = [];
  /** Batches waiting in memory (only while the spool is empty). */
  private readonly queue: Batch[] = [];
  /** The memory batch being delivered (including its back-off waits); settled when undefined. */
  private current: Batch | undefined;
  private nextSeq: number;
  private flushTimer: TimerHandle | undefined;
  private healthy = true;
  /** Consecutive retryable failures, across batches: back-off keeps growing through an outage. */
  private failureStreak = 0;

  private pumpPromise: Promise<void> | undefined;
  private sleeper: { readonly timer: TimerHandle; readonly wake: () => void } | undefined;
  private inFlight: Promise<unknown> | undefined;
  private abortController: AbortController | undefined;
  private flushWaiters: Array<{ readonly seq: number; readonly resolve: () => void }> = [];

  private accepting = true;
  /** close() requested: retryable failures spool at once instead of waiting. */
  private closing = false;
  /** close() deadline passed or finished: the delivery loop must stop. */
  private stopped = false;
  private closePromise: Promise<void> | undefined;

  constructor(config: InfluxSinkConfig, deps: InfluxSinkDeps) {
    this.cfg = config;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.scheduler = deps.scheduler ?? systemScheduler;
    this.random = deps.random ?? Math.random;
    this.transport =
      deps.transport ??
      createInfluxTransport({
        url: config.url,
        token: config.token,
        org: config.org,
        bucket: config.bucket,
        requestTimeoutMs: config.requestTimeoutMs,
      });
    this.spool = new Spool(config.spoolDir, config.spoolMaxBytes);
    this.nextSeq = this.spool.maxSeq() + 1;
    if (this.spool.size > 0) {
      this.logger.info('influx sink: replaying spool left by an earlier run', {
        spoolDir: config.spoolDir,
        segments: this.spool.size,
        spoolBytes: this.spool.bytes,
      });
      this.kick();
    }
  }

  write(records: readonly PointRecord[]): void {
    const skippedBefore = { ...this.skipped };
    const lines: string[] = [];
    for (const r of records) {
      for (const l of toLines(r, { tagAllowlist: this.cfg.tagAllowlist, skipped: this.skipped }))
        lines.push(l);
    }
    const skippedLines = this.skipped.lines - skippedBefore.lines;
    const skippedFields = this.skipped.fields - skippedBefore.fields;
    if (skippedLines > 0 || skippedFields > 0) {
      this.counts.dropped += skippedLines;
      // A whole line lost is worth a warning; a single NaN bound inside a line is routine, hence debug.
      const log = skippedLines > 0 ? this.logger.warn.bind(this.logger) : this.logger.debug.bind(this.logger);
      log('influx sink: NaN/Infinity values cannot be written; left out', {
        fields: skippedFields,
        lines: skippedLines,
        totalFields: this.skipped.fields,
        totalLines: this.skipped.lines,
      });
    }
    if (lines.length === 0) return;
    if (!this.accepting) {
      this.counts.dropped += lines.length;
      this.logger.error('influx sink: write after close; points dropped', { points: lines.length });
      return;
    }
    for (const l of lines) this.pending.push(l);
    while (this.pending.length >= this.cfg.batchSize) this.cutBatch(this.cfg.batchSize);
    if (this.pending.length > 0 && this.flushTimer === undefined) {
      this.flushTimer = this.scheduler.setTimeout(() => {
        this.flushTimer = undefined;
        this.cutAll();
        this.kick();
      }, this.cfg.flushIntervalMs);
    }
    this.enforceMemoryBound();
    this.kick();
  }

  /** Episode events are not written to InfluxDB (the `anomaly` measurement carries `episode_id`). */
  writeEpisodeEvents(_events: readonly EpisodeEvent[]): void {
    // Deliberately nothing: episodes are reconstructed from the anomaly points; the file sink keeps a log.
  }

  flush(): Promise<void> {
    this.cutAll();
    const target = this.nextSeq - 1;
    const done = new Promise<void>((resolve) => this.flushWaiters.push({ seq: target, resolve }));
    this.kick();
    this.settleWaiters();
    return done;
  }

  close(timeoutMs: number): Promise<void> {
    this.closePromise ??= this.doClose(timeoutMs);
    return this.closePromise;
  }

  stats(): SinkStats {
    return {
      points: { ...this.counts },
      bufferPoints: this.bufferPoints(),
      spoolBytes: this.spool.bytes,
      healthy: this.healthy,
    };
  }

  /**
   * Resolves once no HTTP request is in flight: the sink is idle or waiting on a timer. Lets tests step a
   * fake scheduler deterministically (advance only when the sink waits on time, never on I/O).
   */
  async whenIdle(): Promise<void> {
    for (;;) {
      const p = this.inFlight;
      if (p !== undefined) await p.catch(() => undefined);
      // Let the delivery loop's continuation run (it may start the next request) before judging.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.inFlight === undefined) return;
    }
  }

  // ---- batching and memory ------------------------------------------------------------------------------

  private bufferPoints(): number {
    let n = this.pending.length + (this.current?.lines.length ?? 0);
    for (const b of this.queue) n += b.lines.length;
    return n;
  }

  private cutBatch(size: number): void {
    const lines = this.pending.splice(0, size);
    if (lines.length === 0) return;
    const batch: Batch = { seq: this.nextSeq++, lines };
    if (this.spool.size > 0) {
      // Outage (or replay) in progress: keep order by queueing behind the spool, on disk.
      this.spoolBatch(batch, 'spool not yet replayed');
    } else {
      this.queue.push(batch);
    }
  }

  private cutAll(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    while (this.pending.length > 0) this.cutBatch(this.cfg.batchSize);
  }

  private enforceMemoryBound(): void {
    if (this.bufferPoints() <= this.cfg.maxBufferPoints) return;
    this.cutAll();
    const points = this.queue.reduce((n, b) => n + b.lines.length, 0);
    this.logger.warn('influx sink: in-memory buffer over max_buffer_points; spooling queued batches', {
      bufferPoints: this.bufferPoints(),
      maxBufferPoints: this.cfg.maxBufferPoints,
      spooling: points,
    });
    this.spoolQueue('buffer over max_buffer_points');
  }

  private spoolQueue(reason: string): void {
    for (const b of this.queue.splice(0)) this.spoolBatch(b, reason);
  }

  private spoolBatch(batch: Batch, reason: string): void {
    let ok = false;
    try {
      ok = this.spool.append(batch.seq, batch.lines);
    } catch (err) {
      this.logger.error('influx sink: cannot write spool segment', {
        spoolDir: this.cfg.spoolDir,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    if (ok) {
      this.counts.spooled += batch.lines.length;
      this.logger.debug('influx sink: batch spooled', { seq: batch.seq, points: batch.lines.length, reason });
    } else {
      this.counts.dropped += batch.lines.length;
      this.logger.error('influx sink: SPOOL FULL OR UNWRITABLE - POINTS DROPPED', {
        points: batch.lines.length,
        droppedTotal: this.counts.dropped,
        spoolDir: this.cfg.spoolDir,
        spoolBytes: this.spool.bytes,
        spoolMaxBytes: this.cfg.spoolMaxBytes,
        reason,
      });
    }
    this.settleWaiters();
  }

  private settleWaiters(): void {
    const oldest = Math.min(this.current?.seq ?? Infinity, this.queue[0]?.seq ?? Infinity);
    const keep: typeof this.flushWaiters = [];
    for (const w of this.flushWaiters) {
      if (w.seq < oldest) w.resolve();
      else keep.push(w);
    }
    this.flushWaiters = keep;
  }

  // ---- delivery loop ------------------------------------------------------------------------------------

  private kick(): void {
    if (this.pumpPromise !== undefined || this.stopped) return;
    this.pumpPromise = this.pump()
      .catch((err: unknown) => {
        this.logger.error('influx sink: delivery loop failed; retrying later', {
          error: err instanceof Error ? err.message : String(err),
        });
        this.scheduler.setTimeout(() => this.kick(), this.cfg.retryMaxMs);
      })
      .finally(() => {
        this.pumpPromise = undefined;
        // A batch queued while the loop was returning would otherwise wait for the next write.
        if (this.queue.length > 0 && !this.stopped) this.kick();
      });
  }

  private nextJob(): Job | undefined {
    for (;;) {
      const seg = this.spool.oldest();
      if (seg === undefined) break;
      let lines: string[];
      try {
        lines = this.spool.read(seg);
      } catch (err) {
        this.logger.error('influx sink: unreadable spool segment skipped', {
          file: seg.file,
          error: err instanceof Error ? err.message : String(err),
        });
        this.spool.remove(seg);
        continue;
      }
      if (lines.length === 0) {
        this.spool.remove(seg);
        continue;
      }
      return { kind: 'spool', seg, lines };
    }
    const batch = this.queue.shift();
    if (batch === undefined) return undefined;
    this.current = batch;
    return { kind: 'memory', batch, startMs: this.clock.nowMs(), retries: 0 };
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const job = this.nextJob();
      if (job === undefined) return;
      const lines = job.kind === 'memory' ? job.batch.lines : job.lines;
      for (;;) {
        const outcome = await this.send(lines);
        // After the close deadline, close() owns what is left (it spooled the in-flight memory batch).
        if (this.stopped) return;
        if (outcome.kind === 'ok') {
          this.counts.written += lines.length;
          if (!this.healthy)
            this.logger.info('influx sink: InfluxDB writes recovered', { spooled: this.spool.size });
          this.healthy = true;
          this.failureStreak = 0;
          this.finish(job);
          break;
        }
        if (outcome.kind === 'rejected') {
          this.deadLetter(lines, outcome.status, outcome.message);
          this.finish(job);
          break;
        }
        if (outcome.kind === 'aborted') return;
        const keepGoing = await this.onRetryable(job, lines.length, outcome);
        if (!keepGoing) return;
        // A memory batch that went to the spool is now the spool's oldest segment: pick it up from there.
        if (job.kind === 'memory' && this.current === undefined) break;
      }
    }
  }

  /** Handles a retryable failure; returns false when the loop must stop (closing). */
  private async onRetryable(
    job: Job,
    points: number,
    failure: Extract<WriteFailure, { kind: 'retryable' }>,
  ): Promise<boolean> {
    this.failureStreak += 1;
    if (this.healthy) {
      this.logger.warn('influx sink: InfluxDB write failed; retrying', {
        url: this.cfg.url,
        reason: failure.message,
      });
    }
    this.healthy = false;
    const delay = nextDelayMs(
      this.failureStreak,
      failure.retryAfterMs,
      { initialMs: this.cfg.retryInitialMs, maxMs: this.cfg.retryMaxMs },
      this.random,
    );
    if (job.kind === 'memory') {
      job.retries += 1;
      const elapsed = this.clock.nowMs() - job.startMs;
      const overBudget = job.retries > this.cfg.maxRetries || elapsed + delay > this.cfg.retryBudgetMs;
      if (this.closing || overBudget) {
        this.logger.warn('influx sink: InfluxDB unavailable past the retry budget; spooling to disk', {
          reason: failure.message,
          retries: job.retries - 1,
          elapsedMs: elapsed,
          spoolDir: this.cfg.spoolDir,
        });
        this.current = undefined;
        this.spoolBatch(job.batch, failure.message);
        // Everything queued behind it meets the same outage; spooling keeps it safe and in order.
        this.spoolQueue(failure.message);
        if (this.closing) return false;
      } else {
        this.counts.retried += points;
      }
    } else {
      if (this.closing) return false;
      this.counts.retried += points;
    }
    this.logger.debug('influx sink: retry scheduled', { delayMs: delay, reason: failure.message });
    await this.sleep(delay);
    return !this.stopped;
  }

  private finish(job: Job): void {
    if (job.kind === 'spool') {
      this.spool.remove(job.seg);
    } else {
      this.current = undefined;
    }
    this.settleWaiters();
  }

  private deadLetter(lines: readonly string[], status: number, message: string): void {
    // 401/403/404 reject every write (token, org, bucket): report unhealthy; a 400 rejects only this data.
    this.healthy = status === 400 || status === 413 || status === 422;
    try {
      appendDeadLetter(this.cfg.deadLetterFile, lines);
      this.counts.dead_letter += lines.length;
      this.logger.error('influx sink: InfluxDB rejected a batch; appended to the dead-letter file', {
        status,
        serverMessage: message,
        points: lines.length,
        deadLetterFile: this.cfg.deadLetterFile,
      });
    } catch (err) {
      this.counts.dropped += lines.length;
      this.logger.error(
        'influx sink: InfluxDB rejected a batch and the dead-letter file is unwritable; DROPPED',
        {
          status,
          serverMessage: message,
          points: lines.length,
          deadLetterFile: this.cfg.deadLetterFile,
          error: err instanceof Error ? err.message : String(err),
        },
      );
    }
  }

  private async send(lines: readonly string[]): Promise<Outcome> {
    const controller = new AbortController();
    this.abortController = controller;
    const request = this.transport.write(lines.join('\n'), controller.signal);
    this.inFlight = request;
    try {
      await request;
      return { kind: 'ok' };
    } catch (err) {
      return classifyWriteError(err, this.clock.nowMs());
    } finally {
      this.inFlight = undefined;
      this.abortController = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.sleeper?.timer.cancel();
        this.sleeper = undefined;
        resolve();
      };
      this.sleeper = { timer: this.scheduler.setTimeout(wake, ms), wake };
    });
  }

  // ---- shutdown -----------------------------------------------------------------------------------------

  private async doClose(timeoutMs: number): Promise<void> {
    this.accepting = false;
    this.closing = true;
    this.cutAll();
    // A sleeping loop would wait out its back-off; wake it for one last attempt within the deadline.
    this.sleeper?.wake();
    this.kick();
    let deadline: TimerHandle | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = this.scheduler.setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const drained = (async (): Promise<'drained'> => {
      while (this.pumpPromise !== undefined) await this.pumpPromise;
      return 'drained';
    })();
    const result = await Promise.race([drained, timedOut]);
    deadline?.cancel();
    this.stopped = true;
    this.sleeper?.wake();
    // Whatever is still in memory goes to disk; an in-flight request is abandoned (at-least-once).
    const inMemory: Batch[] = [];
    if (this.current !== undefined) inMemory.push(this.current);
    inMemory.push(...this.queue.splice(0));
    this.current = undefined;
    for (const b of inMemory) this.spoolBatch(b, 'shutdown');
    this.abortController?.abort();
    await drained;
    this.settleWaiters();
    this.logger.info('influx sink closed', {
      result,
      written: this.counts.written,
      spooled: this.counts.spooled,
      dropped: this.counts.dropped,
      deadLetter: this.counts.dead_letter,
      spoolSegments: this.spool.size,
      spoolBytes: this.spool.bytes,
    });
  }
}
