import type { MetricSource } from '../../../../src/pipeline/ports';
import type { PrometheusError } from '../../../../src/sources/prometheus/errors';
import { PrometheusMetricSource } from '../../../../src/sources/prometheus/metricSource';
import type { PrometheusQueryApi } from '../../../../src/sources/prometheus/source';
import { PrometheusSource } from '../../../../src/sources/prometheus/source';
import { PrometheusClient } from '../../../../src/sources/prometheus/client';
import {
  failure,
  fakeSleep,
  rangeEvaluator,
  startStubPrometheus,
  type StubPrometheus,
} from './stubPrometheus';
import { collect } from '../../../helpers/collect';
import type { SeriesBatch } from '../../../../src/pipeline/ports';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

let stub: StubPrometheus;
beforeEach(async () => {
  const evaluate = rangeEvaluator(() => [
    { metric: { host: 'a' }, value: (t) => (t === T0 ? NaN : 1) },
    { metric: { host: 'b' }, value: () => 2 },
  ]);
  stub = await startStubPrometheus((req) =>
    req.params.get('query') === 'bad(' ? failure(400, 'bad_data', 'parse error') : evaluate(req),
  );
});
afterEach(async () => {
  await stub.close();
});

function adapter(errors: PrometheusError[]): PrometheusMetricSource {
  const client: PrometheusQueryApi = new PrometheusClient({
    url: stub.url,
    timeoutMs: 2000,
    retries: 0,
    sleep: fakeSleep().sleep,
  });
  const source = new PrometheusSource({
    client,
    queries: [
      { name: 'cpu', promql: 'x' },
      { name: 'broken', promql: 'bad(' },
    ],
    defaultStepSeconds: 60,
  });
  return new PrometheusMetricSource({ source, onQueryError: (e) => void errors.push(e) });
}

describe('PrometheusMetricSource', () => {
  it("fits the pipeline's MetricSource port and flattens one batch per series, NaN kept", async () => {
    const errors: PrometheusError[] = [];
    const port: MetricSource = adapter(errors);
    expect(port.mode).toBe('prometheus');
    const batches = await port.poll(T0);
    expect(batches).toEqual([
      { query: 'cpu', labels: { host: 'a' }, samples: [{ timestampMs: T0, value: NaN }] },
      { query: 'cpu', labels: { host: 'b' }, samples: [{ timestampMs: T0, value: 2 }] },
    ]);
    expect(errors.map((e) => [e.queryName, e.kind])).toEqual([['broken', 'bad_query']]);
  });

  it('returns history batches tagged with the query name', async () => {
    const port: MetricSource = adapter([]);
    const history = await collect<SeriesBatch>((on) =>
      port.history({ name: 'cpu', promql: 'x' }, 3 * MIN, T0 + 3 * MIN, on),
    );
    expect(history.map((b) => [b.query, b.labels.host, b.samples.length])).toEqual([
      ['cpu', 'a', 3],
      ['cpu', 'b', 3],
    ]);
  });
});
