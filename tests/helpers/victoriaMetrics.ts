import { spawnVictoriaMetrics, type VictoriaProcess } from '../../bench/victoria';

/** One series as returned by VictoriaMetrics' `/api/v1/export` (JSON lines). */
export interface ExportedSeries {
  /** Labels, `__name__` included (e.g. `forecast_yhat`). */
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly number[];
  /** Epoch milliseconds. */
  readonly timestamps: readonly number[];
}

/** A running VictoriaMetrics single-node server, with what the integration tests read back. */
export interface VictoriaMetrics extends VictoriaProcess {
  /** Makes recently written rows visible to queries and exports. */
  flush(): Promise<void>;
  /** Every series matching the selector, with all its samples. */
  exportSeries(match: string): Promise<ExportedSeries[]>;
}

export interface VictoriaMetricsOptions {
  readonly startTimeoutMs?: number;
  readonly extraArgs?: readonly string[];
}

/**
 * Starts `victoria-metrics` on 127.0.0.1 (a free port, a temp data dir) through the one lifecycle the
 * bench uses too (bench/victoria.ts); `stop()` ends it by PID and removes the data dir.
 */
export async function startVictoriaMetrics(options: VictoriaMetricsOptions = {}): Promise<VictoriaMetrics> {
  const vm = await spawnVictoriaMetrics({ ...options, dataDirPrefix: 'anomalyd-vm-' });
  return {
    ...vm,
    async flush() {
      const res = await fetch(`${vm.url}/internal/force_flush`);
      if (!res.ok) throw new Error(`force_flush: HTTP ${res.status}`);
    },
    async exportSeries(match) {
      const res = await fetch(
        `${vm.url}/api/v1/export?${new URLSearchParams({ 'match[]': match }).toString()}`,
      );
      if (!res.ok) throw new Error(`export ${match}: HTTP ${res.status}: ${await res.text()}`);
      const text = await res.text();
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ExportedSeries);
    },
  };
}
