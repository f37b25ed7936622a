/**
 * The detector's half of the run level (model/runLevel.ts): whether the points of the current N-of-M
 * window lie beyond the size that runs outside the band reach in the series' own training history more
 * often than RUN_RATE_PER_DAY. The model learns the level for its default rule, 4 of the last 5 points;
 * a detector configured with another rule leaves it unused (the level would answer a different question).
 */
import { RUN_MIN_POINTS, RUN_WINDOW } from '../model/runLevel';

export class RunRarity {
  private level = 0;
  private readonly sizeMs = new Float64Array(RUN_WINDOW);
  private readonly size = new Float64Array(RUN_WINDOW);
  private count = 0;
  private next = 0;
  private readonly applies: boolean;

  /**
   * @param window, minPoints the configured N-of-M rule
   * @param stepMs sampling step in ms, to bound the window in time like the episode tracker; unknown =
   *   the smallest spacing seen
   */
  constructor(
    window: number,
    minPoints: number,
    private readonly stepMs?: number,
  ) {
    this.applies = window === RUN_WINDOW && minPoints === RUN_MIN_POINTS;
  }

  private inferredStepMs = Number.POSITIVE_INFINITY;
  private lastMs = Number.NEGATIVE_INFINITY;

  /** Adopts a newly fitted model's level (`metrics.runLevel`); none (older model files, augurs) = 0. */
  learn(level: number | undefined): void {
    this.level = this.applies && level !== undefined && Number.isFinite(level) && level > 0 ? level : 0;
  }

  /**
   * Records the size of the point at `timestampMs`: |actual − yhat′| / scale′ against the point it is judged
   * against (NaN when missing), and answers whether the window ending here is rare: at least RUN_MIN_POINTS
   * of its points beyond the level. Always true without a level.
   */
  observe(timestampMs: number, size: number): boolean {
    if (!(timestampMs > this.lastMs)) return this.level === 0;
    if (Number.isFinite(this.lastMs))
      this.inferredStepMs = Math.min(this.inferredStepMs, timestampMs - this.lastMs);
    this.lastMs = timestampMs;
    this.sizeMs[this.next] = timestampMs;
    this.size[this.next] = size;
    // A compare, not `% RUN_WINDOW`: the imported constant is a property load in the compiled module, so
    // the remainder was an integer division per point.
    this.next = this.next + 1 === RUN_WINDOW ? 0 : this.next + 1;
    this.count = Math.min(RUN_WINDOW, this.count + 1);
    if (this.level === 0) return true;
    const step = this.stepMs !== undefined && this.stepMs > 0 ? this.stepMs : this.inferredStepMs;
    const horizon = Number.isFinite(step) ? (RUN_WINDOW - 0.5) * step : Number.POSITIVE_INFINITY;
    let beyond = 0;
    for (let j = 0; j < this.count; j++) {
      if (timestampMs - this.sizeMs[j] <= horizon && this.size[j] > this.level) beyond++;
    }
    return beyond >= RUN_MIN_POINTS;
  }
}
