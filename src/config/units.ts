/**
 * Parsing of the human units the config file accepts: durations (`500ms`, `30s`, `5m`, `24h`, `14d`, `1w`,
 * or compounds like `1h30m`) and byte sizes (`64MiB`, `1GiB`, `500KB`, or a plain number of bytes).
 */

const DURATION_UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// The alternation lists `ms` before `m` so `500ms` is not read as 500 minutes followed by garbage.
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/**
 * Parses a duration string into milliseconds.
 *
 * @returns the duration in ms, or `undefined` when the text is not a duration with units.
 */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(s);
    if (m === null) return undefined;
    total += Number(m[1]) * (DURATION_UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    pos = DURATION_PART.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** Formats milliseconds with the largest unit that divides it exactly (`86400000` → `1d`). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  // Weeks are skipped on purpose: `14d` reads better than `2w` for training windows.
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNIT_MS[unit] ?? 1;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const SIZE_UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * Parses a byte size: `64MiB`, `1GiB`, `500KB` (decimal), `1024B` or `1024` (bytes).
 *
 * @returns the size in whole bytes (rounded down), or `undefined` when the text is not a size.
 */
export function parseSizeBytes(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (m === null) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1 : SIZE_UNIT_BYTES[unit];
  if (factor === undefined) return undefined;
  return Math.floor(Number(m[1]) * factor);
}

/** Formats bytes with the largest binary unit that divides it exactly (`67108864` → `64MiB`). */
export function formatSizeBytes(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const size = SIZE_UNIT_BYTES[unit.toLowerCase()] ?? 1;
    if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}`;
}
