/**
 * Per-key ordered delivery (docs/ordering.md) against the real consumer,
 * queues and D1, with a receiver that fails at random after a random delay.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generationAt } from "../src/db/generations";
import { claimStatement } from "../src/db/stores/deliveries";
import { keyHeadsStatement } from "../src/db/stores/delivery-order";
import { ORDERED_OVERDUE_SQL, OVERDUE_SQL } from "../src/db/stores/delivery-recovery";
import { deliveryScans, planGenerations, queryPlan } from "./support/db";
import { fixture } from "./support/fixtures";
import { checkOrder, eventOf } from "./support/order-check";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";

const NS = "ordering";

async function publish(data: Record<string, unknown>, orderingKey?: string, type = "build.started") {
  const res = await api("POST", `/v1/namespaces/${NS}/events`, { type, data, ...(orderingKey ? { ordering_key: orderingKey } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body as { id: string; ordering_key: string | null };
}

type Summary = { id: string; status: string; attempts: number; ordering_key: string | null; updated_at: string };

async function deliveriesOf(webhookId: string): Promise<Summary[]> {
  const res = await api("GET", `/v1/namespaces/${NS}/webhooks/${webhookId}/deliveries?limit=200`);
  expect(res.status).toBe(200);
  return res.body.data;
}

const allSucceeded = (webhookId: string, count: number, timeoutMs: number) =>
  waitFor(
    () => deliveriesOf(webhookId),
    (list) => list.length === count && list.every((d) => d.status === "succeeded"),
    timeoutMs,
    500,
  );

const detail = async (id: string) => (await api("GET", `/v1/namespaces/${NS}/deliveries/${id}`)).body;
const dataOf = eventOf;

/**
 * Each delivery's first arrival. A receiver answering near SLOW_RECEIVER_MS (the tests' /slow/1500 on a
 * loaded machine) can have its answer cut by the main lane and the delivery sent again by the slow
 * lane, with the same webhook-id: that is the lane's rule, not the order's, so it counts once here.
 */
const firstOfEach = (list: Awaited<ReturnType<typeof received>>) =>
  list.sort((a, b) => a.at - b.at).filter((r, i, all) => all.findIndex((o) => o.headers["webhook-id"] === r.headers["webhook-id"]) === i);

describe("ordered delivery", () => {
  it("6 keys x 10 events through a receiver failing ~30 % at random: each key in publish order, one at a time, all succeed; an unordered webhook meanwhile", { timeout: 320_000 }, async () => {
    const orderedKey = uniqueKey("ord");
    const unorderedKey = uniqueKey("unord");
    const ordered = await createWebhook(NS, { url: receiverUrl(`/chaos/30/200/${orderedKey}`), events: ["build.*"], ordered: true });
    const unordered = await createWebhook(NS, { url: receiverUrl(`/chaos/30/200/${unorderedKey}`), events: ["build.*"] });
    expect(ordered.ordered).toBe(true);
    expect(unordered.ordered).toBe(false);

    const keys = Array.from({ length: 6 }, (_, i) => `pipeline-${i}:${orderedKey}`);
    for (let n = 0; n < 10; n++) for (const k of keys) await publish({ id: n, k, n }, k);

    // Generous: retries at 30 % failures with the tests' 5 s first retry, on a 2-core machine that runs other files too.
    const unorderedDone = await allSucceeded(unordered.id, 60, 240_000);
    const orderedDone = await allSucceeded(ordered.id, 60, 300_000);
    expect(orderedDone.every((d) => keys.includes(d.ordering_key!))).toBe(true);

    checkOrder(await received(orderedKey), keys, 10);
    // The unordered webhook got every delivery meanwhile, not after the ordered ones.
    const lastOf = (list: Summary[]) => Math.max(...list.map((d) => Date.parse(d.updated_at)));
    expect(lastOf(unorderedDone)).toBeLessThan(lastOf(orderedDone));
    expect(new Set((await received(unorderedKey)).filter((r) => r.status === 200).map((r) => JSON.stringify(dataOf(r)))).size).toBe(60);
  });

  it("a failing head holds only its key (waiting_for names it) and its retry keeps its schedule; others go on", { timeout: 60_000 }, async () => {
    const key = uniqueKey("head");
    // The first request fails (the head's first attempt); its retry comes 5 s later.
    const hook = await createWebhook(NS, { url: receiverUrl(`/fail/1/${key}`), events: ["build.*"], ordered: true });
    const x = `x-${key}`;
    await publish({ id: 1, k: x, n: 0 }, x);
    const [head] = await waitFor(() => deliveriesOf(hook.id), (l) => l.length === 1 && l[0].attempts === 1 && l[0].status === "pending");
    await publish({ id: 2, k: x, n: 1 }, x);
    await publish({ id: 3, k: `y-${key}`, n: 0 }, `y-${key}`);
    const list = await waitFor(() => deliveriesOf(hook.id), (l) => l.length === 3 && l.some((d) => d.ordering_key === `y-${key}` && d.status === "succeeded"));
    const held = list.find((d) => d.ordering_key === x && d.id !== head.id)!;
    // The other key went on; the head is still waiting for its retry, and the next of its key waits for it.
    expect((await detail(head.id)).status).toBe("pending");
    const waiting = await detail(held.id);
    expect(waiting).toMatchObject({ status: "pending", waiting_for: head.id, attempt_count: 0, ordering_key: x });
    expect((await detail(head.id)).waiting_for).toBeNull();

    const done = await allSucceeded(hook.id, 3, 30_000);
    const headDone = await detail(head.id);
    // Its retry came on the schedule's 5 s, and the held one only after it.
    expect(Date.parse(headDone.attempts[1].started_at) - Date.parse(headDone.attempts[0].started_at)).toBeGreaterThanOrEqual(4_000);
    const heldDone = await detail(held.id);
    expect(heldDone.waiting_for).toBeNull();
    expect(Date.parse(heldDone.attempts[0].started_at)).toBeGreaterThanOrEqual(Date.parse(headDone.attempts[1].started_at));
    expect(done).toHaveLength(3);
  });

  it("redeliver and recover send copies outside the order: never held, never holding", { timeout: 150_000 }, async () => {
    const key = uniqueKey("manual");
    const hook = await createWebhook(NS, { url: receiverUrl(`/slow/1500/${key}`), events: ["build.*"], ordered: true });
    const z = `z-${key}`;
    // C in flight for 1.5 s, D parked behind it: a redelivery of D goes at once.
    await publish({ id: 1, k: z, n: 0 }, z);
    await publish({ id: 2, k: z, n: 1 }, z);
    // The log lists newest first.
    const [d, c] = await waitFor(() => deliveriesOf(hook.id), (l) => l.length === 2);
    await waitFor(() => detail(d.id), (r) => r.waiting_for === c.id, 10_000, 50);
    expect((await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`)).status).toBe(202);
    await allSucceeded(hook.id, 2, 20_000);
    const got = firstOfEach(await received(key));
    expect(got.map((r) => dataOf(r).n)).toEqual([0, 1]);
    expect(got[1].at).toBeLessThan(got[0].answeredAt!);
    expect((await detail(d.id)).attempts.map((a: { trigger: string }) => a.trigger)).toEqual(["manual"]);

    // A failed delivery recovered (a manual copy) does not hold the key's next event either.
    const failKey = uniqueKey("fail");
    const failing = await createWebhook(NS, { url: receiverUrl(`/status/500/${failKey}`), events: ["build.*"], ordered: true });
    const w = `w-${key}`;
    const since = new Date().toISOString();
    await publish({ id: 3, k: w, n: 0 }, w);
    await waitFor(() => deliveriesOf(failing.id), (l) => l.length === 1 && l[0].status === "failed", 70_000, 500);
    // A receiver that answers at once: a manual copy is tried once, and a slow answer cut by the main lane on a
    // loaded machine would fail it for a reason that is not the order's (the first half shows two in flight at once).
    const okKey = uniqueKey("okrec");
    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${failing.id}`, { url: receiverUrl(`/ok/${okKey}`) })).status).toBe(200);
    expect((await api("POST", `/v1/namespaces/${NS}/webhooks/${failing.id}/recover`, { since })).status).toBe(202);
    await publish({ id: 4, k: w, n: 1 }, w);
    const [next, recovered] = await allSucceeded(failing.id, 2, 40_000);
    expect(firstOfEach(await received(okKey)).map((r) => dataOf(r).n).sort()).toEqual([0, 1]);
    // The recovered copy is manual; the key's next event went on its own first attempt, held by nothing.
    expect((await detail(recovered.id)).attempts.at(-1).trigger).toBe("manual");
    const nextDetail = await detail(next.id);
    expect(nextDetail.waiting_for).toBeNull();
    expect(nextDetail.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(["automatic"]);
  });

  it("an event the webhook's filter drops never holds its key", { timeout: 30_000 }, async () => {
    const key = uniqueKey("filter");
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${key}`), events: ["deploy.finished"], filter: { env_name: "prod*" }, ordered: true });
    const deploy = fixture("deploy.finished");
    const k = `f-${key}`;
    await publish({ ...deploy, env_name: "staging" }, k, "deploy.finished");
    await publish({ ...deploy, env_name: "production" }, k, "deploy.finished");
    const [only] = await allSucceeded(hook.id, 1, 20_000);
    expect(only.ordering_key).toBe(k);
    expect((await detail(only.id)).attempts).toHaveLength(1);
    expect(await received(key)).toHaveLength(1);
  });

  it("ordering_key: 1 to 128 of [A-Za-z0-9._:/-], else 422; shown on the event and its deliveries, null without one", async () => {
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["deploy.*"] });
    for (const bad of ["", "x".repeat(129), "has space", "ümlaut", "a;b", "a\nb"]) {
      const res = await api("POST", `/v1/namespaces/${NS}/events`, { type: "deploy.started", data: {}, ordering_key: bad });
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const longest = "A-z.0_9:/".repeat(14) + "xx";
    expect(longest).toHaveLength(128);
    const keyed = await api("POST", `/v1/namespaces/${NS}/events`, { type: "deploy.started", data: {}, ordering_key: longest });
    expect(keyed.status).toBe(202);
    expect(keyed.body.ordering_key).toBe(longest);
    const plain = await api("POST", `/v1/namespaces/${NS}/events`, { type: "deploy.finished", data: {} });
    expect(plain.body.ordering_key).toBeNull();
    expect((await api("GET", `/v1/namespaces/${NS}/events/${keyed.body.id}`)).body.ordering_key).toBe(longest);
    expect((await api("GET", `/v1/namespaces/${NS}/events/${plain.body.id}`)).body.ordering_key).toBeNull();
    const list = await waitFor(() => deliveriesOf(hook.id), (l) => l.length === 2);
    expect(list.map((d) => d.ordering_key).sort()).toEqual([longest, null].sort());
    for (const d of list) expect((await detail(d.id)).ordering_key).toBe(d.ordering_key);
    // The same id again with another key is a different event.
    const again = await api("POST", `/v1/namespaces/${NS}/events`, { id: keyed.body.id, type: "deploy.started", data: {}, ordering_key: "other" });
    expect(again.status).toBe(409);

    // ordered: false by default, in every answer; PATCH changes it.
    expect(hook.ordered).toBe(false);
    const patched = await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hook.id}`, { ordered: true });
    expect(patched.body.ordered).toBe(true);
    expect((await api("GET", `/v1/namespaces/${NS}/webhooks/${hook.id}`)).body.ordered).toBe(true);
    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hook.id}`, { ordered: "yes" })).status).toBe(422);
  });

  it("the claim and the heads' read find a key's deliveries through deliveries_ordered on every day; the sweep's heads pass reads only that partial index", async () => {
    const days = await planGenerations();
    const g = generationAt(Date.now());
    const text = (st: D1PreparedStatement) => st as unknown as { statement: string; params: unknown[] };
    const byKey = [
      text(claimStatement(env.SHARD_0, g, "slow", ["[1]", Date.now(), 15_000, 60_000])),
      text(keyHeadsStatement(env.SHARD_0, [{ w: "wh_1", k: "k" }])),
    ];
    for (const { statement, params } of [...byKey, { statement: ORDERED_OVERDUE_SQL, params: [1, 1, 1, 1] }]) {
      const plan = await queryPlan(statement, ...params);
      const ordered = plan.filter((l) => /deliveries_ordered/.test(l));
      expect(ordered.length, statement.slice(0, 60)).toBeGreaterThanOrEqual(days.length);
      const keyed = byKey.some((b) => b.statement === statement);
      for (const l of ordered) expect(l, statement.slice(0, 60)).toMatch(keyed ? /^SEARCH \S+ USING INDEX deliveries_ordered(_g\d+)? \(ordering_key=\?/ : /USING INDEX deliveries_ordered(_g\d+)?\b/);
      // Nothing read through a materialized view (an automatic index over every day's rows), no table scanned.
      expect(plan.filter((l) => /AUTOMATIC .*ordering_key/.test(l))).toEqual([]);
      if (keyed) expect(deliveryScans(plan)).toEqual([]);
    }
    // The first pass of the sweep leaves ordered deliveries to the heads pass, reading no key.
    expect((await queryPlan(OVERDUE_SQL, 1, 1, 1, 1, 1, 1)).filter((l) => /deliveries_ordered/.test(l))).toEqual([]);
  });
});
