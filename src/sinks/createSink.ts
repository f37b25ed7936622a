import type { Clock } from '../domain/clock';
import type { Logger } from '../domain/logger';
import type { AppConfig, FileSinkConfig } from '../config/types';
import { FileSink } from './fileSink';
import { InfluxSink } from './influx/influxSink';
import type { Scheduler } from './scheduler';
import type { Sink } from './types';

/** Ports shared by the sinks. */
export interface SinkDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Timer port; real unref'd timers when omitted. */
  readonly scheduler?: Scheduler;
}

/**
 * The sink for a configuration: {@link InfluxSink} when `influx.enabled`, else the embedded
 * {@link FileSink} (which takes the tag allow-list from the InfluxDB section, the schema being the same).
 * The caller closes it with `influx.shutdownTimeoutMs`.
 */
export function createSink(influx: AppConfig['influxdb'], fileCfg: FileSinkConfig, deps: SinkDeps): Sink {
  if (influx.enabled) {
    deps.logger.info('sink: InfluxDB', { url: influx.url, org: influx.org, bucket: influx.bucket });
    return new InfluxSink(influx, deps);
  }
  deps.logger.info('sink: line-protocol files (InfluxDB not configured)', { dir: fileCfg.dir });
  return new FileSink(fileCfg, deps, { tagAllowlist: influx.tagAllowlist });
}
