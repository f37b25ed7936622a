import { canonicalSeriesId } from '../../../src/domain/series';
import { Random } from '../../../src/domain/random';

describe('canonicalSeriesId', () => {
  it('is the same whatever order the labels arrive in', () => {
    const a = canonicalSeriesId('cpu', { instance: 'h1:9100', job: 'node', mode: 'idle' });
    const b = canonicalSeriesId('cpu', { mode: 'idle', job: 'node', instance: 'h1:9100' });
    expect(a).toBe(b);
    expect(a).toBe('cpu{instance="h1:9100",job="node",mode="idle"}');
  });

  it('keeps series with different values or query names apart', () => {
    expect(canonicalSeriesId('cpu', { a: '1' })).not.toBe(canonicalSeriesId('cpu', { a: '2' }));
    expect(canonicalSeriesId('cpu', { a: '1' })).not.toBe(canonicalSeriesId('mem', { a: '1' }));
  });

  it('escapes label values so a comma inside a value cannot forge another label', () => {
    expect(canonicalSeriesId('q', { a: '1,b=2' })).not.toBe(canonicalSeriesId('q', { a: '1', b: '2' }));
  });
});

describe('Random', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new Random(1);
    const b = new Random(1);
    const c = new Random(2);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
  });

  it('draws normals with mean ~0 and standard deviation ~1', () => {
    const r = new Random(42);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.sqrt(s2 / n - mean * mean)).toBeCloseTo(1, 1);
  });

  it('draws integers inside the inclusive range', () => {
    const r = new Random(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(3, 5));
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });
});
