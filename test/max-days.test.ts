/**
 * Bounded retention (config.ts, MAX_RETENTION_DAYS; docs/storage.md): with
 * as many days stored as the longest retention keeps (RETENTION_DAYS + 1
 * days, tomorrow's created ahead, and the template: 403 arms), the publish,
 * the claim and the API's reads across days still answer, every statement
 * stays under D1's 100 KB of SQL, and the hot statements through the views
 * still use each day's key or index. Its own file: storage is per file.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MAX_RETENTION_DAYS } from "../src/config";
import { sweepOverdueDeliveries } from "../src/delivery/recovery-sweep";
import { onShard } from "../src/db/shards";
import type { AppEnv } from "../src/env";
import { ALL_DELIVERIES, createGenerations, forGeneration, generationAt, listGenerations } from "../src/db/generations";
import { claimStatement, fanOutStatement } from "../src/db/stores/deliveries";
import { api, received, waitFor } from "./support/api";
import { deliveryRow, hookAt } from "./support/deliveries";
import { deliveryScans, queryPlan } from "./support/db";

/** Days a shard holds at most: today and RETENTION_DAYS before it, and tomorrow. */
const MAX_DAYS = MAX_RETENTION_DAYS + 2;
/** D1's limit on one statement's SQL text. */
const D1_MAX_SQL_BYTES = 100_000;

const sqlSeen: string[] = [];

beforeAll(async () => {
  const today = generationAt(Date.now());
  // Day numbers start at 1 (2026-01-01): the days below today that exist, the rest above it; the views read them all the same.
  const below = Math.min(today - 1, MAX_DAYS - 2);
  const days = Array.from({ length: MAX_DAYS }, (_, i) => today - below + i);
  await createGenerations(env.SHARD_0, days);
  expect(await listGenerations(env.SHARD_0)).toHaveLength(MAX_DAYS + 1);
  // Every statement the Worker prepares on this shard, to check its length.
  const prepare = env.SHARD_0.prepare.bind(env.SHARD_0);
  vi.spyOn(env.SHARD_0, "prepare").mockImplementation((sql: string) => {
    sqlSeen.push(sql);
    return prepare(sql);
  });
}, 120_000);

describe(`${MAX_DAYS} days stored (RETENTION_DAYS=${MAX_RETENTION_DAYS})`, () => {
  it("a publish is delivered (claimed through the views' in-flight count) and every API read across days answers", async () => {
    // Ordered, with a key: the claim's and the release's reads of the key on every day run too (docs/ordering.md).
    const { ns, key, hook } = await hookAt("/ok", { max_in_flight: 5, ordered: true });
    const published = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 }, ordering_key: "pipeline-1" });
    expect(published.status).toBe(202);
    await waitFor(() => received(key), (r) => r.length === 1);
    const log = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);
    const id = log.body.data[0].id as string;
    await waitFor(() => deliveryRow(parseInt(id.slice(4), 36)), (r) => r.status === "succeeded");

    for (const path of [
      `/v1/namespaces/${ns}/deliveries`,
      `/v1/namespaces/${ns}/deliveries?webhook_id=${hook.id}&status=succeeded`,
      `/v1/namespaces/${ns}/deliveries/${id}`,
      `/v1/namespaces/${ns}/events/${published.body.id}`,
      `/v1/namespaces/${ns}/webhooks/${hook.id}/stats`,
      `/v1/namespaces/${ns}/webhooks/${hook.id}/stats/hourly`,
      `/v1/namespaces/${ns}/webhooks/${hook.id}`,
    ]) {
      const res = await api("GET", path);
      expect(res.status, path).toBe(200);
    }
    // A recovery over the whole retention reads every day's index (nothing failed: nothing to do).
    const recover = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/recover`, { since: new Date(Date.now() - MAX_RETENTION_DAYS * 86_400_000).toISOString() });
    expect(recover.body).toEqual({ enqueued: 0 });
    // The sweep's two passes (the overdue, and the heads of ordered keys: docs/ordering.md) over every day.
    expect(await sweepOverdueDeliveries(onShard(env as unknown as AppEnv, "SHARD_0"), Date.now())).toBe(0);
    const search = await api("GET", `/v1/namespaces/${ns}/deliveries`);
    expect(search.body.data.map((d: { id: string }) => d.id)).toEqual([id]);
    // The same id again: the "published before?" check reads every day through the view.
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { id: published.body.id, type: "build.finished", data: { n: 1 }, ordering_key: "pipeline-1" })).status).toBe(200);

    expect(sqlSeen.length).toBeGreaterThan(0);
    const longest = Math.max(...sqlSeen.map((s) => new TextEncoder().encode(s).length));
    expect(longest).toBeLessThan(D1_MAX_SQL_BYTES);
  });

  it("the publish's and the claim's statements through the views use each day's key or index: no day is scanned", async () => {
    const g = generationAt(Date.now());
    const db = env.SHARD_0;
    const fanOut = fanOutStatement(db, g, {
      type: "build.finished", operational: false, namespace: "ns", eventId: "evt_x", system: "", now: Date.now(),
      onlyWebhookId: null, excludeWebhookId: null, data: "{}", orderingKey: null, slot: 0,
    });
    const claim = claimStatement(db, g, "main", ["[1]", Date.now(), 15_000, 5_000]);
    for (const statement of [fanOut, claim]) {
      const { sql, params } = statementText(statement);
      const plan = await queryPlan(sql, ...params);
      expect(plan.length).toBeGreaterThan(MAX_DAYS);
      expect(deliveryScans(plan), sql.slice(0, 60)).toEqual([]);
      expect(plan.filter((l) => /\bSCAN events(_g\d+)?\b/.test(l))).toEqual([]);
    }
    // The views' own definitions fit in a statement too.
    const views = await db.prepare("SELECT sql FROM sqlite_master WHERE type = 'view'").all<{ sql: string }>();
    for (const v of views.results) expect(v.sql.length).toBeLessThan(D1_MAX_SQL_BYTES);
    // The sweep's pending candidates through the view: each day's watched index or rowid range.
    const overdue = await queryPlan(forGeneration(`SELECT seq FROM ${ALL_DELIVERIES} WHERE status = 'pending' AND watched = 1`, g));
    expect(deliveryScans(overdue)).toEqual([]);
  });
});

/** A prepared statement's SQL and bound values (workerd keeps them on the object). */
function statementText(s: D1PreparedStatement): { sql: string; params: unknown[] } {
  const raw = s as unknown as { statement: string; params: unknown[] };
  if (typeof raw.statement !== "string") throw new Error("cannot read the statement's SQL");
  return { sql: raw.statement, params: raw.params };
}
