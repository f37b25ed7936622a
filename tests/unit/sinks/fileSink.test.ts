import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileSinkConfig } from '../../../src/config/types';
import { ANOMALIES_FILE, FileSink } from '../../../src/sinks/fileSink';
import { toLines } from '../../../src/sinks/lineProtocol';
import type { EpisodeEvent } from '../../../src/sinks/types';
import { FakeTime } from './fakeTime';
import { recordingLogger, records, tempDir } from './sinkTestKit';

const START = Date.UTC(2026, 0, 1);
let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function lpFiles(d: string): string[] {
  return fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.lp'))
    .sort();
}
function readLp(d: string): string[] {
  return lpFiles(d).flatMap((f) =>
    fs
      .readFileSync(path.join(d, f), 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  );
}

describe('FileSink', () => {
  it('appends line protocol and counts every point written', async () => {
    const cfg: FileSinkConfig = { dir: path.join(dir, 'out'), rotateBytes: 1e6, maxFiles: 3 };
    const sink = new FileSink(cfg, { clock: new FakeTime(START).clock, logger: recordingLogger() });
    const recs = records(12, START);
    sink.write(recs.slice(0, 5));
    sink.write(recs.slice(5));
    await sink.flush();
    expect(readLp(cfg.dir)).toEqual(recs.flatMap((r) => toLines(r, { tagAllowlist: [] })));
    expect(sink.stats().points).toEqual({ written: 12, retried: 0, spooled: 0, dead_letter: 0, dropped: 0 });
    await sink.close(0);
    sink.write(records(2, START));
    expect(sink.stats().points.dropped).toBe(2);
  });

  it('rotates at rotate_bytes, keeps max_files and logs each deletion', async () => {
    const cfg: FileSinkConfig = { dir, rotateBytes: 400, maxFiles: 3 };
    const logger = recordingLogger();
    const sink = new FileSink(cfg, { clock: new FakeTime(START).clock, logger });
    const recs = records(60, START);
    for (const r of recs) sink.write([r]);
    await sink.close(0);
    const files = lpFiles(dir);
    expect(files).toHaveLength(3);
    // The kept files hold the newest lines, contiguous and in order.
    const all = recs.flatMap((r) => toLines(r, { tagAllowlist: [] }));
    const kept = readLp(dir);
    expect(kept).toEqual(all.slice(all.length - kept.length));
    for (const f of files.slice(0, -1))
      expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThanOrEqual(400);
    const deletions = logger.entries.filter((e) => /deleted oldest rotated file/.test(e.message));
    expect(deletions).toHaveLength(sink.deletedFiles());
    expect(sink.deletedFiles()).toBeGreaterThan(0);
    expect(sink.stats().points.written).toBe(60);
  });

  it('continues the newest file after a restart', async () => {
    const cfg: FileSinkConfig = { dir, rotateBytes: 1e6, maxFiles: 2 };
    const a = new FileSink(cfg, { clock: new FakeTime(START).clock, logger: recordingLogger() });
    a.write(records(3, START));
    await a.close(0);
    const b = new FileSink(cfg, { clock: new FakeTime(START).clock, logger: recordingLogger() });
    b.write(records(3, START, 3, 3));
    await b.close(0);
    expect(lpFiles(dir)).toEqual(['points-00000001.lp']);
    expect(readLp(dir)).toHaveLength(6);
  });

  it('writes one JSON line per episode event with ISO times', () => {
    const time = new FakeTime(START + 60_000);
    const sink = new FileSink(
      { dir, rotateBytes: 1e6, maxFiles: 2 },
      { clock: time.clock, logger: recordingLogger() },
    );
    const ev: EpisodeEvent = {
      kind: 'opened',
      seriesId: 'cpu{host="a"}',
      query: 'cpu',
      source: 'prometheus',
      labels: { host: 'a' },
      episode: {
        id: 'cpu{host="a"}:1767225600000',
        startMs: START,
        endMs: START + 30_000,
        peakScore: 3.5,
        severity: 'HIGH',
        direction: 1,
        points: 3,
        cause: 'band',
        open: true,
      },
    };
    sink.writeEpisodeEvents([ev, { ...ev, kind: 'closed', episode: { ...ev.episode, open: false } }]);
    const lines = fs.readFileSync(path.join(dir, ANOMALIES_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0])).toEqual({
      time: '2026-01-01T00:01:00.000Z',
      kind: 'opened',
      series: 'cpu{host="a"}',
      query: 'cpu',
      source: 'prometheus',
      labels: { host: 'a' },
      id: 'cpu{host="a"}:1767225600000',
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T00:00:30.000Z',
      peakScore: 3.5,
      severity: 'HIGH',
      direction: 1,
      points: 3,
      cause: 'band',
      open: true,
    });
    expect((JSON.parse(lines[1]) as { kind: string; open: boolean }).kind).toBe('closed');
  });

  it('counts and logs points it cannot write (unwritable directory)', () => {
    const cfg: FileSinkConfig = { dir, rotateBytes: 1e6, maxFiles: 2 };
    const logger = recordingLogger();
    const sink = new FileSink(cfg, { clock: new FakeTime(START).clock, logger });
    // Make the target file name a directory so the open fails.
    fs.mkdirSync(path.join(dir, 'points-00000001.lp'));
    sink.write(records(4, START));
    expect(sink.stats().points).toMatchObject({ written: 0, dropped: 4 });
    expect(sink.stats().healthy).toBe(false);
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
  });
});
