import { beforeAll, describe, expect, it } from "vitest";
import { searchStatement, type DeliverySearch } from "../src/delivery/search";
import { deliveryId } from "../src/ids";
import { api, createWebhook, type ApiAnswer } from "./support/api";
import { deliveryScans, namespaceToken, planGenerations, queryPlan, seedDeliveries, type SeedDelivery } from "./support/db";
import { pinTogether } from "./support/shards";

const NS = "find-a";
const HOUR = 3_600_000;
type Seeded = SeedDelivery & { id: string };

/** The newest-first order the API promises: created_at, then seq, both descending. */
const newestFirst = (rows: Seeded[]) =>
  [...rows].sort((a, b) => b.createdAt - a.createdAt || parseInt(b.id.slice(4), 36) - parseInt(a.id.slice(4), 36)).map((r) => r.id);

async function listAll(query: string, limit = 200): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res: ApiAnswer<{ data: { id: string }[]; next_cursor: string | null }> = await api("GET", `/v1/namespaces/${NS}/deliveries?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.data.map((d: { id: string }) => d.id));
    cursor = res.body.next_cursor;
  } while (cursor);
  return ids;
}

describe("GET /v1/namespaces/{ns}/deliveries", () => {
  const now = Date.now();
  let hooks: { id: string }[];
  let seeded: Seeded[];
  let deletedHook: { id: string };

  beforeAll(async () => {
    // One shard for both, so "keeps namespaces apart" is the query's doing, not placement's.
    await pinTogether(NS, "find-b");
    hooks = [await createWebhook(NS), await createWebhook(NS), await createWebhook(NS)];
    deletedHook = await createWebhook(NS);
    const foreign = await createWebhook("find-b");
    const types = ["build.finished", "deploy.started", "build.started"];
    const statuses = ["succeeded", "failed", "pending"] as const;
    const rows: SeedDelivery[] = [];
    for (let i = 0; i < 24; i++) {
      rows.push({
        webhookId: hooks[i % 3].id,
        namespace: NS,
        status: statuses[i % 3 === 0 ? 0 : (i % 5) % 3],
        eventType: types[i % 2 === 0 ? 0 : 1 + (i % 4 === 1 ? 0 : 1)],
        // Pairs share a created_at, so seq must break ties.
        createdAt: now - Math.floor(i / 2) * HOUR,
      });
    }
    const extra: SeedDelivery[] = [
      { webhookId: deletedHook.id, namespace: NS, status: "failed", createdAt: now - 30 * 60_000 },
      { webhookId: foreign.id, namespace: "find-b", status: "failed", createdAt: now - 30 * 60_000 },
    ];
    const seqs = await seedDeliveries([...rows, ...extra]);
    seeded = rows.map((r, i) => ({ ...r, id: deliveryId(seqs[i]) }));
    expect((await api("DELETE", `/v1/namespaces/${NS}/webhooks/${deletedHook.id}`)).status).toBe(204);
  });

  it("lists every delivery of the namespace's webhooks, newest first, the same paged or not", async () => {
    const all = await listAll("");
    expect(all).toEqual(newestFirst(seeded));
    expect(await listAll("", 5)).toEqual(all);
    expect(await listAll("", 1)).toEqual(all);
  });

  it("filters by status, event type (aliases too), webhook and time, through pages", async () => {
    expect(await listAll("&status=failed", 2)).toEqual(newestFirst(seeded.filter((r) => r.status === "failed")));
    expect(await listAll("&event_type=deploy.started", 3)).toEqual(newestFirst(seeded.filter((r) => r.eventType === "deploy.started")));
    expect(await listAll("&event_type=build_finished", 4)).toEqual(newestFirst(seeded.filter((r) => r.eventType === "build.finished")));
    expect(await listAll(`&webhook_id=${hooks[1].id}&status=succeeded`, 2)).toEqual(
      newestFirst(seeded.filter((r) => r.webhookId === hooks[1].id && r.status === "succeeded")),
    );
    const since = now - 7 * HOUR;
    const until = now - 2 * HOUR;
    const window = `&since=${new Date(since).toISOString()}&until=${encodeURIComponent(new Date(until).toISOString().replace("Z", "+00:00"))}`;
    expect(await listAll(window, 3)).toEqual(newestFirst(seeded.filter((r) => r.createdAt >= since && r.createdAt < until)));
    expect(await listAll(`${window}&status=pending&event_type=build.started`, 1)).toEqual(
      newestFirst(seeded.filter((r) => r.createdAt >= since && r.createdAt < until && r.status === "pending" && r.eventType === "build.started")),
    );
  });

  it("keeps a deleted webhook's deliveries findable by webhook_id only", async () => {
    const all = await listAll("");
    const byHook = await listAll(`&webhook_id=${deletedHook.id}`);
    expect(byHook).toHaveLength(1);
    expect(all).not.toContain(byHook[0]);
  });

  it("answers 422 for bad times and cursors, and keeps namespaces apart", async () => {
    const bad = await api("GET", `/v1/namespaces/${NS}/deliveries?since=yesterday`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("validation_failed");
    expect(bad.body.error.details[0].path).toBe("query.since");
    expect((await api("GET", `/v1/namespaces/${NS}/deliveries?cursor=bm9wZQ`)).status).toBe(422);
    const other = await api("GET", "/v1/namespaces/find-b/deliveries");
    expect(other.status).toBe(200);
    expect(other.body.data).toHaveLength(1);
    expect((await api("GET", `/v1/namespaces/find-b/deliveries?webhook_id=${hooks[0].id}`)).body.data).toEqual([]);
    expect((await api("GET", `/v1/namespaces/${NS}/deliveries`, undefined, await namespaceToken(NS, ["events:publish"]))).status).toBe(403);
    expect((await api("GET", `/v1/namespaces/${NS}/deliveries`, undefined, await namespaceToken("find-b", ["webhooks:read"]))).status).toBe(404);
    expect((await api("GET", `/v1/namespaces/${NS}/deliveries?limit=1`, undefined, await namespaceToken(NS, ["webhooks:read"]))).body.data).toHaveLength(1);
  });

  it("never scans deliveries, whatever the filters", async () => {
    const base: DeliverySearch = { limit: 50 };
    const variants: DeliverySearch[] = [
      base,
      { ...base, status: "failed" },
      { ...base, eventType: "build.started", since: 1, until: 2 },
      { ...base, cursor: [5, 7], status: "pending", eventType: "x", since: 1 },
      { ...base, webhookId: "wh_x" },
      { ...base, webhookId: "wh_x", cursor: [5, 7], status: "succeeded", since: 1, until: 9 },
    ];
    const gens = await planGenerations();
    expect(gens.length).toBeGreaterThan(1);
    for (const v of variants) {
      const { sql, params } = searchStatement(gens, NS, v);
      const plan = await queryPlan(sql, ...params);
      expect(plan.some((l) => /USING (COVERING )?INDEX deliveries_webhook_created/.test(l)), plan.join("\n")).toBe(true);
      expect(deliveryScans(plan), plan.join("\n")).toEqual([]);
      if (!v.webhookId) expect(plan.some((l) => /SEARCH w USING (COVERING )?INDEX webhooks_namespace_name/.test(l)), plan.join("\n")).toBe(true);
    }
  });
});
