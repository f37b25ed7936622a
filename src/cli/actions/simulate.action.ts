import { formatDatasetCsv } from '../../sources/csv';
import { generateSeries } from '../../sources/simulator';
import type { SimulateContext } from '../contexts';
import { writeFileAtomically } from './common';

/** A Monday 00:00 UTC, so default files start on a week boundary and are reproducible byte for byte. */
export const DEFAULT_SIMULATION_START_MS = Date.UTC(2026, 0, 5);

export function simulateAction(ctx: SimulateContext): Promise<number> {
  const points = Math.max(1, Math.round((ctx.days * 86_400_000) / ctx.stepMs));
  const generated = generateSeries({
    kind: ctx.kind,
    seed: ctx.seed,
    startMs: ctx.startMs ?? DEFAULT_SIMULATION_START_MS,
    stepMs: ctx.stepMs,
    points,
    anomalyRatePerDay: ctx.anomaliesPerDay,
  });
  const { series, events } = generated;
  writeFileAtomically(ctx.out, formatDatasetCsv(series.timestampsMs, series.values, series.labels), '--out');
  const byType = new Map<string, number>();
  for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
  const labelled = series.labels?.reduce((a, b) => a + b, 0) ?? 0;
  const kinds = [...byType].map(([t, n]) => `${t} ${n}`).join(', ');
  process.stdout.write(
    `wrote ${ctx.out}: ${points} points of ${ctx.kind} at a ${ctx.stepMs / 1000}s step, ` +
      `${events.length} anomalies (${kinds || 'none'}), ${labelled} labelled points, noise sigma ${generated.noiseSigma.toPrecision(3)}\n`,
  );
  return Promise.resolve(0);
}
