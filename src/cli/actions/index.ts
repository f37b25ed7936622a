import type { Actions } from '../contexts';
import { checkAction } from './check.action';
import { evaluateAction } from './evaluate.action';
import { monitorAction } from './monitor.action';
import { simulateAction } from './simulate.action';
import { trainAction } from './train.action';

export const realActions: Actions = {
  monitor: monitorAction,
  train: trainAction,
  evaluate: evaluateAction,
  simulate: simulateAction,
  check: checkAction,
};
