import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendDeadLetter, Spool } from '../../../src/sinks/influx/spool';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalyd-spool-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Spool', () => {
  it('keeps segments in sequence order, also when an older batch is spooled late', () => {
    const s = new Spool(dir, 1e6);
    expect(s.append(5, ['e x=5 5'])).toBe(true);
    expect(s.append(3, ['c x=3 3', 'd x=4 4'])).toBe(true);
    expect(s.oldest()?.seq).toBe(3);
    expect(s.read(s.oldest()!)).toEqual(['c x=3 3', 'd x=4 4']);
    expect(s.countLines()).toBe(3);
    expect(s.bytes).toBe(Buffer.byteLength('e x=5 5\nc x=3 3\nd x=4 4\n'));
  });

  it('is found again by a new instance, ignoring interrupted temp files', () => {
    const a = new Spool(dir, 1e6);
    a.append(1, ['a x=1 1']);
    a.append(2, ['b x=2 2']);
    fs.writeFileSync(path.join(dir, 'seg-0000000000000003.lp.tmp'), 'partial');
    const b = new Spool(dir, 1e6);
    expect(b.size).toBe(2);
    expect(b.maxSeq()).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual(['seg-0000000000000001.lp', 'seg-0000000000000002.lp']);
    b.remove(b.oldest()!);
    expect(new Spool(dir, 1e6).countLines()).toBe(1);
  });

  it('refuses a batch that would exceed maxBytes and writes nothing', () => {
    const s = new Spool(dir, 20);
    expect(s.append(1, ['a x=1 1'])).toBe(true);
    expect(s.append(2, ['b x=2 2', 'c x=3 3'])).toBe(false);
    expect(s.size).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['seg-0000000000000001.lp']);
  });
});

describe('appendDeadLetter', () => {
  it('appends line protocol, creating the directory', () => {
    const file = path.join(dir, 'sub', 'dead.lp');
    appendDeadLetter(file, ['a x=1 1']);
    appendDeadLetter(file, ['b x=2 2', 'c x=3 3']);
    expect(fs.readFileSync(file, 'utf8')).toBe('a x=1 1\nb x=2 2\nc x=3 3\n');
  });
});
