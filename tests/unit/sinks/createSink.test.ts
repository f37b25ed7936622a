import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../../src/domain/logger';
import { createSink } from '../../../src/sinks/createSink';
import { FileSink } from '../../../src/sinks/fileSink';
import { checkInflux } from '../../../src/sinks/influx/check';
import { InfluxSink } from '../../../src/sinks/influx/influxSink';
import { reply, startFaultServer } from '../../helpers/faultHttpServer';
import { FakeTime } from './fakeTime';
import { tempDir, testConfig, TOKEN } from './sinkTestKit';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('createSink', () => {
  it('builds an InfluxSink when InfluxDB is enabled, else a FileSink', async () => {
    const time = new FakeTime();
    const deps = { clock: time.clock, logger: silentLogger, scheduler: time };
    const fileCfg = { dir: path.join(dir, 'files'), rotateBytes: 1e6, maxFiles: 2 };
    const influx = { ...testConfig(dir, 'http://127.0.0.1:9'), enabled: true, shutdownTimeoutMs: 1000 };
    const a = createSink(influx, fileCfg, deps);
    const b = createSink({ ...influx, enabled: false }, fileCfg, deps);
    expect(a).toBeInstanceOf(InfluxSink);
    expect(b).toBeInstanceOf(FileSink);
    await a.close(0);
    await b.close(0);
  });
});

describe('checkInflux', () => {
  it('reports health and write access as ok against a healthy server, writing one probe point', async () => {
    const server = await startFaultServer();
    try {
      const res = await checkInflux(testConfig(dir, server.url), { nowMs: () => 1767225600000 });
      expect(res.health).toEqual({ ok: true, target: `${server.url}/health`, detail: 'ok' });
      expect(res.write.ok).toBe(true);
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /health',
        'POST /api/v2/write?org=acme&bucket=anomalyd&precision=ms',
      ]);
      expect(server.requests[1].lines).toEqual(['anomalyd_check ok=true,by="anomalyd check" 1767225600000']);
    } finally {
      await server.stop();
    }
  });

  it('says what failed and why: a 401 on write, with the server message and a hint, no token', async () => {
    const server = await startFaultServer();
    server.script(reply.ok(), reply.influxError(401, 'unauthorized access'));
    try {
      const res = await checkInflux(testConfig(dir, server.url));
      expect(res.health.ok).toBe(true);
      expect(res.write.ok).toBe(false);
      expect(res.write.detail).toBe(
        'HTTP 401: unauthorized access — the token is missing or invalid (INFLUXDB_TOKEN)',
      );
      expect(JSON.stringify(res)).not.toContain(TOKEN);
    } finally {
      await server.stop();
    }
  });

  it('reports a refused connection on both probes', async () => {
    const server = await startFaultServer();
    await server.stopListening();
    const res = await checkInflux(testConfig(dir, server.url));
    expect(res.health.ok).toBe(false);
    expect(res.health.detail).toMatch(/ECONNREFUSED/);
    expect(res.write.ok).toBe(false);
  });
});
