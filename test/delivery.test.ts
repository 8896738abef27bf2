import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { hookDb } from "./support/shards";

/**
 * Each test's webhook in a namespace of its own: in a shared one every
 * publish would also fan out to earlier tests' hanging and failing webhooks,
 * whose retries would then run through the later tests' timing.
 */
async function publishTo(path: string, type = "build.finished", data: unknown = { id: 1 }) {
  const ns = uniqueKey("dlv");
  const key = uniqueKey();
  const hook = await createWebhook(ns, { url: receiverUrl(`${path}/${key}`) });
  const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type, data });
  expect(pub.status).toBe(202);
  const delivery = await onlyDeliveryOf(ns, hook.id);
  return { ns, key, hook, event: pub.body, delivery };
}

// Each test in a namespace of its own, so they run side by side: most of their time is waiting on retries.
describe.concurrent("delivery", () => {
  it("signs Standard Webhooks deliveries that the standardwebhooks package verifies", async () => {
    const { ns, key, hook, delivery, event } = await publishTo("/ok");
    await settledDelivery(ns, delivery.id);
    const [req] = await received(key);
    expect(req.headers["webhook-id"]).toBe(event.id);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["user-agent"]).toMatch(/^ci-webhooks\//);
    expect(req.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const verified = new Webhook(hook.secret).verify(req.body, req.headers) as { type: string; data: unknown; timestamp: string };
    expect(verified).toEqual({ type: "build.finished", timestamp: event.created_at, data: { id: 1 } });
    expect(() => new Webhook(`whsec_${btoa("another-secret-of-24-bytes!!")}`).verify(req.body, req.headers)).toThrow();
  });

  it("retries a receiver that answers 500 once: the second attempt not before the 5 s first delay, then succeeded", async () => {
    const { ns, key, delivery, event } = await publishTo("/fail/1");
    const detail = await settledDelivery(ns, delivery.id, 30_000);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
    expect(detail.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(["automatic", "automatic"]);
    const gap = Date.parse(detail.attempts[1].started_at) - Date.parse(detail.attempts[0].started_at);
    // The schedule's floor; how late the local queue brings the retry is the machine's (the wait above bounds it).
    expect(gap).toBeGreaterThanOrEqual(4_900);
    const reqs = await received(key);
    expect(reqs.map((r) => r.headers["webhook-id"])).toEqual([event.id, event.id]);
    expect(reqs[0].headers["webhook-signature"]).not.toBe(reqs[1].headers["webhook-signature"]);
  });

  it("logs every attempt: request headers without the secret, response status, headers and body excerpt", async () => {
    const { ns, hook, delivery } = await publishTo("/fail/1");
    const detail = await settledDelivery(ns, delivery.id, 30_000);
    const first = detail.attempts[0];
    expect(first).toMatchObject({ attempt: 1, response_status: 500, response_body: "not yet", error: null });
    expect(first.request_headers["webhook-id"]).toBe(detail.event_id);
    expect(first.response_headers["content-type"]).toBe("text/plain");
    expect(first.duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(detail)).not.toContain(hook.secret);
    expect(JSON.stringify(detail)).not.toContain(hook.secret.slice(6));
  });

  it("times out a receiver that never answers, logs the timeout and schedules a retry", async () => {
    const { ns, delivery } = await publishTo("/hang");
    const pending = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length >= 1,
      20_000,
    );
    const [attempt] = pending.body.attempts;
    expect(attempt.error).toMatchObject({ class: "timeout" });
    expect(attempt.response_status).toBeNull();
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(1_900);
    expect(pending.body.status).toBe("pending");
    expect(Date.parse(pending.body.next_attempt_at)).toBeGreaterThan(Date.parse(attempt.started_at) + 4_000);
  });

  it("does not follow a redirect: the attempt fails and the target sees nothing", async () => {
    const { ns, key, delivery } = await publishTo("/redirect/302");
    const detail = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length >= 1,
      15_000,
    );
    expect(detail.body.attempts[0].response_status).toBe(302);
    expect(detail.body.status).toBe("pending");
    expect(await received(`${key}-sentinel`)).toHaveLength(0);
  });

  // The local queue redelivers a retried message several seconds late: 8 attempts (11 s of schedule) take 30-50 s here.
  it("marks a delivery failed after its last attempt", { timeout: 90_000 }, async () => {
    const { ns, key, delivery } = await publishTo("/status/500");
    const detail = await settledDelivery(ns, delivery.id, 80_000);
    expect(detail.status).toBe("failed");
    expect(detail.failure_reason).toBe("attempts_exhausted");
    expect(detail.attempts).toHaveLength(8);
    expect(detail.attempt_count).toBe(8);
    expect(await received(key)).toHaveLength(8);
  });

  it("lists a webhook's deliveries newest first, filtered by status", async () => {
    const ns = uniqueKey("dlv");
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    for (let i = 0; i < 3; i++) await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { i } });
    const list = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries?status=succeeded&limit=2`),
      (r) => r.body.data.length === 2,
    );
    expect(list.body.next_cursor).not.toBeNull();
    const next = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries?status=succeeded&limit=2&cursor=${list.body.next_cursor}`),
      (r) => r.body.data.length === 1,
    );
    const all = [...list.body.data, ...next.body.data];
    expect(new Set(all.map((d: { id: string }) => d.id)).size).toBe(3);
    const created = all.map((d: { created_at: string }) => Date.parse(d.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(all[0]).toMatchObject({ webhook_id: hook.id, event_type: "build.started", status: "succeeded", attempts: 1 });
  });

  it("records an attempt that could not be prepared (a secret that no longer unseals) and keeps the schedule", async () => {
    const ns = uniqueKey("dlv");
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    await (await hookDb(hook.id)).prepare("UPDATE webhooks SET secret_sealed = 'v1.AAAAAAAAAAAAAAAA.AAAA' WHERE id = ?").bind(hook.id).run();
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: {} });
    const delivery = await onlyDeliveryOf(ns, hook.id);
    const detail = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length >= 1,
      15_000,
    );
    expect(detail.body.attempts[0].error).toEqual({ class: "internal", message: "The request could not be prepared." });
    expect(detail.body.status).toBe("pending");
    expect(await received(key)).toHaveLength(0);
  });
});
