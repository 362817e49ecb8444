import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../lib/log.js';
import { openGatewayDatabase } from '../../../gateway/store/gateway-database.js';
import { Outbox } from '../../../gateway/store/outbox.js';
import { ReadingsLane } from '../../../gateway/store/readings-lane.js';
import type { Alert } from '../../../contract/alert.js';
import { tempDir } from '../../support/temp-dir.js';

const T0 = Date.parse('2026-11-23T00:00:00+08:00');
const device = { deviceId: 'wm-1', householdId: 'hh-1', heartbeatMs: 900_000 };
const reading = (i: number) => ({ deviceId: 'wm-1', at: T0 + i * 60_000, metrics: { volume_l: 1_000 + i } });

describe('the readings lane', () => {
  test('readings are committed together; durable() resolves only once they are on disk', async () => {
    const dir = tempDir();
    const db = openGatewayDatabase(dir);
    const lane = new ReadingsLane(db, { quotaBytes: 1e9, logger: silentLogger() });
    for (let i = 0; i < 50; i++) lane.add(reading(i), device);
    expect(lane.counts()).toMatchObject({ pending: 50, queued: 0 });
    // Another connection sees nothing until the group commit.
    const other = openGatewayDatabase(dir);
    const count = () => (other.prepare('SELECT COUNT(*) AS n FROM readings_outbox').get() as { n: number }).n;
    expect(count()).toBe(0);
    await lane.durable();
    expect(count()).toBe(50);
    expect(lane.counts()).toMatchObject({ pending: 0, queued: 50 });
    const peeked = lane.peek(3);
    expect(peeked.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(peeked[0]).toEqual({ seq: 1, householdId: 'hh-1', deviceId: 'wm-1', at: new Date(T0).toISOString(), metrics: { volume_l: 1_000 } });
    other.close();
    db.close();
  });

  test('when the quota is full the oldest readings go, counted; the count and the stream survive a restart', async () => {
    const dir = tempDir();
    let db = openGatewayDatabase(dir);
    const quotaBytes = 20_000;
    let lane = new ReadingsLane(db, { quotaBytes, logger: silentLogger() });
    const stream = lane.stream;
    expect(stream).toMatch(/^[0-9a-f]{32}$/);
    for (let i = 0; i < 1_000; i++) {
      lane.add(reading(i), device);
      if (i % 100 === 99) await lane.durable();
    }
    const { queued, queuedBytes, dropped } = lane.counts();
    expect(queuedBytes).toBeLessThanOrEqual(quotaBytes);
    expect(queued + dropped).toBe(1_000);
    expect(dropped).toBeGreaterThan(500);
    // The newest are kept, in order, without gaps after the first kept one.
    const kept = lane.peek(10_000).map((r) => r.seq);
    expect(kept.at(-1)).toBe(1_000);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 1_000 - kept.length + 1 + k));
    db.close();

    db = openGatewayDatabase(dir);
    lane = new ReadingsLane(db, { quotaBytes, logger: silentLogger() });
    expect(lane.stream).toBe(stream);
    expect(lane.counts()).toMatchObject({ queued, dropped });
    expect(Math.abs(lane.counts().queuedBytes - queuedBytes)).toBe(0);
    db.close();
  });

  test('acknowledged readings leave; refused ones are dropped one by one', async () => {
    const db = openGatewayDatabase(':memory:');
    const lane = new ReadingsLane(db, { quotaBytes: 1e9, logger: silentLogger() });
    for (let i = 0; i < 10; i++) lane.add(reading(i), device);
    await lane.durable();
    lane.acknowledgeUpTo(4);
    expect(lane.peek(100).map((r) => r.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(lane.dropSeqs([6, 8, 99])).toBe(2);
    expect(lane.peek(100).map((r) => r.seq)).toEqual([5, 7, 9, 10]);
    expect(lane.counts()).toMatchObject({ queued: 4, dropped: 0 });
    db.close();
  });

  test('a commit that fails rejects durable(): the driver withholds its acknowledgement', async () => {
    const db = openGatewayDatabase(':memory:');
    const lane = new ReadingsLane(db, { quotaBytes: 1e9, logger: silentLogger() });
    db.exec('DROP TABLE readings_outbox');
    lane.add(reading(1), device);
    await expect(lane.durable()).rejects.toThrow(/no such table/);
    db.close();
  });
});

describe('the alerts outbox', () => {
  const alert = (n: number, deviceId: string, grade: Alert['grade']): Alert => ({
    id: `gw-1:r:${deviceId}:${n}:raise`,
    gatewayId: 'gw-1',
    householdId: 'hh-1',
    deviceId,
    rule: grade === 'P1' ? 'sos' : 'no-water-use',
    kind: 'raise',
    grade,
    at: new Date(T0 + n).toISOString(),
    summary: 's',
    details: {},
  });

  test('a device with an SOS waiting goes first, with its earlier alerts in order; then the rest in order', () => {
    const db = openGatewayDatabase(':memory:');
    const outbox = new Outbox(db);
    outbox.enqueue([alert(1, 'a', 'P2'), alert(2, 'b', 'P2'), alert(3, 'c', 'P3'), alert(4, 'b', 'P1'), alert(5, 'a', 'P3'), alert(6, 'd', 'P1')], T0);
    expect(outbox.peek(10).map((e) => `${e.alert.deviceId}${e.seq}`)).toEqual(['b2', 'b4', 'd6', 'a1', 'c3', 'a5']);
    expect(outbox.peek(2).map((e) => e.seq)).toEqual([2, 4]);
    db.close();
  });
});
