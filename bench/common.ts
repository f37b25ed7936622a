import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

/** What every suite gets: the mode and a progress line writer (stderr, so stdout stays the table). */
export interface BenchContext {
  /** `--quick`: fewer series and repetitions; same keys. */
  readonly quick: boolean;
  /** Repository root (datasets are read relative to it). */
  readonly root: string;
  log(message: string): void;
}

/** Median of the values (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One measured run: wall-clock and process CPU time (user + system), both in ms. */
export interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Times `fn` once, wall clock and process CPU. */
export function timeOnce<T>(fn: () => T): { value: T; timing: Timing } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value, timing: { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 } };
}

/** Median wall and CPU time over `reps` runs after `warmup` discarded runs. */
export function timeMedian(reps: number, warmup: number, fn: () => void): Timing & { readonly reps: number } {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const { timing } = timeOnce(fn);
    wall.push(timing.wallMs);
    cpu.push(timing.cpuMs);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), reps };
}

/** Peak resident set size of this process so far, MB (process.resourceUsage().maxRSS is in KiB). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Current resident set size, MB. */
export function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** Runs a full GC when node was started with --expose-gc (the bench entry re-executes itself with it). */
export function collectGarbage(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') g();
}

/** The machine the numbers were measured on. */
export interface MachineInfo {
  readonly nproc: number;
  readonly cpu_model: string;
  readonly ram_gb: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    nproc: os.availableParallelism(),
    cpu_model: cpuModel,
    ram_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** `uptime` output (or the load averages when the command is missing): other work on the machine. */
export function loadReport(): { readonly uptime: string; readonly loadavg: readonly number[] } {
  let uptime: string;
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    uptime = `load average: ${os.loadavg().join(', ')}`;
  }
  return { uptime, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) };
}

/** Rounds to `digits` significant decimals for reports (keeps integers). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A seeded PRNG (mulberry32), for anything random the bench itself needs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
