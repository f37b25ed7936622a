import type { Labels } from '../domain/series';
import { canonicalSeriesId } from '../domain/series';
import type { SourceTag } from '../sinks/schema';

export interface TrackedSeries<S> {
  readonly id: string;
  readonly query: string;
  readonly labels: Labels;
  source: SourceTag;
  lastSeenMs: number;
  readonly state: S;
}

export type Admission<S> =
  | { readonly kind: 'known'; readonly series: TrackedSeries<S> }
  | { readonly kind: 'new'; readonly series: TrackedSeries<S> }
  | { readonly kind: 'rejected'; readonly id: string };

/**
 * The set of live series: discovered on every poll, forgotten when they stop reporting, capped at
 * `maxSeries` so a cardinality explosion cannot exhaust memory. A rejected series is counted (and the
 * caller logs it once), never dropped silently.
 */
export class SeriesRegistry<S> {
  private readonly series = new Map<string, TrackedSeries<S>>();
  private readonly rejectedIds = new Set<string>();
  private rejectedSamples = 0;

  constructor(
    private readonly maxSeries: number,
    private readonly expiryMs: number,
  ) {}

  get size(): number {
    return this.series.size;
  }

  /** Distinct series refused because of the cap (since start or the last reset by expiry). */
  get rejectedSeries(): number {
    return this.rejectedIds.size;
  }

  /** Samples belonging to refused series. */
  get rejectedSampleCount(): number {
    return this.rejectedSamples;
  }

  values(): IterableIterator<TrackedSeries<S>> {
    return this.series.values();
  }

  get(id: string): TrackedSeries<S> | undefined {
    return this.series.get(id);
  }

  /**
   * Finds or creates the series for (query, labels). `create` builds the per-series state only for a new
   * series under the cap.
   */
  admit(
    query: string,
    labels: Labels,
    source: SourceTag,
    nowMs: number,
    samples: number,
    create: (id: string) => S,
  ): Admission<S> {
    const id = canonicalSeriesId(query, labels);
    const known = this.series.get(id);
    if (known) {
      known.lastSeenMs = nowMs;
      known.source = source;
      return { kind: 'known', series: known };
    }
    if (this.series.size >= this.maxSeries) {
      this.rejectedIds.add(id);
      this.rejectedSamples += samples;
      return { kind: 'rejected', id };
    }
    const tracked: TrackedSeries<S> = { id, query, labels, source, lastSeenMs: nowMs, state: create(id) };
    this.series.set(id, tracked);
    this.rejectedIds.delete(id);
    return { kind: 'new', series: tracked };
  }

  /** Forgets series not seen for `expiryMs`; returns them so the caller can release their resources. */
  expire(nowMs: number): TrackedSeries<S>[] {
    const gone: TrackedSeries<S>[] = [];
    for (const s of this.series.values()) {
      if (nowMs - s.lastSeenMs >= this.expiryMs) gone.push(s);
    }
    for (const s of gone) this.series.delete(s.id);
    return gone;
  }
}
