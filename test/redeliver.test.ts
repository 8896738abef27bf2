import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { pinTogether } from "./support/shards";

const NS = "redeliver";

async function publish(type = "build.started", data: unknown = { id: 1 }) {
  const res = await api("POST", `/v1/namespaces/${NS}/events`, { type, data });
  expect(res.status).toBe(202);
  return res.body;
}

describe("redeliver", () => {
  // One shard for both, so the 404 under "other" is the `namespace = ?`, not placement.
  beforeAll(() => pinTogether(NS, "other"));

  it("sends the same event again as a manual attempt: same id, new signature that verifies", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${key}`), events: ["build.*"] });
    await publish();
    const d = await onlyDeliveryOf(NS, hook.id);
    expect((await settledDelivery(NS, d.id)).status).toBe("succeeded");
    // So the manual attempt's timestamp is a later second: wait for the clock to pass the first one's.
    const [first] = await received(key);
    await waitFor(async () => Math.floor(Date.now() / 1000), (now) => now > Number(first.headers["webhook-timestamp"]), 3_000, 20);

    const res = await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ delivery_id: d.id });

    const detail = (await waitFor(() => api("GET", `/v1/namespaces/${NS}/deliveries/${d.id}`), (r) => r.body.attempts.length === 2 && r.body.status !== "pending")).body;
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(["automatic", "manual"]);

    const got = await received(key);
    expect(got).toHaveLength(2);
    expect(got[1].headers["webhook-id"]).toBe(got[0].headers["webhook-id"]);
    expect(got[1].body).toBe(got[0].body);
    expect(Number(got[1].headers["webhook-timestamp"])).toBeGreaterThan(Number(got[0].headers["webhook-timestamp"]));
    expect(got[1].headers["webhook-signature"]).not.toBe(got[0].headers["webhook-signature"]);
    const wh = new Webhook(hook.secret);
    for (const r of got) expect(() => wh.verify(r.body, r.headers)).not.toThrow();
  });

  it("a failed manual attempt ends the delivery failed and starts no automatic retries", async () => {
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"] });
    await publish("build.finished");
    const d = await onlyDeliveryOf(NS, hook.id);
    expect((await settledDelivery(NS, d.id)).status).toBe("succeeded");

    const failKey = uniqueKey();
    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hook.id}`, { url: receiverUrl(`/status/500/${failKey}`) })).status).toBe(200);
    expect((await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`)).status).toBe(202);
    const detail = await waitFor(
      () => api("GET", `/v1/namespaces/${NS}/deliveries/${d.id}`),
      (r) => r.body.attempts.length === 2 && r.body.status !== "pending",
    );
    expect(detail.body.status).toBe("failed");
    expect(detail.body.failure_reason).toBe("manual_attempt_failed");
    expect(detail.body.attempts[1]).toMatchObject({ trigger: "manual", response_status: 500 });
    // Failed, not pending, with nothing scheduled: no claim (they take pending rows only) can send it again.
    expect(detail.body.next_attempt_at).toBeNull();
    expect(await received(failKey)).toHaveLength(1);
  });

  it("refuses while an attempt is running, so nothing is sent twice; allowed once it has finished", async () => {
    const key = uniqueKey();
    // The receiver answers in 1 s, inside the webhook's 1.5 s timeout, and that timeout is under the main lane's
    // patience (SLOW_RECEIVER_MS), so no answer is ever cut and sent again by the slow lane: on a loaded machine
    // a late answer is a timeout on record, retried. Every POST the receiver gets is then an attempt on record.
    const hook = await createWebhook(NS, { url: receiverUrl(`/slow/1000/${key}`), events: ["build.*"], timeout_ms: 1500 });
    await publish("build.tagged");
    const d = await onlyDeliveryOf(NS, hook.id);
    // In flight: one attempt claimed, none recorded yet.
    await waitFor(
      () => api("GET", `/v1/namespaces/${NS}/deliveries/${d.id}`),
      (r) => r.body.attempt_count === 1 && r.body.attempts.length === 0,
      10_000,
      50,
    );
    const busy = await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`);
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe("conflict");
    const settled = await settledDelivery(NS, d.id);
    expect(settled.status).toBe("succeeded");
    expect(settled.attempts.map((a: { trigger: string }) => a.trigger)).not.toContain("manual");
    expect((await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`)).status).toBe(202);
    const after = await waitFor(
      () => api("GET", `/v1/namespaces/${NS}/deliveries/${d.id}`),
      (r) => r.body.attempts.length === settled.attempts.length + 1 && r.body.status !== "pending",
    );
    // The refused redeliver sent nothing: one manual attempt (the allowed one), and no POST beyond those on record.
    expect(after.body.attempts.map((a: { trigger: string }) => a.trigger).filter((t: string) => t === "manual")).toEqual(["manual"]);
    expect(await received(key)).toHaveLength(after.body.attempts.length);
  });

  it("answers 409 webhook_disabled for a disabled or deleted webhook, 404 for an unknown delivery", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(NS, { url: receiverUrl(`/ok/${key}`), events: ["build.*"] });
    await publish("build.pinned");
    const d = await onlyDeliveryOf(NS, hook.id);
    await settledDelivery(NS, d.id);

    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hook.id}`, { active: false })).status).toBe(200);
    const off = await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`);
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe("webhook_disabled");
    expect(off.body.error.message).toMatch(/disabled/);
    expect(off.body.error.message).toMatch(/"active": true/);

    expect((await api("PATCH", `/v1/namespaces/${NS}/webhooks/${hook.id}`, { active: true })).status).toBe(200);
    expect((await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`)).status).toBe(202);
    await waitFor(() => received(key), (r) => r.length === 2);

    await settledDelivery(NS, d.id);
    expect((await api("DELETE", `/v1/namespaces/${NS}/webhooks/${hook.id}`)).status).toBe(204);
    const gone = await api("POST", `/v1/namespaces/${NS}/deliveries/${d.id}/redeliver`);
    expect(gone.status).toBe(409);
    expect(gone.body.error.code).toBe("webhook_disabled");
    expect(gone.body.error.message).toMatch(/deleted/);

    expect((await api("POST", `/v1/namespaces/${NS}/deliveries/dlv_zzzzzz/redeliver`)).status).toBe(404);
    expect((await api("POST", `/v1/namespaces/other/deliveries/${d.id}/redeliver`)).status).toBe(404);
  });
});
