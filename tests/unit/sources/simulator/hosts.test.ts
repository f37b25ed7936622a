import { UserError } from '../../../../src/domain/errors';
import { canonicalSeriesId } from '../../../../src/domain/series';
import {
  createSeriesGenerator,
  MAX_SIMULATED_HOSTS,
  simulatedHosts,
} from '../../../../src/sources/simulator';

describe('simulatedHosts', () => {
  it('gives each host a cpu, memory and latency series with node-exporter-like labels', () => {
    const specs = simulatedHosts(3, 42);
    expect(specs).toHaveLength(9);
    expect(specs.slice(0, 3).map((s) => [s.kind, s.labels])).toEqual([
      ['cpu', { instance: 'sim-host-01:9100', host: 'sim-host-01', metric: 'cpu' }],
      ['memory', { instance: 'sim-host-01:9100', host: 'sim-host-01', metric: 'memory' }],
      ['latency', { instance: 'sim-host-01:9100', host: 'sim-host-01', metric: 'latency' }],
    ]);
    expect(new Set(specs.map((s) => canonicalSeriesId('sim', s.labels))).size).toBe(9);
  });

  it('is deterministic, shares one seed per host and differs between hosts', () => {
    const a = simulatedHosts(4, 7);
    expect(simulatedHosts(4, 7)).toEqual(a);
    expect(a[0].seed).toBe(a[1].seed);
    expect(new Set(a.map((s) => s.seed)).size).toBe(4);
    expect(simulatedHosts(4, 8)[0].seed).not.toBe(a[0].seed);
  });

  it('gives hosts different signals', () => {
    const [h1, , , h2] = simulatedHosts(2, 1);
    const t = Date.UTC(2024, 0, 1, 14);
    const value = (seed: number): number =>
      createSeriesGenerator({ kind: 'cpu', seed, stepMs: 60_000, startMs: t }).next(t).value;
    expect(value(h1.seed)).not.toBe(value(h2.seed));
  });

  it('simulates a 10,000-series fleet (3,334 hosts)', () => {
    expect(MAX_SIMULATED_HOSTS).toBeGreaterThanOrEqual(3_334);
    expect(simulatedHosts(3_334, 1)).toHaveLength(10_002);
  });

  it('pads host numbers to the width of the count', () => {
    expect(simulatedHosts(120, 1)[3 * 119].labels.host).toBe('sim-host-120');
    expect(simulatedHosts(120, 1)[0].labels.host).toBe('sim-host-001');
  });

  it('rejects a host count out of range', () => {
    for (const bad of [0, 1.5, MAX_SIMULATED_HOSTS + 1, NaN]) {
      expect(() => simulatedHosts(bad, 1)).toThrow(UserError);
    }
    expect(() => simulatedHosts(0, 1)).toThrow(
      `simulator.hosts must be a whole number from 1 to ${MAX_SIMULATED_HOSTS}, got 0; fix the config`,
    );
  });
});
