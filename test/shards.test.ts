/**
 * Shards (docs/shards.md): namespaces are placed on the open shard with the
 * fewest namespaces when first written, every path follows the placement,
 * a closed shard takes no new namespace, and a failing shard costs only its
 * own namespaces (503) while the other shard's are served. The Worker runs
 * for real (app.fetch in workerd, local D1 and Queues); a shard is made to
 * fail by pointing its binding at a D1 database never migrated.
 * (Its own file: storage is per file, so the directory starts empty.)
 */
import { applyD1Migrations, createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleDeliveryBatch } from "../src/delivery/consumer";
import { handleDeadLetters } from "../src/delivery/dead-letter";
import type { AppEnv, DeliveryMessage } from "../src/env";
import worker from "../src/index";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { deliveryRow, seedOwed } from "./support/deliveries";
import { pinNamespace } from "./support/shards";
import { callWithEnv } from "./support/env-call";

const baseEnv = env as unknown as AppEnv;

const placed = async (ns: string) =>
  (await env.DB.prepare("SELECT shard FROM namespace_shards WHERE namespace = ?").bind(ns).first<{ shard: string }>())?.shard ?? null;

/** A namespace with one webhook on its own receiver key; the webhook create places it (or `shard`, pinned first). */
async function namespaceWithHook(prefix: string, shard?: "SHARD_0" | "SHARD_1") {
  const ns = uniqueKey(prefix);
  if (shard) await pinNamespace(ns, shard);
  const key = uniqueKey();
  const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
  return { ns, key, hook };
}

/** The directory's namespace count per shard, now. */
async function counts(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare("SELECT shard, count(*) AS n FROM namespace_shards GROUP BY shard").all<{ shard: string; n: number }>();
  return { SHARD_0: 0, SHARD_1: 0, ...Object.fromEntries(results.map((r) => [r.shard, r.n])) };
}

/** Pins throw-away namespaces to `shard` until it holds more than `other`: the next placement by count would go to `other`. */
async function makeFuller(shard: "SHARD_0" | "SHARD_1", other: "SHARD_0" | "SHARD_1") {
  for (let c = await counts(); c[shard] <= c[other]; c = await counts()) await pinNamespace(uniqueKey("filler"), shard);
}

// Each case sets up the namespaces it needs: none reads another's, and none assumes the directory's counts.
describe("shards", () => {
  it("places each new namespace on the shard with the fewest, so they land on both; a read places nothing", async () => {
    const unplaced = uniqueKey("read");
    const list = await api("GET", `/v1/namespaces/${unplaced}/webhooks`);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
    expect((await api("GET", `/v1/namespaces/${unplaced}/events/evt_none`)).status).toBe(404);
    expect(await placed(unplaced)).toBeNull();

    // From equal counts (whatever other cases placed), four new namespaces must use both shards.
    for (let c = await counts(); c.SHARD_0 !== c.SHARD_1; c = await counts()) await pinNamespace(uniqueKey("filler"), c.SHARD_0 < c.SHARD_1 ? "SHARD_0" : "SHARD_1");
    const landed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await counts();
      // The fewest; a tie goes to the first in SHARDS.
      const fewest = c.SHARD_1 < c.SHARD_0 ? "SHARD_1" : "SHARD_0";
      const m = await namespaceWithHook("sh");
      expect(await placed(m.ns), JSON.stringify(c)).toBe(fewest);
      landed.push(fewest);
      // The rows are on the namespace's shard and nowhere else.
      const other = fewest === "SHARD_0" ? env.SHARD_1 : env.SHARD_0;
      expect(await other.prepare("SELECT 1 FROM webhooks WHERE id = ?").bind(m.hook.id).first()).toBeNull();
    }
    expect(new Set(landed)).toEqual(new Set(["SHARD_0", "SHARD_1"]));
  });

  it("publishes, delivers and shows deliveries on either shard (queue messages carry their shard)", async () => {
    const made = [await namespaceWithHook("pub", "SHARD_0"), await namespaceWithHook("pub", "SHARD_1")];
    const results = await Promise.all(
      made.map(async (m) => {
        const pub = await api("POST", `/v1/namespaces/${m.ns}/events`, { type: "build.finished", data: { ns: m.ns } });
        expect(pub.status).toBe(202);
        const list = await waitFor(
          () => api("GET", `/v1/namespaces/${m.ns}/deliveries`),
          (r) => r.status === 200 && r.body.data.length === 1,
        );
        const detail = await settledDelivery(m.ns, list.body.data[0].id);
        const got = await waitFor(() => received(m.key), (r) => r.length >= 1);
        return { status: detail.status, body: JSON.parse(got[0].body) };
      }),
    );
    expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(results.map((r) => r.body.data.ns)).toEqual(made.map((m) => m.ns));
  });

  it("reports each shard's namespaces and size from D1's metadata", async () => {
    await namespaceWithHook("rep", "SHARD_0");
    await namespaceWithHook("rep", "SHARD_1");
    const res = await api("GET", "/v1/admin/shards");
    expect(res.status).toBe(200);
    expect(res.body.shards.map((s: { binding: string }) => s.binding)).toEqual(["SHARD_0", "SHARD_1"]);
    const c = await counts();
    for (const s of res.body.shards) {
      expect(s.open).toBe(true);
      expect(s.namespaces).toBe(c[s.binding]);
      expect(s.size_bytes).toBeGreaterThan(0);
    }
    const closed = await callWithEnv({ ...baseEnv, SHARDS_CLOSED: "SHARD_1" }, "GET", "/v1/admin/shards");
    expect(closed.body.shards.map((s: { open: boolean }) => s.open)).toEqual([true, false]);
    expect((await api("GET", "/v1/admin/shards", undefined, "not-admin")).status).toBe(401);
  });

  it("places no new namespace on a closed shard; its own namespaces keep working", async () => {
    const old = await namespaceWithHook("old", "SHARD_0");
    // SHARD_0 has the fewest now: without the close, the next namespace would go there.
    await makeFuller("SHARD_1", "SHARD_0");
    const closedEnv = { ...baseEnv, SHARDS_CLOSED: "SHARD_0" };
    for (let i = 0; i < 2; i++) {
      const ns = uniqueKey("closed");
      expect((await callWithEnv(closedEnv, "POST", `/v1/namespaces/${ns}/webhooks`, { name: "h", url: receiverUrl("/ok/x"), events: ["*"] })).status).toBe(201);
      expect(await placed(ns)).toBe("SHARD_1");
    }
    expect((await callWithEnv(closedEnv, "GET", `/v1/namespaces/${old.ns}/webhooks/${old.hook.id}`)).status).toBe(200);
    const everyClosed = await callWithEnv({ ...baseEnv, SHARDS_CLOSED: "SHARD_0,SHARD_1" }, "POST", `/v1/namespaces/${uniqueKey("none")}/webhooks`, {
      name: "h",
      url: receiverUrl("/ok/x"),
      events: ["*"],
    });
    expect(everyClosed.status).toBe(503);
  });

  it("a failing shard answers 503 for its namespaces only; the other shard's are served", async () => {
    const healthy = await namespaceWithHook("healthy", "SHARD_0");
    const broken = await namespaceWithHook("broken", "SHARD_1");
    // SHARD_1 pointed at a database without tables: every query on it fails.
    const failing = { ...baseEnv, SHARD_1: env.BROKEN_SHARD };
    const bad = await callWithEnv(failing, "GET", `/v1/namespaces/${broken.ns}/webhooks`);
    expect(bad.status).toBe(503);
    expect(bad.body.error.code).toBe("unavailable");
    expect((await callWithEnv(failing, "POST", `/v1/namespaces/${broken.ns}/events`, { type: "build.finished", data: {} })).status).toBe(503);
    const good = await callWithEnv(failing, "GET", `/v1/namespaces/${healthy.ns}/webhooks`);
    expect(good.status).toBe(200);
    expect(good.body.data.map((w: { id: string }) => w.id)).toEqual([healthy.hook.id]);
    expect((await callWithEnv(failing, "POST", `/v1/namespaces/${healthy.ns}/events`, { type: "build.finished", data: {} })).status).toBe(202);
    // The shard list still answers, from the directory.
    const report = await callWithEnv(failing, "GET", "/v1/admin/shards");
    expect(report.status).toBe(200);
    expect(report.body.shards[1].namespaces).toBe((await counts()).SHARD_1);
  });

  it("takes a queue message without a shard (sent before shards) as the first shard's", async () => {
    const ns = uniqueKey("legacy");
    await pinNamespace(ns, "SHARD_0");
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    const batch = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries-slow", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { d: seq } }]);
    await handleDeliveryBatch(batch, baseEnv);
    expect(await received(key)).toHaveLength(1);
  });

  it("the cron sweeps every shard: a failing first shard does not stop the second's", async () => {
    const ns = uniqueKey("cron");
    // On the second shard, with the first one failing: a cron that stopped at the first failure, or swept one shard, misses it.
    await pinNamespace(ns, "SHARD_1");
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    const T = Date.now() - 5 * 60_000;
    // Accepted but never enqueued (the Worker died after the write): the sweep owes it a message.
    const { seq } = await seedOwed(ns, hook.id, T, {}, env.SHARD_1);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), { ...baseEnv, SHARD_0: env.BROKEN_SHARD }, ctx);
    await waitOnExecutionContext(ctx);
    expect((await deliveryRow(seq, env.SHARD_1)).enqueued_at).toBeGreaterThan(T);
    expect(await waitFor(() => received(key), (r) => r.length >= 1)).toHaveLength(1);
  });

  it("retries a message for a shard no longer listed, and its dead letter is acked, without holding up the batch", async () => {
    const ns = uniqueKey("gone");
    await pinNamespace(ns, "SHARD_0");
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    const body = (d: number, s: string) => ({ d, s });
    const batch = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries-slow", [
      { id: "gone", timestamp: new Date(), attempts: 1, body: body(1, "SHARD_9") },
      { id: "here", timestamp: new Date(), attempts: 1, body: body(seq, "SHARD_0") },
    ]);
    const ctx = createExecutionContext();
    await handleDeliveryBatch(batch, baseEnv);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["gone"]);
    expect(result.explicitAcks).toEqual(["here"]);
    expect(await received(key)).toHaveLength(1);

    const dead = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries-dlq", [{ id: "gone", timestamp: new Date(), attempts: 1, body: body(1, "SHARD_9") }]);
    const dctx = createExecutionContext();
    await handleDeadLetters(dead, baseEnv);
    expect((await getQueueResult(dead, dctx)).ackAll).toBe(true);
  });

  it("dead letters: a failing shard retries only its own messages; the other shard's are marked and acked", async () => {
    const ns = uniqueKey("dlq");
    await pinNamespace(ns, "SHARD_0");
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`) });
    const { seq } = await seedOwed(ns, hook.id, Date.now() + 60_000);
    const dead = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries-dlq", [
      { id: "on-broken", timestamp: new Date(), attempts: 1, body: { d: 1, s: "SHARD_1" } },
      { id: "on-healthy", timestamp: new Date(), attempts: 1, body: { d: seq, s: "SHARD_0" } },
    ]);
    const ctx = createExecutionContext();
    await handleDeadLetters(dead, { ...baseEnv, SHARD_1: env.BROKEN_SHARD });
    const result = await getQueueResult(dead, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["on-broken"]);
    expect(result.explicitAcks).toEqual(["on-healthy"]);
    expect(await deliveryRow(seq)).toMatchObject({ status: "failed", failure_reason: "dead_lettered" });
  });

  it("never places a new namespace on a shard whose tables are not there yet (added, not yet migrated)", async () => {
    // NEW has the fewest namespaces (none), so without the check it would take this one.
    const withNew = { ...baseEnv, SHARDS: "SHARD_0,SHARD_1,NEW", NEW: env.BROKEN_SHARD } as AppEnv;
    const ns = uniqueKey("new");
    const made = await callWithEnv(withNew, "POST", `/v1/namespaces/${ns}/webhooks`, { name: "h", url: receiverUrl("/ok/x"), events: ["*"] });
    expect(made.status).toBe(201);
    expect(["SHARD_0", "SHARD_1"]).toContain(await placed(ns));
  });
});

describe("housekeeping and the control database across shards", () => {
  it("the cron's retention prunes every shard", async () => {
    const seeded = await Promise.all(
      (["SHARD_0", "SHARD_1"] as const).map(async (shard) => {
        const ns = uniqueKey(`ret-${shard.toLowerCase().replace("_", "")}`);
        await pinNamespace(ns, shard);
        const hook = await createWebhook(ns, { url: receiverUrl("/ok/x") });
        const db = env[shard];
        const { seq } = await seedOwed(ns, hook.id, Date.now(), { status: "succeeded", attempts: 1 }, db);
        return { ns, db, seq };
      }),
    );
    // A firing RETENTION_DAYS + 1 days from now: on each shard, everything this file wrote is past retention.
    const later = Date.now() + (Number(baseEnv.RETENTION_DAYS) + 1) * 86_400_000;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "* * * * *" }), baseEnv, ctx);
    await waitOnExecutionContext(ctx);
    for (const { ns, db, seq } of seeded) {
      expect(await db.prepare("SELECT count(*) AS n FROM all_events WHERE namespace = ?").bind(ns).first("n")).toBe(0);
      expect(await db.prepare("SELECT 1 FROM all_deliveries WHERE seq = ?").bind(seq).first()).toBeNull();
    }
  });

  it("a failing control database answers 503, not 500", async () => {
    const res = await callWithEnv({ ...baseEnv, DB: env.BROKEN_SHARD }, "GET", `/v1/namespaces/${uniqueKey("nodir")}/webhooks`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("unavailable");
  });
});

describe("upgrading from one database (docs/deploying.md)", () => {
  it("adopts a namespace that already has rows on a shard but no directory entry, and delivers messages sent before shards", async () => {
    // The one database from before shards held every table: the control tables (test/apply-migrations.ts) and the shard tables.
    await applyD1Migrations(env.DB, env.TEST_SHARD_MIGRATIONS);
    const ns = uniqueKey("upgrade");
    const key = uniqueKey();
    // Before: the namespace's webhook is written to that database...
    const before = { ...baseEnv, SHARDS: "OLD", OLD: env.DB } as AppEnv;
    const made = await callWithEnv(before, "POST", `/v1/namespaces/${ns}/webhooks`, { name: "h", url: receiverUrl(`/ok/${key}`), events: ["build.finished"] });
    expect(made.status).toBe(201);
    // ...and there was no directory then.
    await env.DB.prepare("DELETE FROM namespace_shards WHERE namespace = ?").bind(ns).run();

    // After: the old database is the first shard. Closed to new namespaces here, to show that adoption is not placement by count.
    const sent: { body: DeliveryMessage }[] = [];
    const recording = { send: async (body: DeliveryMessage) => void sent.push({ body }), sendBatch: async (ms: { body: DeliveryMessage }[]) => void sent.push(...ms) };
    const after = { ...baseEnv, SHARD_0: env.DB, SHARDS_CLOSED: "SHARD_0", DELIVERIES: recording } as unknown as AppEnv;
    const list = await callWithEnv(after, "GET", `/v1/namespaces/${ns}/webhooks`);
    expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([made.body.id]);
    const pub = await callWithEnv(after, "POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: {} });
    expect(pub.status).toBe(202);
    expect(pub.body.deliveries).toBe(1);
    expect(await placed(ns)).toBe("SHARD_0");
    expect(sent.map((m) => m.body.s)).toEqual(["SHARD_0"]);

    // A message queued before the upgrade carries no shard: it is the first shard's, where the old rows are.
    const batch = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries-slow", [{ id: "old", timestamp: new Date(), attempts: 1, body: { d: sent[0].body.d } }]);
    await handleDeliveryBatch(batch, after);
    expect(await waitFor(() => received(key), (r) => r.length >= 1)).toHaveLength(1);
  });
});
