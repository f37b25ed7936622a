import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig, type ConfigFlags } from '../../config';
import type { AppConfig } from '../../config/types';
import { UserError } from '../../domain/errors';
import type { Logger } from '../../domain/logger';
import { loadModel } from '../../model/serialize';
import type { FittedModel } from '../../model/types';
import { createLogger } from '../../telemetry/logger';
import type { GlobalContext } from '../contexts';

export function loadAppConfig(ctx: GlobalContext, flags: ConfigFlags = {}): AppConfig {
  return loadConfig({
    ...(ctx.configPath !== undefined ? { path: ctx.configPath } : {}),
    env: process.env,
    flags: { ...flags, ...(ctx.logLevel !== undefined ? { logLevel: ctx.logLevel } : {}) },
  });
}

export function appLogger(config: AppConfig): Logger {
  return createLogger({ level: config.logLevel });
}

/**
 * The message of a caught error on one line: V8's JSON.parse messages quote the offending text, line
 * breaks included, and a user error must stay one line.
 */
export function oneLineReason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

/** A filesystem error (EACCES, EISDIR, ENOSPC, ...) rather than a bug: it carries a string `code`. */
function isFsError(err: unknown): err is { code: string } {
  // Not `instanceof Error`: errors thrown by node:fs may come from another realm (e.g. under jest).
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string';
}

/**
 * Runs `write` and turns a filesystem failure into a user error naming the path and the flag that chose
 * it: an unwritable output path is bad input (exit 2), not "a bug in anomalyd" (exit 1).
 */
export async function writingOutput<T>(path: string, flag: string, write: () => Promise<T> | T): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isFsError(err)) throw err;
    throw new UserError(`${path}: cannot write (${err.code}); check ${flag} and the permissions`);
  }
}

/**
 * Writes `content` to `path` through a temporary file and a rename, so a reader never sees half a file;
 * parent directories are created. Filesystem failures become a one-line user error naming `flag`, and the
 * temporary file is removed.
 */
export function writeFileAtomically(path: string, content: string, flag: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (!isFsError(err)) throw err;
    throw new UserError(`${path}: cannot write (${err.code}); check ${flag} and the permissions`);
  }
}

/** Reads a model file written by `anomalyd train`, with one-line errors naming the file. */
export function readModelFile(path: string): FittedModel {
  if (!existsSync(path))
    throw new UserError(`${path}: model file not found (write one with \`anomalyd train\`)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // A directory or an unreadable file is not "invalid JSON": say what actually failed.
    const code = (err as NodeJS.ErrnoException).code ?? oneLineReason(err);
    throw new UserError(`${path}: cannot read the model file (${code}); check the path and its permissions`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(
      `${path}: not valid JSON (${oneLineReason(err)}); was it written by \`anomalyd train\`?`,
    );
  }
  return loadModel(json, path);
}

/** A one-line progress bar on stderr when it is a terminal; silent otherwise. */
export function progressBar(label: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}%`);
    if (done >= total) process.stderr.write('\n');
  };
}
