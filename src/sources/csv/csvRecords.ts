import { UserError } from '../../domain/errors';

/** One CSV record and the (1-based) physical line it starts on, for error messages. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/**
 * Splits CSV text into records (RFC 4180): comma-separated fields, double-quoted fields that may hold commas,
 * line breaks and `""` escapes (spaces before an opening quote are dropped); LF or CRLF line ends; a leading
 * UTF-8 BOM is dropped. Blank lines are skipped (a trailing newline or blank lines at the end are common and
 * mean nothing). Fields are returned untrimmed.
 *
 * @param file Named in the error for an unterminated quote.
 */
export function parseCsvRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  // Position of the next quote at or after i (n when none); searched again only once i passes it.
  let nextQuote = -1;

  while (i < n) {
    // Fast path: most lines hold no quote at all and are a plain split.
    const eol = text.indexOf('\n', i);
    const lineEnd = eol < 0 ? n : eol;
    if (nextQuote < i) {
      const q = text.indexOf('"', i);
      nextQuote = q < 0 ? n : q;
    }
    if (nextQuote >= lineEnd) {
      const raw = text.slice(i, lineEnd > i && text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd);
      if (raw.trim() !== '') records.push({ line, fields: raw.split(',') });
      i = lineEnd + 1;
      line++;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    let field = '';
    let quotedAny = false;
    let atRecordEnd = false;
    while (!atRecordEnd) {
      // `a, "b"` is common in hand-written files: spaces before an opening quote do not make it literal.
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (j < n && text[j] === '"') i = j;
      if (i < n && text[i] === '"') {
        quotedAny = true;
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) {
            throw new UserError(
              `${file}:${quoteLine}: a quoted field is never closed; add the missing '"' (write "" for a quote inside a field)`,
            );
          }
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
      }
      // Unquoted part (or whatever follows a closing quote, kept as is, as spreadsheets do).
      while (i < n) {
        const c = text[i];
        if (c === ',' || c === '\n' || (c === '\r' && text[i + 1] === '\n')) break;
        field += c;
        i++;
      }
      fields.push(field);
      field = '';
      if (i >= n) {
        atRecordEnd = true;
      } else if (text[i] === ',') {
        i++;
      } else {
        i += text[i] === '\r' ? 2 : 1;
        line++;
        atRecordEnd = true;
      }
    }
    const blank = fields.length === 1 && !quotedAny && fields[0].trim() === '';
    if (!blank) records.push({ line: recordLine, fields });
  }
  return records;
}
