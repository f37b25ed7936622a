import type { Direction, Episode, Severity } from '../domain/anomaly';
import type { Labels } from '../domain/series';
import type { SourceTag } from './schema';

/**
 * One scored observation of one series, as handed to a sink. A sink turns it into up to three InfluxDB
 * points (actual, forecast, anomaly) sharing the sample's timestamp.
 */
export interface PointRecord {
  readonly seriesId: string;
  readonly query: string;
  readonly source: SourceTag;
  /** The series' own labels (written as extra tags, subject to the allow-list). */
  readonly labels: Labels;
  /** Sample timestamp, epoch ms UTC. */
  readonly timestampMs: number;
  readonly actual: number;
  /** Absent while the series has no model yet (only `actual` is written then). */
  readonly forecast?: {
    readonly modelVersion: string;
    readonly yhat: number;
    readonly lower: number;
    readonly upper: number;
  };
  readonly anomaly?: {
    readonly isAnomaly: boolean;
    readonly score: number;
    readonly confidence: number;
    readonly threshold: number;
    readonly direction: Direction;
    readonly severity: Exclude<Severity, 'NONE'> | 'NONE';
    /** Empty string when the point belongs to no episode. */
    readonly episodeId: string;
  };
}

/** An episode transition, for the human-readable anomalies log and alerts. */
export interface EpisodeEvent {
  readonly kind: 'opened' | 'updated' | 'closed';
  readonly seriesId: string;
  readonly query: string;
  readonly source: SourceTag;
  readonly labels: Labels;
  readonly episode: Episode;
}

export type SinkResult = 'written' | 'retried' | 'spooled' | 'dead_letter' | 'dropped';

export interface SinkStats {
  /** Points (InfluxDB points, i.e. lines) by outcome since start. */
  readonly points: Readonly<Record<SinkResult, number>>;
  /** Points accepted and waiting in memory. */
  readonly bufferPoints: number;
  /** Bytes currently held in the on-disk spool. */
  readonly spoolBytes: number;
  /** False while writes are failing (retrying, spooling). */
  readonly healthy: boolean;
}

/**
 * Where scored points go. `write` never blocks or throws for delivery problems: accepted data is buffered,
 * retried, spooled to disk and replayed, so the detection loop never waits on the sink.
 */
export interface Sink {
  write(records: readonly PointRecord[]): void;
  writeEpisodeEvents(events: readonly EpisodeEvent[]): void;
  /** Tries to deliver everything buffered now; resolves when done or when it has been spooled. */
  flush(): Promise<void>;
  /**
   * Stops accepting, delivers what it can within `timeoutMs`, spools the rest to disk (so nothing accepted
   * is lost) and releases resources.
   */
  close(timeoutMs: number): Promise<void>;
  stats(): SinkStats;
}
