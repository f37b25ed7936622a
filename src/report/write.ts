import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvaluatedPoints, EvaluationResult } from '../evaluate/types';
import { renderHtmlReport, type HtmlReportOptions } from './html';
import { renderJsonReport } from './json';
import { renderTextReport } from './text';

/** File names the reports are written under, inside the output directory. */
export const REPORT_FILE_NAMES = {
  text: 'evaluation_report.txt',
  json: 'evaluation_report.json',
  html: 'report.html',
} as const;

/** Absolute or caller-relative paths of the files {@link writeReports} wrote. */
export interface WrittenReports {
  readonly text: string;
  readonly json: string;
  readonly html: string;
}

/**
 * Renders all three reports and writes them into `dir` (created if missing). Each file is written to a
 * temporary name and renamed, so a reader never sees half a report.
 */
export async function writeReports(
  dir: string,
  result: EvaluationResult,
  points: EvaluatedPoints,
  options: Partial<HtmlReportOptions> = {},
): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const html = renderHtmlReport(result, points, {
    ...options,
    title: options.title ?? `anomalyd report: ${result.dataset}`,
  });
  const files: [keyof WrittenReports, string][] = [
    ['text', renderTextReport(result)],
    ['json', renderJsonReport(result)],
    ['html', html],
  ];
  const written: Record<keyof WrittenReports, string> = { text: '', json: '', html: '' };
  for (const [kind, content] of files) {
    const path = join(dir, REPORT_FILE_NAMES[kind]);
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, content, 'utf8');
    await rename(tmp, path);
    written[kind] = path;
  }
  return written;
}
