import { UserError } from '../../domain/errors';
import { subSeed } from './profile';
import { METRIC_KINDS, type SimulatedSeriesSpec } from './types';

/**
 * Upper bound on simulated hosts: each host is three series, and the daemon caps tracked series anyway.
 * 5,000 hosts (15,000 series) leaves room for the 10,000-series fleet benchmark (bench/daemon.ts).
 */
export const MAX_SIMULATED_HOSTS = 5000;

/**
 * The series the daemon simulates: `hosts` hosts, each with a cpu, memory and latency series. Labels look
 * like a node exporter target: `{instance: "sim-host-01:9100", host: "sim-host-01", metric: "cpu"}`. Each
 * host gets its own seed (shared by its three series, so they peak together).
 *
 * @param hosts 1..{@link MAX_SIMULATED_HOSTS}
 * @throws UserError when `hosts` is out of range.
 */
export function simulatedHosts(hosts: number, seed: number): SimulatedSeriesSpec[] {
  if (!(Number.isInteger(hosts) && hosts >= 1 && hosts <= MAX_SIMULATED_HOSTS)) {
    throw new UserError(
      `simulator.hosts must be a whole number from 1 to ${MAX_SIMULATED_HOSTS}, got ${hosts}; fix the config`,
    );
  }
  const width = String(hosts).length < 2 ? 2 : String(hosts).length;
  const specs: SimulatedSeriesSpec[] = [];
  for (let h = 0; h < hosts; h++) {
    const host = `sim-host-${String(h + 1).padStart(width, '0')}`;
    const hostSeed = subSeed(seed, 1000 + h);
    for (const kind of METRIC_KINDS) {
      specs.push({ labels: { instance: `${host}:9100`, host, metric: kind }, kind, seed: hostSeed });
    }
  }
  return specs;
}
