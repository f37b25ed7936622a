/**
 * Formatting shared by the text, JSON and HTML reports. Every number that reaches a report passes through
 * here, so "not available" (null, NaN, ±Infinity) is rendered one way everywhere.
 */

/** Placeholder printed for a metric that has no value (null, NaN or infinite). */
export const NOT_AVAILABLE = 'n/a';

/** True for a number that can be drawn or printed (not null, NaN or ±Infinity). */
export function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Fixed-point with `digits` decimals, or `n/a`. */
export function formatFixed(value: number | null | undefined, digits = 3): string {
  return isFiniteNumber(value) ? value.toFixed(digits) : NOT_AVAILABLE;
}

/** A fraction in [0, 1] as a percentage with `digits` decimals (`0.951` → `95.1 %`), or `n/a`. */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  return isFiniteNumber(fraction) ? `${(fraction * 100).toFixed(digits)} %` : NOT_AVAILABLE;
}

/** An integer count with thousands separators (`12345` → `12,345`), or `n/a`. */
export function formatCount(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return NOT_AVAILABLE;
  // Hand-rolled rather than toLocaleString so the output does not depend on the host's ICU data or locale.
  const sign = value < 0 ? '-' : '';
  const digits = Math.round(Math.abs(value)).toString();
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A general value with 4 significant digits, no exponent for everyday magnitudes, or `n/a`. */
export function formatValue(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return NOT_AVAILABLE;
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e9) return trimZeros(value.toPrecision(4));
  return value.toExponential(3);
}

/**
 * A duration in seconds as `1h 02m 03s` / `4m 05s` / `12s` (rounded to whole seconds), or `n/a`.
 * Negative durations keep their sign: an event detected before its labelled start is worth seeing.
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isFiniteNumber(seconds)) return NOT_AVAILABLE;
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.round(Math.abs(seconds));
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const pad = (n: number): string => n.toString().padStart(2, '0');
  if (days > 0) return `${sign}${days}d ${pad(hours)}h ${pad(minutes)}m`;
  if (hours > 0) return `${sign}${hours}h ${pad(minutes)}m ${pad(secs)}s`;
  if (minutes > 0) return `${sign}${minutes}m ${pad(secs)}s`;
  return `${sign}${secs}s`;
}

/** Epoch milliseconds as `2026-11-21 06:35:00Z` (UTC, second precision), or `n/a`. */
export function formatTimestamp(ms: number | null | undefined): string {
  if (!isFiniteNumber(ms)) return NOT_AVAILABLE;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

/**
 * Escapes text for HTML/SVG element content and double- or single-quoted attribute values. Everything that
 * comes from data (dataset names, model components, episode ids) must pass through this.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function trimZeros(fixed: string): string {
  if (!fixed.includes('.') || fixed.includes('e')) return fixed;
  return fixed.replace(/\.?0+$/, '');
}
