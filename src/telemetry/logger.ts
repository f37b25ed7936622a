import { createLogger as createWinstonLogger, format, transports, type Logform } from 'winston';

import type { Clock } from '../domain/clock';
import type { Logger } from '../domain/logger';
import type { LogLevel } from '../config/types';
import { redactFields } from './redact';

/** A stream the logger can write to; `isTTY` (as on process.stderr) picks the default format. */
export type LogStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

export interface LoggerOptions {
  /** Least severe level written: error < warn < info < debug. */
  readonly level: LogLevel;
  /**
   * JSON lines (for log shippers) instead of coloured text lines. Default: JSON unless the stream is a TTY.
   */
  readonly json?: boolean;
  /**
   * Where lines go. Default: process.stderr, so stdout stays clean for command output (reports, JSON) that
   * may be piped.
   */
  readonly stream?: LogStream;
  /** Source of the `timestamp` field. Default: the system clock. */
  readonly clock?: Clock;
}

const LEVELS: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };
const COLORS: Readonly<Record<LogLevel, string>> = {
  error: 'red',
  warn: 'yellow',
  info: 'green',
  debug: 'gray',
};

// Winston owns these fields; a meta field of the same name would overwrite or be glued onto them.
const RESERVED = new Set(['level', 'message', 'timestamp']);

const redaction = format((info) => {
  const { level, message, ...fields } = info;
  // Symbol keys (winston's internal LEVEL/MESSAGE/SPLAT) are not enumerable by Object.entries and survive.
  for (const key of Object.keys(fields)) Reflect.deleteProperty(info, key);
  Object.assign(info, redactFields(fields), { level, message });
  return info;
});

function formatFieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return JSON.stringify(v);
}

/** `2026-01-01T00:00:00.000Z info  cycle done series=12 durationMs=85` */
const textLine = format.printf((info: Logform.TransformableInfo) => {
  const { level, message, timestamp, ...fields } = info;
  const pairs = Object.entries(fields).map(([k, v]) => `${k}=${formatFieldValue(v)}`);
  const head = `${String(timestamp)} ${level} ${String(message)}`;
  return pairs.length === 0 ? head : `${head} ${pairs.join(' ')}`;
});

/**
 * The winston-backed implementation of the Logger port: coloured `key=value` lines for people at a
 * terminal, JSON lines for machines. Meta fields are included; any field named like token, password,
 * secret or authorization is masked at any depth, so secrets never reach the log.
 */
export function createLogger(options: LoggerOptions): Logger {
  const stream: LogStream = options.stream ?? process.stderr;
  const json = options.json ?? stream.isTTY !== true;
  const clock = options.clock;
  const timestamp = format.timestamp(
    clock === undefined ? {} : { format: () => new Date(clock.nowMs()).toISOString() },
  );
  const winston = createWinstonLogger({
    levels: LEVELS,
    level: options.level,
    format: json
      ? format.combine(redaction(), timestamp, format.json())
      : format.combine(redaction(), timestamp, format.colorize({ colors: COLORS }), textLine),
    transports: [new transports.Stream({ stream })],
    exitOnError: false,
  });

  const log = (level: LogLevel, message: string, meta?: Record<string, unknown>): void => {
    winston.log(level, message, meta === undefined ? {} : renameReserved(meta));
  };
  return {
    error: (message, meta) => log('error', message, meta),
    warn: (message, meta) => log('warn', message, meta),
    info: (message, meta) => log('info', message, meta),
    debug: (message, meta) => log('debug', message, meta),
  };
}

function renameReserved(meta: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(meta).some((k) => RESERVED.has(k))) return meta;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) out[RESERVED.has(k) ? `meta_${k}` : k] = v;
  return out;
}
