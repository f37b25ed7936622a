import {
  SimulatorSource,
  type SimulatedBatch,
  type SimulatorSourceOptions,
} from '../../../src/sources/simulator/simulatorSource';
import { createSeriesGenerator } from '../../../src/sources/simulator/generator';
import { simulatedHosts } from '../../../src/sources/simulator/hosts';
import { collect } from '../../helpers/collect';

const MIN = 60_000;
const HOUR_MS = 60 * MIN;
/** On the 30 s grid on purpose, so the first history sample and the live one are easy to predict. */
const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const KINDS = ['cpu', 'memory', 'latency'] as const;

const OPTIONS: SimulatorSourceOptions = {
  hosts: 2,
  seed: 7,
  stepMs: 30_000,
  backfillMs: 6 * HOUR_MS,
  anomaliesPerDay: 0.5,
};

/** The samples of a history batch, whether it came as objects or as a regular grid. */
function historySamples(b: SimulatedBatch): Array<{ timestampMs: number; value: number }> {
  if (!b.grid) return [...b.samples];
  const { startMs, stepMs, values } = b.grid;
  return Array.from(values, (value, i) => ({ timestampMs: startMs + i * stepMs, value }));
}

function historyOf(
  sim: SimulatorSource,
  query: { name: string },
  windowMs: number,
  nowMs: number,
): Promise<SimulatedBatch[]> {
  // The simulator reuses its chunk buffer: copy each batch as it comes.
  return collect((on) =>
    sim.history(query, windowMs, nowMs, (b) =>
      on({ ...b, ...(b.grid ? { grid: { ...b.grid, values: Float64Array.from(b.grid.values) } } : {}) }),
    ),
  );
}

describe('SimulatorSource', () => {
  it('backfills history on the first poll, on the step grid up to (not including) the poll time', async () => {
    const sim = new SimulatorSource(OPTIONS);
    expect(sim.mode).toBe('simulator');
    // Nothing exists before the first poll.
    expect(await historyOf(sim, { name: 'cpu' }, 6 * HOUR_MS, NOW)).toEqual([]);

    const live = await sim.poll(NOW);
    expect(live).toHaveLength(2 * KINDS.length);

    const perSeries = (6 * HOUR_MS) / OPTIONS.stepMs; // 720
    for (const kind of KINDS) {
      const history = await historyOf(sim, { name: kind }, 6 * HOUR_MS, NOW);
      expect(history.map((h) => h.labels.host)).toEqual(['sim-host-01', 'sim-host-02']);
      for (const h of history) {
        expect(h.query).toBe(kind);
        expect(h.labels).toEqual({ instance: `${h.labels.host}:9100`, host: h.labels.host, metric: kind });
        // (NOW - 6 h, NOW): the window excludes its start, and the live sample at NOW is not history.
        const hs = historySamples(h);
        expect(hs).toHaveLength(perSeries - 1);
        expect(hs[0].timestampMs).toBe(NOW - 6 * HOUR_MS + OPTIONS.stepMs);
        expect(hs.at(-1)?.timestampMs).toBe(NOW - OPTIONS.stepMs);
        hs.forEach((s, i) => {
          expect(s.timestampMs).toBe(hs[0].timestampMs + i * OPTIONS.stepMs);
          expect(Number.isFinite(s.value)).toBe(true);
        });
      }
    }
  });

  it('hands the history out once, and only within the window asked for', async () => {
    const sim = new SimulatorSource(OPTIONS);
    await sim.poll(NOW);
    const recent = await historyOf(sim, { name: 'memory' }, HOUR_MS, NOW);
    expect(recent).toHaveLength(2);
    for (const h of recent) {
      const hs = historySamples(h);
      expect(hs).toHaveLength(HOUR_MS / OPTIONS.stepMs - 1);
      expect(hs[0].timestampMs).toBe(NOW - HOUR_MS + OPTIONS.stepMs);
    }
    // Handed out (and freed): a second call gets nothing for that query; other queries are unaffected.
    expect(await historyOf(sim, { name: 'memory' }, HOUR_MS, NOW)).toEqual([]);
    expect(await historyOf(sim, { name: 'cpu' }, HOUR_MS, NOW)).toHaveLength(2);
    expect(await historyOf(sim, { name: 'no_such_query' }, HOUR_MS, NOW)).toEqual([]);
  });

  it('emits one sample per series per poll, timestamped at the cycle time', async () => {
    const sim = new SimulatorSource(OPTIONS);
    const times = [NOW, NOW + 30_000, NOW + 61_234, NOW + 95_000];
    for (const t of times) {
      const batches = await sim.poll(t);
      expect(batches).toHaveLength(6);
      for (const b of batches) {
        expect(b.samples).toHaveLength(1);
        expect(b.samples[0].timestampMs).toBe(t);
        expect(Number.isFinite(b.samples[0].value)).toBe(true);
      }
      expect(batches.map((b) => `${b.query}/${b.labels.host}`).sort()).toEqual(
        ['sim-host-01', 'sim-host-02'].flatMap((h) => KINDS.map((k) => `${k}/${h}`)).sort(),
      );
    }
    // Live polls do not refill the history.
    expect(await historyOf(sim, { name: 'cpu' }, 6 * HOUR_MS, NOW + 95_000)).toHaveLength(2);
    expect(await historyOf(sim, { name: 'cpu' }, 6 * HOUR_MS, NOW + 95_000)).toEqual([]);
  });

  it('gives the same values for the same seed, and different ones for another seed', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const sim = new SimulatorSource({ ...OPTIONS, seed });
      const values: number[] = [];
      for (let i = 0; i < 20; i++) {
        for (const b of await sim.poll(NOW + i * OPTIONS.stepMs)) values.push(b.samples[0].value);
      }
      for (const kind of KINDS) {
        for (const h of await historyOf(sim, { name: kind }, OPTIONS.backfillMs, NOW)) {
          for (const s of historySamples(h)) values.push(s.value);
        }
      }
      return values;
    };
    const a = await run(7);
    expect(a).toHaveLength(20 * 6 + 6 * ((6 * HOUR_MS) / OPTIONS.stepMs - 1));
    expect(await run(7)).toEqual(a);
    const other = await run(8);
    expect(other).toHaveLength(a.length);
    expect(other).not.toEqual(a);
  });

  it('streams a history that the live samples continue exactly, as one generator would produce them', async () => {
    // Three days with many anomalies, so the fast-forward of the live generators crosses anomalies too.
    const options = { ...OPTIONS, backfillMs: 3 * 24 * HOUR_MS, anomaliesPerDay: 12 };
    const sim = new SimulatorSource(options);
    const live: SimulatedBatch[][] = [];
    for (let i = 0; i < 5; i++) live.push(await sim.poll(NOW + i * options.stepMs));
    const firstMs = NOW - options.backfillMs;
    const histories: SimulatedBatch[] = [];
    for (const kind of KINDS) {
      histories.push(...(await historyOf(sim, { name: kind }, options.backfillMs + HOUR_MS, NOW)));
    }
    // 3 days at 30 s = 8,640 samples per series, in chunks of 2,880.
    expect(histories).toHaveLength(6 * 3);
    for (const spec of simulatedHosts(options.hosts, options.seed)) {
      const pieces = histories.filter((b) => b.query === spec.kind && b.labels.host === spec.labels.host);
      expect(pieces).toHaveLength(3);
      const reference = createSeriesGenerator({
        kind: spec.kind,
        seed: spec.seed,
        stepMs: options.stepMs,
        startMs: firstMs,
        anomalyRatePerDay: options.anomaliesPerDay,
      });
      const expected: number[] = [];
      for (let t = firstMs; t < NOW; t += options.stepMs) expected.push(reference.next(t).value);
      for (let i = 0; i < 5; i++) expected.push(reference.next(NOW + i * options.stepMs).value);
      const got = [
        ...pieces.flatMap((h) => historySamples(h).map((x) => x.value)),
        ...live.map(
          (batches) =>
            batches.find((b) => b.query === spec.kind && b.labels.host === spec.labels.host)?.samples[0]
              .value,
        ),
      ];
      expect(got).toEqual(expected);
    }
  });
});
