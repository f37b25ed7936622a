import type { Actions } from '../contexts';

// Wired to the real implementations as they land.
const notYet = (name: string) => (): Promise<number> => Promise.reject(new Error(`${name} is not wired yet`));

export const realActions: Actions = {
  monitor: notYet('monitor'),
  train: notYet('train'),
  evaluate: notYet('evaluate'),
  simulate: notYet('simulate'),
  check: notYet('check'),
};
