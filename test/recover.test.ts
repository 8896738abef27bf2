import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { continueRecovery, RECOVER_CHUNK, recoverWebhook } from "../src/delivery/recover";
import type { AppEnv, DeliveryMessage } from "../src/env";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { nsDb, nsEnv, pinNamespace } from "./support/shards";
import { updateDeliveries } from "./support/deliveries";
import type { ShardEnv } from "../src/db/shards";

const NS = "recover";
const appEnv = env as unknown as AppEnv;
const tick = () => new Promise((r) => setTimeout(r, 5));

async function publish(type: string, id: string) {
  const res = await api("POST", `/v1/namespaces/${NS}/events`, { type, id, data: { ref: id } });
  expect(res.status).toBe(202);
}

async function deliveriesOf(webhookId: string) {
  const res = await api("GET", `/v1/namespaces/${NS}/webhooks/${webhookId}/deliveries?limit=200`);
  expect(res.status).toBe(200);
  return res.body.data as { id: string; event_id: string; status: string; attempts: number }[];
}

async function allSettled(webhookId: string, count: number) {
  return waitFor(
    () => deliveriesOf(webhookId),
    (list) => list.length === count && list.every((d) => d.status !== "pending"),
    60_000,
    500,
  );
}

const idsOf = (reqs: { headers: Record<string, string> }[]) => reqs.map((r) => r.headers["webhook-id"]).sort();

describe("recover", () => {
  // A: one failed delivery before `since`, two after it, one succeeded after it.
  // B: another webhook whose deliveries fail too (recovering A must not touch them).
  // C: five failed deliveries, for a recovery continued through a queue message.
  let a: { id: string };
  let b: { id: string };
  let c: { id: string };
  let since = 0;
  const okKey = uniqueKey();
  const bKey = uniqueKey();
  const cKey = uniqueKey();

  beforeAll(async () => {
    // On the second shard: the other delivery tests mostly run on the first (placement's tie goes to SHARD_0).
    await pinNamespace(NS, "SHARD_1");
    a = await createWebhook(NS, { url: receiverUrl(`/status/500/${uniqueKey()}`), events: ["build.*"] });
    b = await createWebhook(NS, { url: receiverUrl(`/status/500/${bKey}`), events: ["build.started"] });
    c = await createWebhook(NS, { url: receiverUrl(`/status/500/${uniqueKey()}`), events: ["deploy.*"] });
    await publish("build.finished", "a-old");
    await tick();
    since = Date.now();
    await tick();
    await publish("build.started", "a-new-1");
    await publish("build.started", "a-new-2");
    for (let i = 0; i < 5; i++) await publish("deploy.finished", `c-${i}`);
    // Every automatic attempt fails (8 attempts over about 11 s).
    await Promise.all([allSettled(a.id, 3), allSettled(b.id, 2), allSettled(c.id, 5)]);
    // The receiver is fixed; one more event succeeds right away.
    await api("PATCH", `/v1/namespaces/${NS}/webhooks/${a.id}`, { url: receiverUrl(`/ok/${okKey}`) });
    await publish("build.tagged", "a-ok");
    await allSettled(a.id, 4);
  }, 120_000);

  it("re-enqueues exactly the failed deliveries created since the given time, as manual attempts", async () => {
    const before = await deliveriesOf(a.id);
    expect(before.filter((d) => d.status === "failed").map((d) => d.event_id).sort()).toEqual(["a-new-1", "a-new-2", "a-old"]);
    expect(before.find((d) => d.event_id === "a-ok")?.status).toBe("succeeded");
    expect(await received(okKey)).toHaveLength(1);
    const bBefore = (await received(bKey)).length;

    const res = await api("POST", `/v1/namespaces/${NS}/webhooks/${a.id}/recover`, { since: new Date(since).toISOString() });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ enqueued: 2 });

    const got = await waitFor(() => received(okKey), (r) => r.length >= 3);
    expect(idsOf(got)).toEqual(["a-new-1", "a-new-2", "a-ok"]);
    const after = await allSettled(a.id, 4);
    const byEvent = Object.fromEntries(after.map((d) => [d.event_id, d]));
    expect(byEvent["a-new-1"].status).toBe("succeeded");
    expect(byEvent["a-new-2"].status).toBe("succeeded");
    expect(byEvent["a-old"].status).toBe("failed");
    const detail = await api("GET", `/v1/namespaces/${NS}/deliveries/${byEvent["a-new-1"].id}`);
    expect(detail.body.attempts.at(-1)).toMatchObject({ trigger: "manual", response_status: 200 });
    expect(detail.body.attempts.slice(0, -1).every((x: { trigger: string }) => x.trigger === "automatic")).toBe(true);

    // Nothing else moved: recover marks what it re-sends pending in its own request, so the other
    // webhook's rows, all still failed, show it was not touched; a's are all settled.
    expect((await deliveriesOf(a.id)).every((d) => d.status !== "pending")).toBe(true);
    expect(await received(okKey)).toHaveLength(3);
    expect((await received(bKey)).length).toBe(bBefore);
    expect((await deliveriesOf(b.id)).every((d) => d.status === "failed")).toBe(true);

    // Nothing failed is left since then: a second recover finds nothing.
    expect((await api("POST", `/v1/namespaces/${NS}/webhooks/${a.id}/recover`, { since: new Date(since).toISOString() })).body).toEqual({ enqueued: 0 });
  });

  it("continues past its per-invocation bound through a queue message", async () => {
    const fixed = uniqueKey();
    await api("PATCH", `/v1/namespaces/${NS}/webhooks/${c.id}`, { url: receiverUrl(`/ok/${fixed}`) });
    // Bounds shrunk to one chunk of two: two are sent inline, three by the continuation.
    const enqueued = await recoverWebhook(await nsEnv(NS), c.id, since, Date.now(), { chunk: 2, inlineChunks: 1 });
    expect(enqueued).toBe(5);
    const got = await waitFor(() => received(fixed), (r) => r.length >= 5);
    expect(idsOf(got)).toEqual(["c-0", "c-1", "c-2", "c-3", "c-4"]);
    const list = await allSettled(c.id, 5);
    expect(list.every((d) => d.status === "succeeded")).toBe(true);
  });

  it("validates `since` and refuses a disabled webhook", async () => {
    const bad = await api("POST", `/v1/namespaces/${NS}/webhooks/${a.id}/recover`, { since: "yesterday" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("since");
    await api("PATCH", `/v1/namespaces/${NS}/webhooks/${b.id}`, { active: false });
    const off = await api("POST", `/v1/namespaces/${NS}/webhooks/${b.id}/recover`, { since: new Date(since).toISOString() });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe("webhook_disabled");
  });
});

describe("recover's continuation", () => {
  it("takes one chunk per turn and hands the rest to the back of the queue", async () => {
    const ns = uniqueKey("rr");
    const hook = await createWebhook(ns);
    const db = await nsDb(ns);
    const T = Date.now() - 60_000;
    // RECOVER_CHUNK + 20 failed deliveries of one webhook, written in one statement.
    await db.prepare(
      `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at, created_at, updated_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?4)
       SELECT 0, ?1, ?2, 'build.finished', 'failed', 1, ?3 + i, ?3 + i, ?3 + i, ?3 + i FROM n`,
    )
      .bind(hook.id, ns, T, RECOVER_CHUNK + 20)
      .run();
    // The queue, recorded instead of consumed (these deliveries have no event to send).
    const sent: DeliveryMessage[] = [];
    const recorded = {
      ...(await nsEnv(ns)),
      DELIVERIES: {
        send: async (body: DeliveryMessage) => void sent.push(body),
        sendBatch: async (batch: { body: DeliveryMessage }[]) => void sent.push(...batch.map((m) => m.body)),
      },
    } as unknown as ShardEnv;
    const pending = async () =>
      (await db.prepare("SELECT count(*) AS n FROM all_deliveries WHERE webhook_id = ? AND status = 'pending'").bind(hook.id).first<{ n: number }>())!.n;

    await continueRecovery(recorded, { w: hook.id, until: Date.now(), c: T, s: 0 });
    expect(await pending()).toBe(RECOVER_CHUNK);
    const continuation = sent.filter((m) => m.recover);
    expect(continuation).toHaveLength(1);
    expect(sent.filter((m) => !m.recover)).toHaveLength(RECOVER_CHUNK);

    sent.length = 0;
    await continueRecovery(recorded, continuation[0].recover!);
    expect(await pending()).toBe(RECOVER_CHUNK + 20);
    expect(sent.filter((m) => m.recover)).toHaveLength(0);
    await updateDeliveries(db, "UPDATE deliveries SET status = 'failed' WHERE webhook_id = ?", hook.id);
  });
});
