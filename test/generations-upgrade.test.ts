/**
 * Upgrading a shard written before generations (migrations 0001-0004):
 * its rows stay in the template tables (generation 0) and are served from
 * there; the backfill gives them what every new row carries (a delivery its
 * event's id, an event its delivery count); the sweep's watermark starts at
 * 0 and finds a delivery left pending; retention still deletes them row by
 * row. A shard database of its own, migrated step by step (storage is per
 * file).
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { onShard } from "../src/db/shards";
import { getDelivery } from "../src/delivery/log";
import { sweepOverdueDeliveries } from "../src/delivery/recovery-sweep";
import { pruneExpired } from "../src/delivery/retention";
import type { AppEnv } from "../src/env";
import { getEvent } from "../src/events/publish";
import { deliveryId } from "../src/ids";
import { callWithEnv } from "./support/env-call";
import { receiverUrl, uniqueKey } from "./support/api";

const DAY = 86_400_000;

describe("a shard from before generations", () => {
  it("keeps serving, sweeping and pruning its rows after the migrations", async () => {
    const db = env.BROKEN_SHARD; // never migrated: this file makes it a shard from before generations
    const legacy = env.TEST_SHARD_MIGRATIONS.filter((m) => m.name.startsWith("0000_"));
    expect(legacy).toHaveLength(1);
    await applyD1Migrations(db, legacy);

    const ns = uniqueKey("legacy");
    // Its only shard, so the namespace lands there; messages are recorded, not sent.
    const sent: unknown[] = [];
    const recording = { send: async (body: unknown) => void sent.push(body), sendBatch: async (ms: { body: unknown }[]) => void sent.push(...ms.map((m) => m.body)) };
    const appEnv = { ...(env as unknown as AppEnv), SHARDS: "LEGACY", LEGACY: db, DELIVERIES: recording } as unknown as AppEnv;
    // Written as the code before generations did: rowids, deliveries pointing at the event's seq.
    const at = Date.now() - 5 * 60_000;
    const made = { body: { id: "wh_legacy" } };
    await db.batch([
      db.prepare(`INSERT INTO webhooks (id, namespace, name, url, events, format, created_at, updated_at) VALUES ('wh_legacy', ?, 'h', ?, '["build.finished"]', 'djinn', ?, ?)`).bind(
        ns,
        receiverUrl("/ok/legacy"),
        at,
        at,
      ),
      db.prepare(`INSERT INTO events (namespace, id, type, data, created_at, first_delivery_seq) VALUES (?, 'evt_old', 'build.finished', '{"n":1}', ?, 1)`).bind(ns, at),
      db.prepare(
        `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at, created_at, updated_at)
         VALUES (1, ?1, ?2, 'build.finished', 'succeeded', 1, ?3, ?3, ?3, ?3), (1, ?1, ?2, 'build.finished', 'pending', 0, ?3, ?3, ?3, ?3)`,
      ).bind(made.body.id, ns, at),
      db.prepare(`INSERT INTO events (namespace, id, type, data, created_at, first_delivery_seq) VALUES (?, 'evt_none', 'build.finished', '{}', ?, 3)`).bind(ns, at),
    ]);

    await applyD1Migrations(db, env.TEST_SHARD_MIGRATIONS);
    const shard = onShard(appEnv, "LEGACY");

    // The backfill: the event knows its deliveries, the deliveries their event.
    const event = await getEvent(shard, ns, "evt_old");
    expect(event).toMatchObject({ deliveries: 2, firstDeliverySeq: 1 });
    expect((await getEvent(shard, ns, "evt_none"))?.deliveries).toBe(0);
    const detail = await callWithEnv(appEnv, "GET", `/v1/namespaces/${ns}/events/evt_old`);
    expect(detail.body.delivery_list.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([
      [deliveryId(1), "succeeded"],
      [deliveryId(2), "pending"],
    ]);
    expect((await getDelivery(appEnv, ns, 2)).event_id).toBe("evt_old");

    // A re-post of the old id is still a duplicate: the views include generation 0.
    const again = await callWithEnv(appEnv, "POST", `/v1/namespaces/${ns}/events`, { id: "evt_old", type: "build.finished", data: { n: 1 } });
    expect(again.status).toBe(200);

    // The watermark starts at 0: the first sweep finds the pending one, and marks it watched.
    expect(await sweepOverdueDeliveries(shard, Date.now())).toBe(1);
    expect(sent).toEqual([{ d: 2, s: "LEGACY" }]);
    expect(await db.prepare("SELECT watched FROM deliveries WHERE seq = 2").first("watched")).toBe(1);

    // The Worker from before keeps writing until its replacement is deployed: its rows get their event's id, count and watch.
    await db.batch([
      db.prepare(`INSERT INTO events (namespace, id, type, data, created_at, first_delivery_seq) VALUES (?, 'evt_late', 'build.finished', '{}', ?, 3)`).bind(ns, at),
      db.prepare(
        `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at, created_at, updated_at)
         VALUES ((SELECT seq FROM events WHERE namespace = ?2 AND id = 'evt_late'), ?1, ?2, 'build.finished', 'pending', 0, ?3, ?3, ?3, ?3)`,
      ).bind(made.body.id, ns, at),
    ]);
    expect((await getEvent(shard, ns, "evt_late"))?.deliveries).toBe(1);
    expect(await db.prepare("SELECT event_id || ':' || watched AS v FROM deliveries WHERE seq = 3").first("v")).toBe("evt_late:1");
    expect((await getDelivery(appEnv, ns, 3)).event_id).toBe("evt_late");

    // Retention deletes generation 0's rows one by one, as before.
    const removed = await pruneExpired(shard, Date.now() + 31 * DAY);
    expect(removed).toMatchObject({ events: 3, deliveries: 3 });
    expect(await db.prepare("SELECT count(*) AS n FROM deliveries").first("n")).toBe(0);
  });
});
