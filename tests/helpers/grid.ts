/** Step and origin of the regular 5-minute grids the level tests replay residuals on. */
export const GRID_STEP_MS = 5 * 60_000;
export const GRID_T0_MS = 1_700_000_000_000;

/** n timestamps one step apart from the origin. */
export function gridTimes(n: number, stepMs = GRID_STEP_MS, t0Ms = GRID_T0_MS): Float64Array {
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = t0Ms + i * stepMs;
  return ts;
}
