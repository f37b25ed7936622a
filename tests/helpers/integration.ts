import { execFileSync } from 'node:child_process';

/**
 * Integration suites need real binaries (prometheus, victoria-metrics, chromium). On a laptop without them
 * the suite is skipped with a clear message; in CI (ANOMALYD_REQUIRE_INTEGRATION=1) a missing binary fails.
 */
export function findBinary(name: string): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/** Returns `describe` when every binary is present, else `describe.skip` (or throws in CI). */
export function describeWithBinaries(binaries: readonly string[]): jest.Describe {
  const missing = binaries.filter((b) => findBinary(b) === undefined);
  if (missing.length === 0) return describe;
  const msg = `integration suite needs ${missing.join(', ')} on PATH (apt-get install -y ${missing.join(' ')})`;
  if (process.env.ANOMALYD_REQUIRE_INTEGRATION === '1') {
    throw new Error(`${msg}; ANOMALYD_REQUIRE_INTEGRATION=1 forbids skipping`);
  }
  console.warn(`SKIPPED: ${msg}`);
  return describe.skip;
}
