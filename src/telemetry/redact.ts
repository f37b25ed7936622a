/** What a masked value is replaced with. */
export const MASK = '***';

/** Field names whose values are secrets wherever they appear (any case, `-`/`_` ignored). */
const SECRET_KEY = /token|passw(or)?d|secret|authori[sz]ation|api[-_]?key|cookie|credential/i;

// `scheme://user:password@host` in free text: the password is masked, the user kept for diagnosis.
const URL_PASSWORD = /(\/\/[^/\s:@]+:)[^@\s/]+@/g;

/** True when a field with this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of log fields that is safe to write: values under secret-looking keys become "***" at any depth,
 * passwords in URLs are masked, and Errors become `{name, message, stack}` (JSON would print `{}`).
 * Cycles are cut rather than followed.
 */
export function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redactObject(fields, new WeakSet());
}

function redactObject(obj: object, seen: WeakSet<object>): Record<string, unknown> {
  seen.add(obj);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? MASK : redactValue(v, seen);
  }
  return out;
}

function redactValue(v: unknown, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return v.replace(URL_PASSWORD, `$1${MASK}@`);
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return '[circular]';
  if (v instanceof Error) {
    seen.add(v);
    const base: Record<string, unknown> = { name: v.name, message: redactValue(v.message, seen) };
    if (v.stack !== undefined) base.stack = redactValue(v.stack, seen);
    return { ...base, ...redactObject(v, seen) };
  }
  if (Array.isArray(v)) {
    seen.add(v);
    return v.map((el) => redactValue(el, seen));
  }
  if (v instanceof Date) return v.toISOString();
  return redactObject(v, seen);
}
