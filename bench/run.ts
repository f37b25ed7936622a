/**
 * `npm run bench [-- --quick] [-- --only fit,scoring,fleet,synthetic,nab,smdasd,daemon]`: every benchmark of
 * issue #5 in one run; writes bench/results.json and bench/RESULTS.md and prints the tables.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BenchContext, loadReport, machineInfo, peakRssMb, round } from './common';
import { runDaemon } from './daemon';
import { nabScoreboard, runNab } from './nab';
import { type BenchResults, headlineTables } from './report';
import { renderResultsMarkdown } from './resultsMarkdown';
import { fitSection, validateResults } from './results';
import { runSmdAsd } from './smdAsd';
import { measureFitTimes, measureFleetFit, measureScoring } from './speed';
import { runSynthetic } from './synthetic';

export const SUITES = ['fit', 'scoring', 'fleet', 'synthetic', 'nab', 'smdasd', 'daemon'] as const;
export type Suite = (typeof SUITES)[number];

/** Parsed command line. */
export interface BenchArgs {
  readonly quick: boolean;
  readonly only: readonly Suite[];
}

/** Parses `--quick` and `--only a,b` (pure). @throws Error naming the bad argument. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let only: Suite[] = [...SUITES];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (value === undefined) throw new Error('--only needs a list, e.g. --only fit,nab');
      only = value.split(',').map((s) => {
        if (!(SUITES as readonly string[]).includes(s))
          throw new Error(`--only: unknown suite "${s}"; one of ${SUITES.join(', ')}`);
        return s as Suite;
      });
    } else throw new Error(`unknown argument "${a}"; usage: run.js [--quick] [--only ${SUITES.join(',')}]`);
  }
  return { quick, only };
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, '..', '..');
  const t0 = performance.now();
  const ctx: BenchContext = {
    quick: args.quick,
    root,
    log: (m) =>
      process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`),
  };
  const loadStart = loadReport();
  const errors: Record<string, string> = {};
  const seconds: Record<string, number> = {};
  type SuiteParts = Pick<
    BenchResults,
    'fit' | 'fleet' | 'scoring' | 'synthetic' | 'nab' | 'smd' | 'asd' | 'daemon'
  >;
  const parts: { -readonly [K in keyof SuiteParts]: SuiteParts[K] } = {};
  const run = async (suite: Suite, fn: () => Promise<void> | void): Promise<void> => {
    if (!args.only.includes(suite)) return;
    ctx.log(`suite ${suite} …`);
    const s0 = performance.now();
    try {
      await fn();
    } catch (err) {
      errors[suite] = err instanceof Error ? err.message : String(err);
      ctx.log(`suite ${suite} FAILED: ${errors[suite]}`);
    }
    seconds[suite] = round((performance.now() - s0) / 1000, 1);
    ctx.log(`suite ${suite} done in ${seconds[suite]} s`);
  };
  await run('fit', async () => {
    parts.fit = fitSection(await measureFitTimes(ctx));
  });
  await run('scoring', () => {
    parts.scoring = measureScoring(ctx);
  });
  await run('fleet', () => {
    parts.fleet = measureFleetFit(ctx);
  });
  await run('synthetic', async () => {
    const s = await runSynthetic(ctx);
    parts.synthetic = {
      ...s.summary,
      clean_coverage: s.clean_coverage,
      excluded_series: s.excluded_series,
      series: s.series,
    };
  });
  await run('nab', async () => {
    const main = await runNab(ctx);
    // MSTL on the whole corpus takes minutes (a refit per file-day): full run only. Prophet would take far longer.
    const others = ctx.quick ? {} : { mstl: without(await runNab(ctx, 'mstl'), 'per_file') };
    parts.nab = { ...main, scoreboard: nabScoreboard(root), other_models: others };
  });
  await run('smdasd', () => {
    const r = runSmdAsd(ctx);
    parts.smd = r.smd;
    parts.asd = r.asd;
  });
  await run('daemon', async () => {
    parts.daemon = await runDaemon(ctx);
  });
  const loadEnd = loadReport();
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick: args.quick,
    commands: [args.quick ? 'npm run bench -- --quick' : 'npm run bench'],
    machine: machineInfo(),
    load: {
      start: loadStart.uptime,
      end: loadEnd.uptime,
      loadavg_start: loadStart.loadavg,
      loadavg_end: loadEnd.loadavg,
    },
    wall_s: round((performance.now() - t0) / 1000, 1),
    peak_rss_mb: round(peakRssMb(), 1),
    ...parts,
    suite_seconds: seconds,
    errors,
  };
  const problems = args.only.length === SUITES.length ? validateResults(results) : [];
  const outDir = path.join(root, 'bench');
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'RESULTS.md'), renderResultsMarkdown(results, problems));
  process.stdout.write(
    `\n${headlineTables(results)}\n\nwrote bench/results.json and bench/RESULTS.md in ${results.wall_s} s\n`,
  );
  if (problems.length > 0) {
    process.stderr.write(`results.json is missing required keys:\n  ${problems.join('\n  ')}\n`);
    return 1;
  }
  return Object.keys(errors).length > 0 ? 1 : 0;
}

function without<T extends object, K extends keyof T>(obj: T, key: K): Omit<T, K> {
  const copy: T = { ...obj };
  delete copy[key];
  return copy;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
