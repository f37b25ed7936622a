import type { Actions } from '../../../src/cli/contexts';
import { runCli } from '../../../src/cli/program';
import { UserError } from '../../../src/domain/errors';

function fakeActions(): { actions: Actions; calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  const record =
    (name: string) =>
    (ctx: unknown): Promise<number> => {
      calls.push([name, ctx]);
      return Promise.resolve(0);
    };
  return {
    calls,
    actions: {
      monitor: record('monitor'),
      train: record('train'),
      evaluate: record('evaluate'),
      simulate: record('simulate'),
      check: record('check'),
    },
  };
}

async function run(argv: string[], actions: Actions) {
  let out = '';
  let err = '';
  const code = await runCli(argv, actions, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('anomalyd CLI', () => {
  it('turns monitor flags into a typed context', async () => {
    const { actions, calls } = fakeActions();
    const r = await run(
      [
        'monitor',
        '--interval',
        '15',
        '--once',
        '--source',
        'simulator',
        '--threshold-multiplier',
        '1.5',
        '--log-level',
        'debug',
      ],
      actions,
    );
    expect(r.code).toBe(0);
    expect(calls).toEqual([
      [
        'monitor',
        { once: true, intervalSeconds: 15, source: 'simulator', thresholdMultiplier: 1.5, logLevel: 'debug' },
      ],
    ]);
  });

  it('gives evaluate its documented defaults', async () => {
    const { actions, calls } = fakeActions();
    await run(['evaluate', '--dataset', 'x.csv', '--inject', '5%', '--json'], actions);
    expect(calls[0]).toEqual([
      'evaluate',
      {
        dataset: 'x.csv',
        trainRatio: 0.8,
        repairTimestamps: false,
        seed: 1,
        json: true,
        outputDir: 'out',
        plots: true,
        inject: { fraction: 0.05 },
      },
    ]);
  });

  it('parses --inject as a count and --no-plots', async () => {
    const { actions, calls } = fakeActions();
    await run(['evaluate', '-d', 'x.csv', '--inject', '12', '--seed', '7', '--no-plots'], actions);
    expect(calls[0][1]).toMatchObject({ inject: { count: 12 }, seed: 7, plots: false });
  });

  it('parses simulate durations', async () => {
    const { actions, calls } = fakeActions();
    await run(['simulate', '--days', '28', '--step', '5m', '--seed', '1', '--out', 'f.csv'], actions);
    expect(calls[0]).toEqual([
      'simulate',
      { days: 28, stepMs: 300_000, seed: 1, out: 'f.csv', kind: 'cpu', anomaliesPerDay: 0.5 },
    ]);
  });

  it.each([
    [['evaluate', '-d', 'x.csv', '--train-ratio', '1.5'], /--train-ratio.*between 0 and 1/],
    [['monitor', '--source', 'kafka'], /--source.*auto, prometheus, simulator/],
    [['monitor', '--interval', 'soon'], /--interval/],
    [['simulate', '--out', 'f.csv', '--step', '5 minutes'], /--step.*30s, 5m/],
    [['train'], /required option '-d, --dataset <file>'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('rejects %j with exit code 2 and a message naming the flag', async (argv, message) => {
    const { actions, calls } = fakeActions();
    const r = await run(argv, actions);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(calls).toHaveLength(0);
  });

  it('prints a user error on one line without a stack trace and exits 2', async () => {
    const { actions } = fakeActions();
    actions.evaluate = () => Promise.reject(new UserError('data.csv:3: value "abc" is not a number'));
    const r = await run(['evaluate', '-d', 'data.csv'], actions);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: data.csv:3: value "abc" is not a number\n');
  });

  it('reports an unexpected failure as an internal error with exit code 1', async () => {
    const { actions } = fakeActions();
    actions.check = () => Promise.reject(new TypeError('boom'));
    const r = await run(['check'], actions);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^internal error: boom/);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('passes an action exit code through', async () => {
    const { actions } = fakeActions();
    actions.check = () => Promise.resolve(3);
    expect((await run(['check'], actions)).code).toBe(3);
  });

  it('prints help with exit code 0', async () => {
    const { actions } = fakeActions();
    const r = await run(['--help'], actions);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/monitor/);
    expect(r.out).toMatch(/evaluate/);
  });

  it('shows the simulate --step default as a duration a user can type, not in milliseconds', async () => {
    const { actions } = fakeActions();
    const r = await run(['simulate', '--help'], actions);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--step <duration>\s+sampling step, e\.g\. 30s, 1m, 5m \(default: 5m\)/);
    expect(r.out).not.toContain('300000');
  });
});

describe('anomalyd CLI dataset flags', () => {
  it('passes --repair-timestamps to train and evaluate', async () => {
    const { actions, calls } = fakeActions();
    await run(['train', '-d', 'nab.csv', '--repair-timestamps'], actions);
    await run(['evaluate', '-d', 'nab.csv', '--repair-timestamps', '--labels', 'w.json'], actions);
    expect(calls[0][1]).toMatchObject({
      dataset: 'nab.csv',
      repairTimestamps: true,
      modelPath: 'models/model.json',
    });
    expect(calls[1][1]).toMatchObject({ dataset: 'nab.csv', repairTimestamps: true, labelsPath: 'w.json' });
  });
});
