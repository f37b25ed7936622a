/** Human-readable evaluation reports: `evaluation_report.txt`, `evaluation_report.json`, `report.html`. */
export { renderTextReport, DEFAULT_TEXT_REPORT_OPTIONS, type TextReportOptions } from './text';
export { bestF1Row, topEpisodes } from './select';
export { renderJsonReport, toStableJsonValue, type StableJsonValue } from './json';
export { renderHtmlReport, type HtmlReportOptions } from './html';
export { DEFAULT_SEVERITY_SCALE, type SeverityScale } from './charts/overview';
export { writeReports, REPORT_FILE_NAMES, type WrittenReports } from './write';
