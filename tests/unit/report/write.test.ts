import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderJsonReport, renderTextReport, writeReports } from '../../../src/report';
import type { EvaluatedPoints } from '../../../src/evaluate/types';
import { knownResult } from './known';

const NO_POINTS: EvaluatedPoints = {
  timestampsMs: new Float64Array(0),
  actual: new Float64Array(0),
  forecast: new Float64Array(0),
  lower: new Float64Array(0),
  upper: new Float64Array(0),
  score: new Float64Array(0),
  isAnomaly: new Uint8Array(0),
  episodeId: [],
};

describe('writeReports', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'anomalyd-write-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the text, JSON and HTML reports into a directory it creates, leaving no temp files', async () => {
    const out = join(dir, 'nested', 'run-1');
    const written = await writeReports(out, knownResult(), NO_POINTS);
    expect(written).toEqual({
      text: join(out, 'evaluation_report.txt'),
      json: join(out, 'evaluation_report.json'),
      html: join(out, 'report.html'),
    });
    expect((await readdir(out)).sort()).toEqual([
      'evaluation_report.json',
      'evaluation_report.txt',
      'report.html',
    ]);
    expect(await readFile(written.text, 'utf8')).toBe(renderTextReport(knownResult()));
    expect(await readFile(written.json, 'utf8')).toBe(renderJsonReport(knownResult()));
    expect(await readFile(written.html, 'utf8')).toContain(
      '<title>anomalyd report: nab/machine_temperature</title>',
    );
  });

  it('uses the given page title', async () => {
    const written = await writeReports(dir, knownResult(), NO_POINTS, { title: 'Nightly <eval>' });
    expect(await readFile(written.html, 'utf8')).toContain('<title>Nightly &lt;eval&gt;</title>');
  });
});
