import * as fs from 'node:fs';
import * as path from 'node:path';
import { countLines } from '../lineProtocol';

/** One spooled batch on disk. */
export interface SpoolSegment {
  /** Batch sequence number; segments replay in ascending order. */
  readonly seq: number;
  readonly file: string;
  readonly bytes: number;
}

const SEGMENT_RE = /^seg-(\d{16})\.lp$/;
const TMP_SUFFIX = '.tmp';

/** Fsyncs a directory so a rename inside it survives a crash (a no-op where directories cannot be opened). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms refuse fsync on directories; the data file itself is already fsync'd.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The on-disk spool: one line-protocol segment file per batch, named by batch sequence number, written
 * to a temp file, fsync'd and renamed (so a crash leaves either a whole segment or none).
 *
 * I/O is synchronous on purpose: a segment is one batch (bounded by batch_size), it happens only while
 * InfluxDB is failing, and synchronous writes keep ordering and the zero-loss guarantee of close() simple
 * (nothing is "being written" when close returns).
 */
export class Spool {
  private readonly segments: SpoolSegment[] = [];
  private totalBytes = 0;

  /** Opens (creating if needed) `dir` and indexes the segments left there by an earlier run. */
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith(TMP_SUFFIX)) {
        // An interrupted write: the batch was still in memory of the dead process and never acknowledged.
        fs.rmSync(path.join(dir, name), { force: true });
        continue;
      }
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const file = path.join(dir, name);
      const bytes = fs.statSync(file).size;
      this.segments.push({ seq: Number(m[1]), file, bytes });
      this.totalBytes += bytes;
    }
    this.segments.sort((a, b) => a.seq - b.seq);
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.totalBytes;
  }

  get size(): number {
    return this.segments.length;
  }

  /** Highest sequence number on disk, or 0. */
  maxSeq(): number {
    return this.segments.length === 0 ? 0 : this.segments[this.segments.length - 1].seq;
  }

  /** Oldest segment (next to replay). */
  oldest(): SpoolSegment | undefined {
    return this.segments[0];
  }

  /**
   * Writes a batch as segment `seq`. Returns false (and writes nothing) when it would take the spool past
   * `maxBytes`; the caller counts and logs that loss.
   */
  append(seq: number, lines: readonly string[]): boolean {
    const body = lines.join('\n') + '\n';
    const bytes = Buffer.byteLength(body);
    if (this.totalBytes + bytes > this.maxBytes) return false;
    const name = `seg-${String(seq).padStart(16, '0')}.lp`;
    const file = path.join(this.dir, name);
    const tmp = file + TMP_SUFFIX;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, body);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(this.dir);
    const seg: SpoolSegment = { seq, file, bytes };
    // Keep ascending order: a batch spooled late (it was retrying) may be older than segments already here.
    let i = this.segments.length;
    while (i > 0 && this.segments[i - 1].seq > seq) i -= 1;
    this.segments.splice(i, 0, seg);
    this.totalBytes += bytes;
    return true;
  }

  /** Reads a segment's lines. */
  read(seg: SpoolSegment): string[] {
    return fs
      .readFileSync(seg.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  }

  /** Deletes a segment once it has been delivered (or dead-lettered). */
  remove(seg: SpoolSegment): void {
    const i = this.segments.findIndex((s) => s.seq === seg.seq);
    if (i < 0) return;
    this.segments.splice(i, 1);
    this.totalBytes -= seg.bytes;
    fs.rmSync(seg.file, { force: true });
  }

  /** Lines held across all segments (reads every segment; for tests and `anomalyd check`). */
  countLines(): number {
    let n = 0;
    for (const seg of this.segments) n += countLines(fs.readFileSync(seg.file, 'utf8'));
    return n;
  }
}

/**
 * Appends rejected batches (line protocol, one line per point) to the dead-letter file, fsync'd: a 4xx
 * means the data or credentials are wrong, so a human must look at exactly these lines.
 */
export function appendDeadLetter(file: string, lines: readonly string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, lines.join('\n') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
