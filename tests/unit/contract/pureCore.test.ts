import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// The pure core (models, detection, evaluation metrics) does no I/O and reads no clock of its own: the daemon,
// the backtest and the tests drive it with the same data and an injected clock, which is what makes a
// backtest mean what the daemon does and a test deterministic. This binds that rule to the code.

const ROOT = join(__dirname, '..', '..', '..');
const CORE_DIRS = ['src/model', 'src/detect', 'src/evaluate'];
/** What core files may import: other core files and the domain types. */
const ALLOWED_TOP = new Set(['model', 'detect', 'evaluate', 'domain']);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1] ?? match[2] ?? match[3]);
  return specifiers;
}

const files = CORE_DIRS.flatMap((dir) => tsFiles(join(ROOT, dir)));

describe('the pure core', () => {
  it('has files to check (the walk found the core)', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files.some((f) => f.endsWith(join('model', 'forecaster.ts')))).toBe(true);
  });

  it('imports no Node module, no package and nothing outside the core and the domain types', () => {
    const offending: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) {
          offending.push(`${relative(ROOT, file)} imports ${spec}`);
          continue;
        }
        const target = relative(join(ROOT, 'src'), join(file, '..', spec)).split(/[\\/]/)[0];
        if (!ALLOWED_TOP.has(target)) offending.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('reads no wall clock and no unseeded randomness (clocks and seeds are injected)', () => {
    const offending: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/Date\.now\(|new Date\(\)|Math\.random\(|process\./.test(code)) {
          offending.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    expect(offending).toEqual([]);
  });

  it('would catch a violation (the checks are not vacuous)', () => {
    expect(importsOf("import { readFileSync } from 'node:fs';\nimport x from '../sinks/y';")).toEqual([
      'node:fs',
      '../sinks/y',
    ]);
  });
});
