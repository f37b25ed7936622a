import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '../domain/clock';
import type { Logger } from '../domain/logger';
import type { FileSinkConfig } from '../config/types';
import { toLines, type SkipCounter } from './lineProtocol';
import type { EpisodeEvent, PointRecord, Sink, SinkResult, SinkStats } from './types';

/** Ports of {@link FileSink}. */
export interface FileSinkDeps {
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Line-protocol options of {@link FileSink}. */
export interface FileSinkOptions {
  /** Series labels written as tags; empty = all labels. */
  readonly tagAllowlist: readonly string[];
}

/** Name of the episode log inside `file_sink.dir`. */
export const ANOMALIES_FILE = 'anomalies.jsonl';

const LP_RE = /^points-(\d{8})\.lp$/;

function lpName(seq: number): string {
  return `points-${String(seq).padStart(8, '0')}.lp`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The embedded sink (no server): line protocol in rotated files `points-NNNNNNNN.lp` under `dir`, ready
 * for `influx write --precision ms`, plus `anomalies.jsonl` with one JSON object per episode transition.
 *
 * Every write() is one synchronous append (no user-space buffer, so a crash loses nothing already
 * returned); flush()/close() and rotation fsync. The current file is rotated once it reaches `rotateBytes`;
 * at most `maxFiles` `.lp` files are kept (the current one included) and the oldest are deleted. Deleting
 * rotated files is retention the user configured, not loss: those points were `written` and are not
 * counted again; each deletion is logged at info level with the file name and size.
 *
 * Points that cannot be written (disk full, NaN-only lines) are counted `dropped` and logged.
 */
export class FileSink implements Sink {
  private readonly counts: Record<SinkResult, number> = {
    written: 0,
    retried: 0,
    spooled: 0,
    dead_letter: 0,
    dropped: 0,
  };
  private readonly skipped: SkipCounter = { fields: 0, lines: 0 };
  private fd: number | undefined;
  private seq: number;
  private bytes = 0;
  private healthy = true;
  private closed = false;
  private filesDeleted = 0;

  constructor(
    private readonly cfg: FileSinkConfig,
    private readonly deps: FileSinkDeps,
    private readonly opts: FileSinkOptions = { tagAllowlist: [] },
  ) {
    fs.mkdirSync(cfg.dir, { recursive: true });
    const existing = this.lpFiles();
    this.seq = existing.length === 0 ? 1 : existing[existing.length - 1].seq;
    const current = path.join(cfg.dir, lpName(this.seq));
    this.bytes = fs.existsSync(current) ? fs.statSync(current).size : 0;
    if (this.bytes >= cfg.rotateBytes) {
      this.seq += 1;
      this.bytes = 0;
    }
  }

  write(records: readonly PointRecord[]): void {
    const before = this.skipped.lines;
    const lines: string[] = [];
    for (const r of records) {
      for (const l of toLines(r, { tagAllowlist: this.opts.tagAllowlist, skipped: this.skipped }))
        lines.push(l);
    }
    const skippedLines = this.skipped.lines - before;
    if (skippedLines > 0) {
      this.counts.dropped += skippedLines;
      this.deps.logger.warn('file sink: lines with only NaN/Infinity values left out', {
        lines: skippedLines,
        totalFields: this.skipped.fields,
      });
    }
    if (lines.length === 0) return;
    if (this.closed) {
      this.counts.dropped += lines.length;
      this.deps.logger.error('file sink: write after close; points dropped', { points: lines.length });
      return;
    }
    try {
      this.append(lines.join('\n') + '\n');
      this.counts.written += lines.length;
      this.healthy = true;
    } catch (err) {
      this.counts.dropped += lines.length;
      this.healthy = false;
      this.deps.logger.error('file sink: cannot write line protocol; points dropped', {
        dir: this.cfg.dir,
        points: lines.length,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  writeEpisodeEvents(events: readonly EpisodeEvent[]): void {
    if (events.length === 0) return;
    const now = iso(this.deps.clock.nowMs());
    const text = events
      .map((e) =>
        JSON.stringify({
          time: now,
          kind: e.kind,
          series: e.seriesId,
          query: e.query,
          source: e.source,
          labels: e.labels,
          id: e.episode.id,
          start: iso(e.episode.startMs),
          end: iso(e.episode.endMs),
          peakScore: e.episode.peakScore,
          severity: e.episode.severity,
          direction: e.episode.direction,
          points: e.episode.points,
          cause: e.episode.cause,
          open: e.episode.open,
        }),
      )
      .join('\n');
    try {
      fs.appendFileSync(path.join(this.cfg.dir, ANOMALIES_FILE), text + '\n');
    } catch (err) {
      this.deps.logger.error('file sink: cannot append episode events', {
        file: path.join(this.cfg.dir, ANOMALIES_FILE),
        events: events.length,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  flush(): Promise<void> {
    this.sync();
    return Promise.resolve();
  }

  close(_timeoutMs: number): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.sync();
      if (this.fd !== undefined) fs.closeSync(this.fd);
      this.fd = undefined;
    }
    return Promise.resolve();
  }

  stats(): SinkStats {
    return { points: { ...this.counts }, bufferPoints: 0, spoolBytes: 0, healthy: this.healthy };
  }

  /** Rotated files deleted since start (retention, not loss). */
  deletedFiles(): number {
    return this.filesDeleted;
  }

  private lpFiles(): Array<{ seq: number; file: string }> {
    return fs
      .readdirSync(this.cfg.dir)
      .map((name) => ({ name, m: LP_RE.exec(name) }))
      .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
      .map((x) => ({ seq: Number(x.m[1]), file: path.join(this.cfg.dir, x.name) }))
      .sort((a, b) => a.seq - b.seq);
  }

  private append(text: string): void {
    if (this.fd === undefined) {
      this.fd = fs.openSync(path.join(this.cfg.dir, lpName(this.seq)), 'a');
      this.prune();
    }
    const buf = Buffer.from(text, 'utf8');
    fs.writeSync(this.fd, buf);
    this.bytes += buf.length;
    if (this.bytes < this.cfg.rotateBytes) return;
    try {
      this.rotate();
    } catch (err) {
      // The lines are already written; a failed fsync/close must not count them as dropped.
      this.fd = undefined;
      this.deps.logger.error('file sink: rotation failed', {
        dir: this.cfg.dir,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private sync(): void {
    if (this.fd === undefined) return;
    try {
      fs.fsyncSync(this.fd);
    } catch (err) {
      this.deps.logger.error('file sink: fsync failed', {
        dir: this.cfg.dir,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private rotate(): void {
    if (this.fd !== undefined) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
    // The next file is created (and old ones pruned) by the next write, so a rotation never leaves fewer
    // than max_files files behind.
    this.seq += 1;
    this.bytes = 0;
  }

  private prune(): void {
    try {
      this.pruneOrThrow();
    } catch (err) {
      // Retention failing must not stop writing; the user sees it in the log.
      this.deps.logger.error('file sink: cannot delete old rotated files', {
        dir: this.cfg.dir,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private pruneOrThrow(): void {
    const files = this.lpFiles();
    for (const f of files.slice(0, Math.max(0, files.length - this.cfg.maxFiles))) {
      const size = fs.statSync(f.file).size;
      fs.rmSync(f.file, { force: true });
      this.filesDeleted += 1;
      this.deps.logger.info('file sink: deleted oldest rotated file (max_files retention)', {
        file: f.file,
        bytes: size,
        maxFiles: this.cfg.maxFiles,
      });
    }
  }
}
