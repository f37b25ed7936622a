/** Dataset files: the CSV reader and writer and the labelled-windows reader (the only file I/O of sources). */
export { parseCsvRecords, type CsvRecord } from './csvRecords';
export { formatDatasetCsv, type FormatDatasetOptions } from './formatDataset';
export {
  inferStepMs,
  LABEL_COLUMNS,
  parseDatasetCsv,
  readDatasetCsv,
  TIMESTAMP_COLUMNS,
  VALUE_COLUMNS,
  type DatasetCsv,
  type ReadDatasetOptions,
  type TimestampRepairs,
} from './readDataset';
export { EPOCH_MS_THRESHOLD, parseTimestamp, TIMESTAMP_FORMATS_HINT } from './timestamps';
export { parseWindowsJson, readWindowsFile, type AnomalyWindow } from './windows';
