/**
 * Runs the built daemon (`node dist/src/cli/main.js monitor …`) as a child process and exposes its JSON
 * log lines (stderr is not a TTY, so the daemon logs JSON lines) as events a test can wait on, with a
 * bounded deadline. Used by the daemon integration suites; needs `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');

/** One JSON log line of the daemon. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

export interface DaemonExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  readonly pid: number;
  /** Every JSON log line so far, in order. */
  readonly logs: readonly LogLine[];
  /** Raw stdout and stderr so far (for failure messages and non-JSON output). */
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with the `count`-th log line (counting from the start of the run) matching `predicate`;
   * rejects after `timeoutMs` with the log tail, or when the daemon exits first.
   */
  waitForLog(predicate: (l: LogLine) => boolean, timeoutMs?: number, count?: number): Promise<LogLine>;
  /** Sends a signal to the daemon (by its PID). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves when the daemon has exited; rejects (after SIGKILL) when it has not within `timeoutMs`. */
  exited(timeoutMs?: number): Promise<DaemonExit>;
  readonly running: boolean;
}

export interface DaemonOptions {
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to a minimal environment (PATH, HOME); the daemon's own variables are not inherited. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The daemon's environment variables, stripped from the inherited environment so a developer's shell cannot leak in. */
const DAEMON_ENV = [
  'PROMETHEUS_URL',
  'INFLUXDB_URL',
  'INFLUXDB_TOKEN',
  'INFLUXDB_ORG',
  'INFLUXDB_BUCKET',
  'MONITORING_INTERVAL',
  'LOG_LEVEL',
  'ANOMALYD_SOURCE',
  'METRICS_PORT',
];

export function cliIsBuilt(): boolean {
  return fs.existsSync(CLI);
}

export function startDaemon(options: DaemonOptions): DaemonProcess {
  if (!cliIsBuilt()) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !DAEMON_ENV.includes(k)) env[k] = v;
  }
  Object.assign(env, options.env ?? {});
  const child: ChildProcess = spawn(process.execPath, [CLI, ...options.args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('the daemon did not start');
  const pid = child.pid;
  const logs: LogLine[] = [];
  let out = '';
  let err = '';
  let partial = '';
  let exit: DaemonExit | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };

  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line (e.g. a crash trace); kept in stderr().
      }
    }
    notify();
  });
  const exitPromise = new Promise<DaemonExit>((resolve) => {
    child.once('close', (code, sig) => {
      exit = { code, signal: sig };
      notify();
      resolve(exit);
    });
  });

  const tail = (): string => err.slice(-4000);

  return {
    pid,
    logs,
    stdout: () => out,
    stderr: () => err,
    get running() {
      return exit === undefined;
    },
    waitForLog(predicate, timeoutMs = 30_000, count = 1) {
      return new Promise<LogLine>((resolve, reject) => {
        const check = (): void => {
          const matches = logs.filter(predicate);
          if (matches.length >= count) {
            done();
            resolve(matches[count - 1]);
          } else if (exit !== undefined) {
            done();
            reject(
              new Error(`daemon exited (${JSON.stringify(exit)}) before the awaited log line:\n${tail()}`),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`awaited log line not seen within ${timeoutMs} ms:\n${tail()}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    signal(sig) {
      if (exit !== undefined) return;
      try {
        process.kill(pid, sig);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    },
    async exited(timeoutMs = 30_000) {
      if (exit !== undefined) return exit;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([exitPromise, timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        this.signal('SIGKILL');
        await exitPromise;
        throw new Error(`daemon did not exit within ${timeoutMs} ms (killed):\n${tail()}`);
      }
      return result;
    },
  };
}

/** The `cycle` INFO lines. */
export const isCycle = (l: LogLine): boolean => l.message === 'cycle';

/** The final summary line (`anomalyd stopped`). */
export function finalSummary(d: DaemonProcess): {
  points: number;
  cycles: number;
  sink_points: Record<'written' | 'retried' | 'spooled' | 'dead_letter' | 'dropped', number>;
} {
  const line = d.logs.find((l) => l.message === 'anomalyd stopped');
  if (line === undefined) throw new Error(`no final summary in the log:\n${d.stderr().slice(-4000)}`);
  return line as unknown as ReturnType<typeof finalSummary>;
}

/** Non-empty lines of every file in `dir` whose name matches `re`, files in name order. */
export function readLines(dir: string, re: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => re.test(n))
    .sort()
    .flatMap((n) =>
      fs
        .readFileSync(path.join(dir, n), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
}

/** A parsed line-protocol line (enough of the grammar for anomalyd's own lines). */
export interface ParsedLine {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, string>>;
  readonly timestampMs: number;
}

/** Splits on `sep` outside double quotes and not after a backslash. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

const unescapeTag = (s: string): string => s.replace(/\\([,= \\])/g, '$1');

export function parseLine(line: string): ParsedLine {
  const [head, fieldText, ts] = splitUnescaped(line, ' ');
  const [measurement, ...tagParts] = splitUnescaped(head, ',');
  const tags: Record<string, string> = {};
  for (const t of tagParts) {
    const [k, v] = splitUnescaped(t, '=');
    tags[unescapeTag(k)] = unescapeTag(v);
  }
  const fields: Record<string, string> = {};
  for (const f of splitUnescaped(fieldText, ',')) {
    const [k, v] = splitUnescaped(f, '=');
    fields[unescapeTag(k)] = v;
  }
  return { measurement, tags, fields, timestampMs: Number(ts) };
}

/** Writes a YAML config file (the caller builds the text) and returns its path. */
export function writeConfig(dir: string, yaml: string): string {
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}
