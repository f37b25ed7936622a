import { DEFAULT_CONFIG } from '../src/config/defaults';
import { evaluateSeries } from '../src/pipeline/evaluation';
import { type BenchContext, round } from './common';
import { forecasterFor, TrackingForecaster } from './models';
import { type Entity, loadEntities, metricSeries, runsOf } from './multiMetric';
import { BENCH_START_MS } from './speed';

/** Event figures of one dataset, default model, univariate per metric. */
export interface MultiMetricSummary {
  readonly entities: number;
  readonly series: number;
  /** (metric, segment) pairs whose segment names the metric, found by an episode of that metric. */
  readonly event_recall: number;
  readonly events_total: number;
  /** Episodes overlapping no labelled (entity-level) anomaly, per series per test day. */
  readonly false_alarms_per_series_day: number;
  /** Point F1 against per-metric labels, summed over series. */
  readonly point_f1: number;
  /** Labelled entity segments during which any metric of the entity had an episode. */
  readonly entity_event_recall: number;
  readonly entity_events_total: number;
  readonly failed_series: number;
  readonly wall_s: number;
}

function overlaps(aStart: number, aEnd: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  for (const [s, e] of ranges) if (aStart <= e && aEnd >= s) return true;
  return false;
}

/** Evaluates every metric of every entity: fit on the train split, stream the test split. */
export function evaluateEntities(ctx: BenchContext, entities: readonly Entity[]): MultiMetricSummary {
  const cfg = DEFAULT_CONFIG;
  let detected = 0;
  let events = 0;
  let falseAlarms = 0;
  let seriesDays = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let entDetected = 0;
  let entEvents = 0;
  let series = 0;
  let failed = 0;
  const t0 = performance.now();
  for (const entity of entities) {
    const testLabel = entity.test.label ?? new Uint8Array(entity.test.t.length);
    const off = entity.train.t.length;
    const toMs = (row: number): number => BENCH_START_MS + entity.test.t[row] * entity.stepMs;
    const entityRanges = runsOf(testLabel).map(([s, e]) => [toMs(s), toMs(e)] as const);
    const seen = new Uint8Array(entityRanges.length);
    for (let m = 0; m < entity.train.columns.length; m++) {
      const { series: s, trainRows } = metricSeries(entity, m, BENCH_START_MS);
      const forecaster = new TrackingForecaster(forecasterFor('anomalyd'));
      try {
        const out = evaluateSeries({
          datasetName: `${entity.dataset}/${entity.name}/m${m + 1}`,
          series: s,
          groundTruth: 'labels',
          forecaster,
          detection: cfg.detection,
          trainRatio: (trainRows + 0.5) / s.timestampsMs.length,
          retrainIntervalMs: cfg.model.retrainIntervalMs,
          trainingWindowMs: cfg.model.trainingWindowMs,
          admission: cfg.model,
        });
        if (out.backtest.testStart !== off)
          throw new Error(`split at ${out.backtest.testStart}, expected ${off}`);
        const r = out.result;
        detected += r.event.detected;
        events += r.event.total;
        tp += r.point.tp;
        fp += r.point.fp;
        fn += r.point.fn;
        seriesDays += r.test.days;
        for (const e of out.backtest.episodes) {
          if (!overlaps(e.startMs, e.endMs, entityRanges)) falseAlarms++;
          entityRanges.forEach(([a, b], k) => {
            if (e.startMs <= b && e.endMs >= a) seen[k] = 1;
          });
        }
        series++;
      } catch (err) {
        failed++;
        ctx.log(
          `  ${entity.dataset}/${entity.name}/m${m + 1}: FAILED ${err instanceof Error ? err.message : String(err)}`,
        );
      } finally {
        forecaster.disposeAll();
      }
    }
    entEvents += entityRanges.length;
    entDetected += seen.reduce((a, b) => a + b, 0);
    ctx.log(
      `  ${entity.dataset}/${entity.name}: ${entity.train.columns.length} metrics, ${((performance.now() - t0) / 1000).toFixed(0)} s so far`,
    );
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return {
    entities: entities.length,
    series,
    event_recall: round(events > 0 ? detected / events : 0),
    events_total: events,
    false_alarms_per_series_day: round(seriesDays > 0 ? falseAlarms / seriesDays : 0),
    point_f1: round(precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0),
    entity_event_recall: round(entEvents > 0 ? entDetected / entEvents : 0),
    entity_events_total: entEvents,
    failed_series: failed,
    wall_s: round((performance.now() - t0) / 1000, 1),
  };
}

export interface SmdAsdResult {
  readonly smd: MultiMetricSummary;
  readonly asd: MultiMetricSummary;
}

/** SMD (machine-3-3, 38 metrics) and ASD (12 servers x 19 metrics), complete in the quick run too. */
export function runSmdAsd(ctx: BenchContext): SmdAsdResult {
  const smd = evaluateEntities(ctx, loadEntities(ctx.root, 'smd'));
  const asd = evaluateEntities(ctx, loadEntities(ctx.root, 'asd'));
  return { smd, asd };
}
