import {
  countLines,
  escapeStringField,
  labelTags,
  toLines,
  type SkipCounter,
} from '../../../src/sinks/lineProtocol';
import type { PointRecord } from '../../../src/sinks/types';

const T = 1767225600123; // 2026-01-01T00:00:00.123Z

function record(over: Partial<PointRecord> = {}): PointRecord {
  return {
    seriesId: 'cpu{host="a"}',
    query: 'cpu',
    source: 'simulator',
    labels: { host: 'a' },
    timestampMs: T,
    actual: 0.5,
    ...over,
  };
}

const full: PointRecord = record({
  forecast: { modelVersion: 'v1', yhat: 0.4, lower: 0.1, upper: 0.7 },
  anomaly: {
    isAnomaly: true,
    score: 2.5,
    confidence: 0.99,
    threshold: 1,
    direction: -1,
    severity: 'HIGH',
    episodeId: 'cpu{host="a"}:1767225600000',
  },
});

describe('toLines', () => {
  it('writes only the actual line while the series has no model', () => {
    expect(toLines(record(), { tagAllowlist: [] })).toEqual([
      `actual,host=a,query=cpu,series=cpu{host\\="a"},source=simulator value=0.5 ${T}`,
    ]);
  });

  it('writes actual, forecast and anomaly lines with typed fields and the model_version tag', () => {
    expect(toLines(full, { tagAllowlist: [] })).toEqual([
      `actual,host=a,query=cpu,series=cpu{host\\="a"},source=simulator value=0.5 ${T}`,
      `forecast,host=a,model_version=v1,query=cpu,series=cpu{host\\="a"},source=simulator yhat=0.4,yhat_lower=0.1,yhat_upper=0.7 ${T}`,
      `anomaly,host=a,model_version=v1,query=cpu,series=cpu{host\\="a"},source=simulator is_anomaly=true,score=2.5,confidence=0.99,threshold=1,direction=-1i,severity="HIGH",episode_id="cpu{host=\\"a\\"}:1767225600000" ${T}`,
    ]);
  });

  it('escapes spaces, commas and equals signs in tags, and quotes, backslashes and newlines in strings', () => {
    const lines = toLines(
      record({
        seriesId: 'q{path="a b,c=d"}',
        labels: { path: 'a b,c=d' },
        forecast: { modelVersion: 'v 1', yhat: 1, lower: 0, upper: 2 },
        anomaly: {
          isAnomaly: false,
          score: 0,
          confidence: 0,
          threshold: 1,
          direction: 0,
          severity: 'NONE',
          episodeId: 'say "hi"\\\nbye',
        },
      }),
      { tagAllowlist: [] },
    );
    expect(lines[0]).toBe(
      `actual,path=a\\ b\\,c\\=d,query=cpu,series=q{path\\="a\\ b\\,c\\=d"},source=simulator value=0.5 ${T}`,
    );
    expect(lines[2]).toBe(
      `anomaly,model_version=v\\ 1,path=a\\ b\\,c\\=d,query=cpu,series=q{path\\="a\\ b\\,c\\=d"},source=simulator ` +
        `is_anomaly=false,score=0,confidence=0,threshold=1,direction=0i,severity="NONE",episode_id="say \\"hi\\"\\\\\\nbye" ${T}`,
    );
    expect(escapeStringField('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('prefixes labels that collide with our tags or InfluxDB reserved names', () => {
    expect(
      labelTags({ series: 's', source: 'x', time: 't', _field: 'f', label_series: 'y', zone: 'z' }, []),
    ).toEqual([
      ['label__field', 'f'],
      ['label_series', 'y'],
      ['label_label_series', 's'],
      ['label_source', 'x'],
      ['label_time', 't'],
      ['zone', 'z'],
    ]);
  });

  it('keeps only allow-listed labels and leaves out empty ones', () => {
    const lines = toLines(record({ labels: { host: 'a', dc: 'eu', pod: '' } }), {
      tagAllowlist: ['dc', 'pod'],
    });
    expect(lines).toEqual([`actual,dc=eu,query=cpu,series=cpu{host\\="a"},source=simulator value=0.5 ${T}`]);
  });

  it('leaves out NaN/Infinity fields and counts them, dropping a line with no field left', () => {
    const skipped: SkipCounter = { fields: 0, lines: 0 };
    const lines = toLines(
      record({
        actual: Number.NaN,
        forecast: { modelVersion: 'v1', yhat: Infinity, lower: -Infinity, upper: 3 },
      }),
      { tagAllowlist: [], skipped },
    );
    expect(lines).toEqual([
      `forecast,host=a,model_version=v1,query=cpu,series=cpu{host\\="a"},source=simulator yhat_upper=3 ${T}`,
    ]);
    expect(skipped).toEqual({ fields: 3, lines: 1 });
  });

  it('drops every line of a record with a non-finite timestamp, counted', () => {
    const skipped: SkipCounter = { fields: 0, lines: 0 };
    expect(toLines({ ...full, timestampMs: Number.NaN }, { tagAllowlist: [], skipped })).toEqual([]);
    expect(skipped.lines).toBe(3);
  });

  it('writes integer millisecond timestamps and float fields that round-trip', () => {
    const [l] = toLines(record({ timestampMs: T + 0.7, actual: 1e21 }), { tagAllowlist: [] });
    expect(l.endsWith(` value=1e+21 ${T}`)).toBe(true);
    const [m] = toLines(record({ actual: -0.1 + 0.2 }), { tagAllowlist: [] });
    expect(Number(/value=(\S+)/.exec(m)?.[1])).toBe(-0.1 + 0.2);
  });

  it('counts lines of a body', () => {
    expect(countLines('a x=1 1\n\nb x=2 2\n')).toBe(2);
  });
});
