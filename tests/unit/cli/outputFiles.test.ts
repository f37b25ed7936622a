import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically, writingOutput } from '../../../src/cli/actions/common';
import { UserError } from '../../../src/domain/errors';

describe('CLI output files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'anomalyd-out-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the file whole, creating its parent directories, and leaves no temporary file', () => {
    const path = join(dir, 'a', 'b', 'x.csv');
    writeFileAtomically(path, 'timestamp,value\n', '--out');
    expect(readFileSync(path, 'utf8')).toBe('timestamp,value\n');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['x.csv']);
  });

  it('turns an unwritable path into a user error naming the path and the flag, and cleans up', () => {
    // The target is a directory: the rename fails with EISDIR after the temporary file was written.
    expect(() => writeFileAtomically(dir, 'x', '--out')).toThrow(
      new UserError(`${dir}: cannot write (EISDIR); check --out and the permissions`),
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('maps filesystem errors of an async writer to a user error and lets other errors through', async () => {
    const fsError = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    await expect(writingOutput('out', '--output-dir', () => Promise.reject(fsError))).rejects.toThrow(
      new UserError('out: cannot write (EACCES); check --output-dir and the permissions'),
    );
    const bug = new TypeError('x is undefined');
    await expect(writingOutput('out', '--output-dir', () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(writingOutput('out', '--output-dir', () => 7)).resolves.toBe(7);
  });
});
