import { DEFAULT_EPISODE_OPTIONS, EpisodeTracker, type EpisodeEvent } from '../../../src/detect';
import type { EpisodeOptions } from '../../../src/detect/types';
import type { Direction } from '../../../src/domain/anomaly';

const MINUTE = 60_000;
const STEP = 5 * MINUTE;
const T0 = 1_700_000_000_000;

/** The brief's reference rules: 2 of 3 to open, hysteresis at 0.7, close after 2, merge within 15 min. */
const RULES: EpisodeOptions = {
  minPoints: 2,
  window: 3,
  closeRatio: 0.7,
  closeAfter: 2,
  mergeGapMs: 15 * MINUTE,
  immediateScore: 3,
};

interface Fed {
  /** Episode id per point, with look-back joins applied. */
  readonly ids: string[];
  readonly events: EpisodeEvent[];
}

/**
 * Feeds scores (threshold 1; NaN = missing sample, skipped) at `stepMs` spacing. A negative score means
 * a deviation below the forecast of that size.
 */
function feed(
  tracker: EpisodeTracker,
  scores: readonly number[],
  { stepMs = STEP, drift = [] as readonly number[] } = {},
): Fed {
  const ids: string[] = [];
  const events: EpisodeEvent[] = [];
  const indexOf = new Map<number, number>();
  scores.forEach((signed, i) => {
    ids.push('');
    if (Number.isNaN(signed)) return;
    const timestampMs = T0 + i * stepMs;
    const score = Math.abs(signed);
    const sign: Direction = signed > 0 ? 1 : signed < 0 ? -1 : 0;
    const step = tracker.observe({
      timestampMs,
      score,
      threshold: 1,
      isAnomaly: score > 1,
      drift: drift.includes(i),
      sign,
    });
    indexOf.set(timestampMs, i);
    ids[i] = step.episodeId;
    for (const t of step.joinedMs) ids[indexOf.get(t) ?? -1] = step.episodeId;
    events.push(...step.events);
  });
  return { ids, events };
}

const kinds = (events: readonly EpisodeEvent[]): string[] => events.map((e) => `${e.kind}:${e.episode.id}`);
const at = (i: number, stepMs = STEP): number => T0 + i * stepMs;

describe('EpisodeTracker', () => {
  it('opens no episode for one isolated anomalous point of score 1.2', () => {
    const { ids, events } = feed(new EpisodeTracker('s', RULES), [0, 0, 1.2, 0, 0, 0, 0]);
    expect(events).toEqual([]);
    expect(ids.every((id) => id === '')).toBe(true);
  });

  it('opens one episode when 2 of 3 points are anomalous, starting at the first of them', () => {
    const tracker = new EpisodeTracker('s', RULES);
    const first = tracker.observe({
      timestampMs: at(1),
      score: 1.2,
      threshold: 1,
      isAnomaly: true,
      drift: false,
      sign: 1,
    });
    tracker.observe({
      timestampMs: at(2),
      score: 0.3,
      threshold: 1,
      isAnomaly: false,
      drift: false,
      sign: 1,
    });
    const third = tracker.observe({
      timestampMs: at(3),
      score: 1.3,
      threshold: 1,
      isAnomaly: true,
      drift: false,
      sign: 1,
    });
    expect(first.episodeId).toBe('');
    expect(third.episodeId).toBe(`s:${at(1)}`);
    expect(third.joinedMs).toEqual([at(1)]);
    expect(third.events).toEqual([
      {
        kind: 'opened',
        episode: {
          id: `s:${at(1)}`,
          startMs: at(1),
          endMs: at(3),
          peakScore: 1.3,
          severity: 'LOW',
          direction: 1,
          points: 2,
          cause: 'band',
          open: true,
        },
      },
    ]);
  });

  it('labels the look-back points that opened an episode with its id, but not the quiet point between', () => {
    const { ids } = feed(new EpisodeTracker('s', RULES), [0, 1.2, 0.3, 1.3, 0]);
    expect(ids).toEqual(['', `s:${at(1)}`, '', `s:${at(1)}`, '']);
  });

  it('opens at once on a single spike at or above immediateScore, without waiting for N-of-M', () => {
    const { ids, events } = feed(new EpisodeTracker('s', RULES), [0, -3.5, 0, 0]);
    expect(ids[1]).toBe(`s:${at(1)}`);
    expect(events[0]).toMatchObject({
      kind: 'opened',
      episode: { startMs: at(1), peakScore: 3.5, severity: 'HIGH', direction: -1, points: 1 },
    });
  });

  it('keeps one episode through a dip to 0.8×threshold (hysteresis) and counts the dip in it', () => {
    const { ids, events } = feed(new EpisodeTracker('s', RULES), [1.5, 1.5, 0.8, 0.8, 0.8, 1.5, 0, 0]);
    const id = `s:${at(0)}`;
    expect(ids).toEqual([id, id, id, id, id, id, '', '']);
    expect(events.filter((e) => e.kind === 'opened')).toHaveLength(1);
    expect(events.at(-1)?.episode).toMatchObject({ id, points: 6, endMs: at(5), open: true });
  });

  it('lets an episode start closing after closeAfter points below the hysteresis level', () => {
    const noMerge = { ...RULES, mergeGapMs: 0 };
    const { events } = feed(new EpisodeTracker('s', noMerge), [1.5, 1.5, 0.5, 0.5, 1.5, 1.5]);
    expect(kinds(events)).toEqual([`opened:s:${at(0)}`, `closed:s:${at(0)}`, `opened:s:${at(4)}`]);
    const closed = events[1];
    expect(closed.episode).toMatchObject({ open: false, endMs: at(1), points: 2 });
  });

  it('merges two bursts 10 minutes apart into one episode with one id and one close', () => {
    // 1-minute samples: burst at 0–2 min, quiet 3–11, burst at 12–14, then quiet.
    const scores = Array.from({ length: 60 }, (_, i) => (i <= 2 || (i >= 12 && i <= 14) ? 2 : 0));
    const { ids, events } = feed(new EpisodeTracker('s', RULES), scores, { stepMs: MINUTE });
    const id = `s:${at(0, MINUTE)}`;
    expect(new Set(ids.filter((x) => x !== ''))).toEqual(new Set([id]));
    expect([12, 13, 14].map((i) => ids[i])).toEqual([id, id, id]);
    expect(events.filter((e) => e.kind === 'opened')).toHaveLength(1);
    const closes = events.filter((e) => e.kind === 'closed');
    expect(closes).toHaveLength(1);
    expect(closes[0].episode).toMatchObject({ id, startMs: at(0, MINUTE), endMs: at(14, MINUTE), points: 6 });
  });

  it('keeps two bursts an hour apart as two episodes, closing the first 15 minutes after its end', () => {
    const scores = Array.from({ length: 90 }, (_, i) => (i <= 2 || (i >= 62 && i <= 64) ? 2 : 0));
    const tracker = new EpisodeTracker('s', RULES, { stepMs: MINUTE });
    const closedAt: number[] = [];
    let opened = 0;
    scores.forEach((score, i) => {
      const step = tracker.observe({
        timestampMs: at(i, MINUTE),
        score,
        threshold: 1,
        isAnomaly: score > 1,
        drift: false,
        sign: 1,
      });
      for (const e of step.events) {
        if (e.kind === 'closed') closedAt.push(i);
        if (e.kind === 'opened') opened += 1;
      }
    });
    // The first burst ends at minute 2; the close is reported at the first point more than 15 min later.
    expect(closedAt).toEqual([18, 80]);
    expect(opened).toBe(2);
  });

  it('merges a run whose first point lies inside the merge gap even if the run completes after it', () => {
    // End at minute 2; anomalous at 17 (exactly 15 min later) and 18: the run starts inside the gap.
    const scores = Array.from({ length: 40 }, (_, i) => (i <= 2 || i === 17 || i === 18 ? 2 : 0));
    const { ids, events } = feed(new EpisodeTracker('s', RULES), scores, { stepMs: MINUTE });
    const id = `s:${at(0, MINUTE)}`;
    expect([ids[17], ids[18]]).toEqual([id, id]);
    expect(events.filter((e) => e.kind === 'opened')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'closed')).toHaveLength(1);
  });

  it('does not count anomalous points separated by missing samples towards N-of-M', () => {
    // Points 1 and 4 are anomalous with 2 and 3 missing: 15 minutes apart, outside a 3-point window.
    const gappy = feed(new EpisodeTracker('s', RULES, { stepMs: STEP }), [0, 1.5, NaN, NaN, 1.5, 0, 0]);
    expect(gappy.events).toEqual([]);
    const dense = feed(new EpisodeTracker('s', RULES, { stepMs: STEP }), [0, 1.5, 0, 1.5, 0, 0]);
    expect(dense.events.map((e) => e.kind)).toContain('opened');
  });

  it('treats a long gap in an open episode as quiet time, so activity after it is a new episode', () => {
    const scores = [1.5, 1.5, ...Array<number>(6).fill(NaN), 1.5, 1.5, 0];
    const { events, ids } = feed(new EpisodeTracker('s', RULES, { stepMs: STEP }), scores);
    // 30 minutes without data: the first episode closes at the next point, which starts a new one.
    expect(kinds(events)).toEqual([`opened:s:${at(0)}`, `closed:s:${at(0)}`, `opened:s:${at(8)}`]);
    expect(ids.slice(8, 10)).toEqual([`s:${at(8)}`, `s:${at(8)}`]);
  });

  it('infers the step from the data when none is given', () => {
    const { events } = feed(new EpisodeTracker('s', RULES), [0, 1.5, NaN, NaN, 1.5, 0, 0]);
    expect(events).toEqual([]);
  });

  it('opens a drift episode on a drifting point that never left the band', () => {
    const { ids, events } = feed(new EpisodeTracker('s', RULES), [0.4, 0.5, 0.6, 0.2, 0.1, 0.1], {
      drift: [2],
    });
    expect(ids).toEqual(['', '', `s:${at(2)}`, '', '', '']);
    expect(events[0]).toMatchObject({
      kind: 'opened',
      episode: { cause: 'drift', startMs: at(2), peakScore: 0.6, severity: 'LOW', direction: 1 },
    });
  });

  it('keeps a band episode open through drifting points and keeps its cause', () => {
    const { events } = feed(new EpisodeTracker('s', RULES), [1.5, 1.5, 0.1, 0.1, 0.1, 0, 0], {
      drift: [2, 3, 4],
    });
    expect(events.filter((e) => e.kind === 'opened')).toHaveLength(1);
    expect(events.at(-1)?.episode).toMatchObject({ cause: 'band', points: 5, endMs: at(4) });
  });

  it('takes the direction from the peak deviation and the severity from the peak score', () => {
    const { events } = feed(new EpisodeTracker('s', RULES), [-1.5, 2.6, -1.2]);
    expect(events.at(-1)?.episode).toMatchObject({ direction: 1, peakScore: 2.6, severity: 'HIGH' });
  });

  it('closes a quiet episode on tick once the merge gap has passed, and force-closes on finish', () => {
    const tracker = new EpisodeTracker('s', RULES, { stepMs: STEP });
    feed(tracker, [1.5, 1.5]);
    expect(tracker.tick(at(1) + 10 * MINUTE)).toEqual([]);
    const closed = tracker.tick(at(1) + 16 * MINUTE);
    expect(kinds(closed)).toEqual([`closed:s:${at(0)}`]);
    expect(tracker.currentEpisode).toBeUndefined();

    const other = new EpisodeTracker('s', RULES);
    feed(other, [1.5, 1.5]);
    expect(other.finish().map((e) => e.episode.open)).toEqual([false]);
    expect(other.finish()).toEqual([]);
  });

  it('ignores a point that does not come after the previous one', () => {
    const tracker = new EpisodeTracker('s', RULES);
    feed(tracker, [1.5]);
    const step = tracker.observe({
      timestampMs: T0,
      score: 9,
      threshold: 1,
      isAnomaly: true,
      drift: false,
      sign: 1,
    });
    expect(step).toEqual({ episodeId: '', joinedMs: [], events: [] });
  });

  it('needs 4 of 5 anomalous points with the default rules', () => {
    expect(DEFAULT_EPISODE_OPTIONS).toMatchObject({ minPoints: 4, window: 5 });
    const three = feed(new EpisodeTracker('s', DEFAULT_EPISODE_OPTIONS), [1.5, 1.5, 0, 1.5, 0, 0]);
    expect(three.events).toEqual([]);
    const four = feed(new EpisodeTracker('s', DEFAULT_EPISODE_OPTIONS), [1.5, 1.5, 0, 1.5, 1.5]);
    expect(four.ids).toEqual([`s:${at(0)}`, `s:${at(0)}`, '', `s:${at(0)}`, `s:${at(0)}`]);
  });
});
