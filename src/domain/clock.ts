/** Time is a dependency: everything that schedules or timestamps takes a Clock so tests can drive it. */
export interface Clock {
  /** Current time, epoch milliseconds. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
