import { FIELD, MEASUREMENT, TAG } from '../../../src/sinks/schema';
import {
  SAMPLE_VARIABLES,
  checkAgainstSchema,
  interpolateFlux,
  loadFluxParser,
  syntaxErrors,
  type FluxParser,
} from './support/flux';
import { INFLUX_UID, alertQueries, dashboardQueries, type FoundQuery } from './support/stackFiles';

let parser: FluxParser;

beforeAll(() => {
  parser = loadFluxParser();
});

const fluxQueries: FoundQuery[] = [...dashboardQueries(), ...alertQueries()].filter(
  (q) => q.datasource === INFLUX_UID,
);

function analyse(text: string): { errors: string[]; problems: string[] } {
  const ast = parser.parse(interpolateFlux(text, SAMPLE_VARIABLES));
  const errors = syntaxErrors(ast);
  return { errors, problems: errors.length > 0 ? [] : checkAgainstSchema(ast).problems };
}

describe('the Flux parser shim', () => {
  it('loads @influxdata/flux from its WASM bytes and parses a pipeline into an AST', () => {
    const ast = parser.parse('from(bucket: "b") |> range(start: -1h)');
    expect(ast.type).toBe('File');
    expect(syntaxErrors(ast)).toEqual([]);
  });

  it('reports a syntax error as an error, not as an empty result', () => {
    const ast = parser.parse('from(bucket: "b") |> filter(fn: (r) => r._measurement == )');
    expect(syntaxErrors(ast)).toEqual([expect.stringContaining('BadExpression')]);
  });
});

describe('the schema checker', () => {
  const base = `from(bucket: v.defaultBucket) |> range(start: v.timeRangeStart)`;

  it('accepts a query naming only what the writer emits', () => {
    const q = `${base} |> filter(fn: (r) => r._measurement == "${MEASUREMENT.forecast}" and r._field == "${FIELD.forecast.yhatUpper}" and r.${TAG.series} == \${series:json})`;
    expect(analyse(q)).toEqual({ errors: [], problems: [] });
  });

  it('rejects a field that belongs to another measurement', () => {
    const q = `${base} |> filter(fn: (r) => r._measurement == "actual" and r._field == "yhat")`;
    expect(analyse(q).problems).toEqual(['field "yhat" is not written to measurement "actual"']);
  });

  it('rejects an unknown measurement, tag and grouping column', () => {
    const q = `${base} |> filter(fn: (r) => r._measurement == "anomalies" and r.host == "a") |> group(columns: ["hostname"])`;
    expect(analyse(q).problems).toEqual([
      'reads column "host", which anomalyd does not write',
      'group(columns: "hostname") names a column anomalyd does not write',
      'measurement "anomalies" is not one anomalyd writes',
    ]);
  });

  it('accepts columns the query creates itself with rename, map and join', () => {
    const q = `a = ${base} |> filter(fn: (r) => r._measurement == "actual") |> rename(columns: {_value: "actual_value"})
b = a |> map(fn: (r) => ({r with ratio: r.actual_value}))
join(tables: {x: a, y: b}, on: ["ratio"]) |> keep(columns: ["_time_x", "ratio"])`;
    expect(analyse(q).problems).toEqual([]);
  });

  it('rejects a schema.tagValues on a tag anomalyd does not write', () => {
    const q = `import "influxdata/influxdb/schema"
schema.tagValues(bucket: "b", tag: "hostname", predicate: (r) => r._measurement == "actual")`;
    expect(analyse(q).problems).toEqual(['schema.tagValues(tag: "hostname") is not a tag anomalyd writes']);
  });
});

describe('Grafana variable interpolation', () => {
  it('breaks a quoted ${series} because series ids contain quotes, which is why queries use ${series:json}', () => {
    const quoted = interpolateFlux('r.series == "${series}"', SAMPLE_VARIABLES);
    expect(syntaxErrors(parser.parse(`f = (r) => ${quoted}`))).not.toEqual([]);
    const json = interpolateFlux('r.series == ${series:json}', SAMPLE_VARIABLES);
    expect(syntaxErrors(parser.parse(`f = (r) => ${json}`))).toEqual([]);
  });

  it('refuses a variable that no dashboard defines', () => {
    expect(() => interpolateFlux('r.host == "${host}"', SAMPLE_VARIABLES)).toThrow(
      'unknown Grafana variable ${host}',
    );
  });
});

describe('every Flux query in the dashboards and alert rules', () => {
  it('is found: the overview, the detail dashboard and the alert rules all query InfluxDB', () => {
    const where = fluxQueries.map((q) => q.where);
    expect(where.some((w) => w.startsWith('overview.json'))).toBe(true);
    expect(where.some((w) => w.startsWith('series-detail.json annotation'))).toBe(true);
    expect(where.some((w) => w.startsWith('series-detail.json variable series'))).toBe(true);
    expect(where.some((w) => w.startsWith('alert rule'))).toBe(true);
  });

  it.each(fluxQueries.map((q) => [q.where, q] as const))(
    '%s parses and names only what anomalyd writes',
    (_w, q) => {
      expect(analyse(q.text)).toEqual({ errors: [], problems: [] });
    },
  );

  it('together read every measurement anomalyd writes', () => {
    const read = new Set(
      fluxQueries.flatMap(
        (q) => checkAgainstSchema(parser.parse(interpolateFlux(q.text, SAMPLE_VARIABLES))).measurements,
      ),
    );
    expect([...read].sort()).toEqual(Object.values(MEASUREMENT).sort());
  });
});
