/**
 * Events and deliveries by day (src/db/generations.ts): a publish writes to
 * today's tables, created on demand; every read and write finds a delivery
 * whichever day it lives in; retention drops a whole expired day without
 * writing a row; and a delivery still pending a minute after it was created
 * becomes `watched` (the sweep's watermark, recovery-sweep.ts), while a
 * first-try delivery never is. Its own file: storage is per file.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  createGeneration,
  deliveriesTable,
  eventsTable,
  firstSeq,
  generationAt,
  generationOfSeq,
  listGenerations,
} from "../src/db/generations";
import { onShard } from "../src/db/shards";
import { OVERDUE_SQL, sweepWatermark } from "../src/db/stores/delivery-recovery";
import { handleDeliveryBatch } from "../src/delivery/consumer";
import { sweepOverdueDeliveries } from "../src/delivery/recovery-sweep";
import { pruneExpired } from "../src/delivery/retention";
import type { AppEnv } from "../src/env";
import { usage } from "../src/usage";
import { api, received, uniqueKey, waitFor } from "./support/api";
import { batchOf, deliveryRow, hookAt, seedOnDay, seedOwed } from "./support/deliveries";
import { deliveryScans, planGenerations, queryPlan } from "./support/db";
import { IN_FLIGHT_SQL } from "../src/delivery/flow-control";

const appEnv = env as unknown as AppEnv;
const shard0 = onShard(appEnv, "SHARD_0");
const DAY = 86_400_000;
const MINUTE = 60_000;

/** A delivery of `webhookId` written into day g directly (as that day's publish would have), its event with it. */
const seedDay = (g: number, ns: string, webhookId: string, at: number) => seedOnDay(env.SHARD_0, g, { ns, eventId: `evt_${uniqueKey()}`, webhookId, at });

describe("events and deliveries by day", () => {
  it("a publish writes today's tables, created on demand, and its seqs name the day", async () => {
    const { ns, hook } = await hookAt("/ok");
    const today = generationAt(Date.now());
    const published = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 } });
    expect(published.status).toBe(202);
    expect(await listGenerations(env.SHARD_0)).toContain(today);
    const { body } = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`);
    const seq = parseInt(body.data[0].id.slice(4), 36);
    expect(generationOfSeq(seq)).toBe(today);
    expect((await env.SHARD_0.prepare(`SELECT count(*) AS n FROM ${deliveriesTable(today)} WHERE seq = ?`).bind(seq).first<{ n: number }>())!.n).toBe(1);
    // A day's events are keyed by (namespace, id) WITHOUT ROWID: no index of their own to pay for.
    const ddl = await env.SHARD_0.prepare(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?`).bind(eventsTable(today)).all<{ type: string; name: string; sql: string }>();
    expect(ddl.results.filter((r) => r.type === "index" && r.sql !== null)).toEqual([]);
    expect(ddl.results.find((r) => r.type === "table")!.sql).toMatch(/PRIMARY KEY \(`namespace`, `id`\)\) WITHOUT ROWID$/);
    // The same id again, on any day, fans out nothing.
    const again = await api("POST", `/v1/namespaces/${ns}/events`, { id: published.body.id, type: "build.finished", data: { n: 1 } });
    expect(again.status).toBe(200);
  });

  it("yesterday's delivery is claimed, sent and settled in one batch with today's, and the log lists both newest first", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const now = Date.now();
    const today = generationAt(now);
    const yesterday = await seedDay(today - 1, ns, hook.id, now - DAY);
    const current = (await seedOwed(ns, hook.id, now)).seq;
    expect(generationOfSeq(yesterday)).toBe(today - 1);
    expect(generationOfSeq(current)).toBe(today);

    await handleDeliveryBatch(batchOf("ci-webhooks-deliveries", [yesterday, current]), appEnv);
    await waitFor(() => received(key), (r) => r.length === 2);
    expect((await deliveryRow(yesterday)).status).toBe("succeeded");
    expect((await deliveryRow(current)).status).toBe("succeeded");

    const { body } = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`);
    expect(body.data.map((d: { id: string }) => parseInt(d.id.slice(4), 36))).toEqual([current, yesterday]);
    // One page at a time across the day boundary.
    const first = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries?limit=1`);
    const second = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.data[0].id).toBe(body.data[1].id);
    // A delivery of a day that does not exist is simply not there.
    expect((await api("GET", `/v1/namespaces/${ns}/deliveries/dlv_${(firstSeq(today + 400) + 1).toString(36)}`)).status).toBe(404);
  });

  it("retention drops an expired day without writing a row for its events or deliveries, and keeps the days after it", async () => {
    const { ns, hook } = await hookAt("/ok");
    const now = Date.now();
    const old = generationAt(now) - 40;
    const kept = generationAt(now) - 10;
    for (let i = 0; i < 30; i++) await seedDay(old, ns, hook.id, now - 40 * DAY);
    const keptSeq = await seedDay(kept, ns, hook.id, now - 10 * DAY);
    // Attempt 2 of one old delivery: an attempts row, deleted by its rowid range.
    const oldSeq = firstSeq(old) + 1;
    await env.SHARD_0.prepare(
      `INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers) VALUES (?1 * 1024 + 2, ?1, 2, 'automatic', 0, 1, 'x', '{}')`,
    )
      .bind(oldSeq)
      .run();

    const written = usage.d1RowsWritten;
    const removed = await pruneExpired(shard0, now);
    expect(removed).toEqual({ events: 30, deliveries: 30, attempts: 1 });
    // The attempts row, and a few for the views' new definitions: not one per event or delivery (60 rows, 90 with the index entries).
    expect(usage.d1RowsWritten - written).toBeLessThan(10);
    const days = await listGenerations(env.SHARD_0);
    expect(days).not.toContain(old);
    expect(days).toContain(kept);
    expect((await deliveryRow(keptSeq)).seq).toBe(keptSeq);
    expect(await env.SHARD_0.prepare(`SELECT name FROM sqlite_master WHERE name = ?`).bind(deliveriesTable(old)).first()).toBeNull();
    // The views no longer name it: reads across days still work.
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).status).toBe(200);
    expect(await pruneExpired(shard0, now)).toEqual({ events: 0, deliveries: 0, attempts: 0 });
  });

  it("two Workers creating the same day at once both succeed, and the views list it once", async () => {
    const g = generationAt(Date.now()) + 3;
    await Promise.all([createGeneration(env.SHARD_0, g), createGeneration(env.SHARD_0, g), createGeneration(env.SHARD_0, g + 1)]);
    const days = await listGenerations(env.SHARD_0);
    expect(days.filter((d) => d === g)).toHaveLength(1);
    expect(days).toContain(g + 1);
    // Neither creation lost the other's day from either view.
    for (const [name, table] of [["all_deliveries", deliveriesTable], ["all_events", eventsTable]] as const) {
      const view = await env.SHARD_0.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).bind(name).first<{ sql: string }>();
      for (const day of [g, g + 1]) expect(view!.sql.match(new RegExp(`\\b${table(day)}\\b`, "g"))).toHaveLength(1);
    }
  });
});

describe("the sweep's watermark and deliveries_watched", () => {
  it("a first-try delivery is never watched; one still pending a minute on is, and the sweep finds it there", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const published = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: {} });
    expect(published.status).toBe(202);
    await waitFor(() => received(key), (r) => r.length === 1);
    const { body } = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`);
    const delivered = parseInt(body.data[0].id.slice(4), 36);
    await waitFor(() => deliveryRow(delivered), (r) => r.status === "succeeded");

    // Owed: accepted, but its message never went out.
    const now = Date.now();
    const owed = (await seedOwed(ns, hook.id, now)).seq;
    const watched = async (seq: number) => ((await deliveryRow(seq)) as unknown as { watched: number }).watched;

    // Young: found by rowid range above the watermark, not watched yet.
    await sweepOverdueDeliveries(shard0, now + 30_000);
    expect(await watched(owed)).toBe(0);
    expect(await sweepWatermark(env.SHARD_0)).toBeLessThan(owed);

    // A minute on: the watermark passes both; the settled one stays out of the index.
    await sweepOverdueDeliveries(shard0, now + 2 * MINUTE);
    expect(await sweepWatermark(env.SHARD_0)).toBeGreaterThanOrEqual(owed);
    expect(await watched(owed)).toBe(1);
    expect(await watched(delivered)).toBe(0);
    // And the sweep re-sent it: the queue delivers it.
    await waitFor(() => received(key), (r) => r.length === 2);
    await waitFor(() => deliveryRow(owed), (r) => r.status === "succeeded");
  });

  it("the sweep's candidates and the claim's in-flight count read every day through an index or a rowid range, never in full", async () => {
    const gens = await planGenerations();
    expect(gens.length).toBeGreaterThan(1);
    const plans = {
      overdue: await queryPlan(OVERDUE_SQL, 0, 0, 0, 10, 5, 0),
      inFlight: await queryPlan(`SELECT ${IN_FLIGHT_SQL} AS n FROM (SELECT 'wh_x' AS wid) c`, null, 0),
    };
    for (const [name, plan] of Object.entries(plans)) {
      expect(deliveryScans(plan), `${name}:\n${plan.join("\n")}`).toEqual([]);
      // Today's table is read through its watched index and by rowid range, as the template is.
      const today = generationAt(Date.now());
      expect(plan.some((l) => l.includes(`deliveries_watched_g${today}`)), `${name}:\n${plan.join("\n")}`).toBe(true);
      expect(plan.some((l) => new RegExp(`deliveries_g${today} USING INTEGER PRIMARY KEY \\(rowid>\\?\\)`).test(l)), `${name}:\n${plan.join("\n")}`).toBe(true);
    }
  });

  for (const watched of [0, 1]) {
    it(`max_in_flight counts a running delivery that is ${watched ? "watched" : "young (above the watermark)"}`, async () => {
      const { ns, hook } = await hookAt("/ok", { max_in_flight: 1 });
      const now = Date.now();
      // Past everything so far, so that a young one is above it and a watched one below.
      if (watched) await sweepOverdueDeliveries(shard0, now + 2 * MINUTE);
      // A running attempt: claimed, no outcome yet, its lease in the future.
      const running = (await seedOwed(ns, hook.id, now, { enqueuedAt: now + 1 })).seq; // not overdue: the sweep leaves it be
      if (watched) await sweepOverdueDeliveries(shard0, now + 2 * MINUTE);
      const table = deliveriesTable(generationOfSeq(running));
      await env.SHARD_0.prepare(`UPDATE ${table} SET attempts = 1, watched = ?, next_attempt_at = ?, updated_at = ? WHERE seq = ?`)
        .bind(watched, now + 10 * MINUTE, now, running)
        .run();
      const mark = await sweepWatermark(env.SHARD_0);
      expect(watched ? mark >= running : mark < running).toBe(true);
      const next = (await seedOwed(ns, hook.id, now)).seq;
      await handleDeliveryBatch(batchOf("ci-webhooks-deliveries", [next]), appEnv);
      expect((await deliveryRow(next)).attempts).toBe(0); // held back: one is in flight
      // That attempt ends: the slot is free.
      await env.SHARD_0.prepare(`UPDATE ${table} SET status = 'failed' WHERE seq = ?`).bind(running).run();
      await handleDeliveryBatch(batchOf("ci-webhooks-deliveries", [next]), appEnv);
      expect((await deliveryRow(next)).attempts).toBe(1);
    });
  }
});

