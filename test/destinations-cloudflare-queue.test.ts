/**
 * Issue 25: a Cloudflare Queues destination, end to end through the real
 * pipeline, against the loopback stand-in (destination-stand-ins.ts) at the
 * destination's endpoint.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, settledDelivery, waitFor } from "./support/api";
import { cfToken, hex32, knowCloudflareToken, planAnswers, standInReceived, standInsUrl } from "./support/destinations";

const ns = "dest-cfq";

async function queueHook() {
  const token = cfToken();
  await knowCloudflareToken(token);
  const account = hex32();
  const queue = hex32();
  const hook = await createWebhook(ns, {
    url: undefined,
    events: ["build.finished"],
    destination: { type: "cloudflare_queue", account_id: account, queue_id: queue, api_token: token, endpoint: standInsUrl() },
  });
  return { hook, token, account, queue };
}

async function publish(hook: { id: string }) {
  const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 7, branch: "main" } });
  expect(pub.status).toBe(202);
  return { event: pub.body, delivery: await onlyDeliveryOf(ns, hook.id) };
}

describe("cloudflare_queue destination", () => {
  it("posts the documented path, bearer token and {body} message; the body verifies with the webhook's secret", async () => {
    const { hook, token, account, queue } = await queueHook();
    expect(hook.url).toBe(`${standInsUrl()}/client/v4/accounts/${account}/queues/${queue}/messages`);
    expect(hook.destination).toEqual({ type: "cloudflare_queue", account_id: account, queue_id: queue, endpoint: standInsUrl(), api_token_hint: token.slice(-4) });
    const { event, delivery } = await publish(hook);
    const detail = await settledDelivery(ns, delivery.id);
    expect(detail.status).toBe("succeeded");
    const [req] = await standInReceived(queue);
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/client/v4/accounts/${account}/queues/${queue}/messages`);
    expect(req.headers.authorization).toBe(`Bearer ${token}`);
    expect(req.headers["content-type"]).toBe("application/json");
    const sent = JSON.parse(req.body) as { body: { headers: Record<string, string>; body: string } };
    expect(Object.keys(sent)).toEqual(["body"]);
    expect(sent.body.headers["webhook-id"]).toBe(event.id);
    expect(sent.body.headers["user-agent"]).toBeUndefined();
    const verified = new Webhook(hook.secret).verify(sent.body.body, sent.body.headers);
    expect(verified).toEqual({ type: "build.finished", timestamp: event.created_at, data: { id: 7, branch: "main" } });
    // The attempt log shows the service's answer like a response, and the request headers redacted.
    const [attempt] = detail.attempts;
    expect(attempt.response_status).toBe(200);
    expect(JSON.parse(attempt.response_body)).toMatchObject({ success: true });
    expect(attempt.request_headers["webhook-signature"]).toMatch(/\[redacted\]/);
    expect(JSON.stringify(detail)).not.toContain(token);

    // Redeliver goes the same way: a manual attempt, a second message.
    expect((await api("POST", `/v1/namespaces/${ns}/deliveries/${delivery.id}/redeliver`)).status).toBe(202);
    const again = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length === 2 && r.body.status === "succeeded",
      20_000,
    );
    expect(again.body.attempts[1]).toMatchObject({ trigger: "manual", response_status: 200 });
    expect(await standInReceived(queue)).toHaveLength(2);
  });

  it("a queue answering 500, then 200: two attempts, succeeded", async () => {
    const { hook, queue } = await queueHook();
    await planAnswers(queue, [{ status: 500, body: JSON.stringify({ success: false, errors: [{ code: 10001, message: "internal" }] }) }]);
    const { delivery } = await publish(hook);
    const detail = await settledDelivery(ns, delivery.id, 30_000);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
    expect((await standInReceived(queue)).length).toBe(2);
  });

  it("a 2xx that does not say success fails the attempt (rejected) and is retried", async () => {
    const { hook, queue } = await queueHook();
    await planAnswers(queue, [{ status: 200, body: JSON.stringify({ success: false, errors: [{ code: 11000, message: "queue paused" }] }) }]);
    const { delivery } = await publish(hook);
    const detail = await settledDelivery(ns, delivery.id, 30_000);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempts[0]).toMatchObject({ response_status: 200, error: { class: "rejected" } });
    expect(detail.attempts).toHaveLength(2);
  });

  it("throttled (429 with Retry-After) is retried later, not before Retry-After", async () => {
    const { hook, queue } = await queueHook();
    await planAnswers(queue, [{ status: 429, headers: { "retry-after": "7" }, body: JSON.stringify({ success: false, errors: [{ code: 10250, message: "rate limited" }] }) }]);
    const { delivery } = await publish(hook);
    const pending = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length >= 1,
      20_000,
    );
    expect(pending.body.status).toBe("pending");
    expect(Date.parse(pending.body.next_attempt_at)).toBeGreaterThanOrEqual(Date.parse(pending.body.attempts[0].started_at) + 5_900);
    const detail = await settledDelivery(ns, delivery.id, 30_000);
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([429, 200]);
  });

  it("a token the service refuses (401) is an attempt on record, and the token never shows", async () => {
    const hook = await createWebhook(ns, {
      url: undefined,
      events: ["build.finished"],
      destination: { type: "cloudflare_queue", account_id: hex32(), queue_id: hex32(), api_token: cfToken(), endpoint: standInsUrl() },
    });
    const { delivery } = await publish(hook);
    const pending = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/deliveries/${delivery.id}`),
      (r) => r.body.attempts.length >= 1,
      20_000,
    );
    expect(pending.body.attempts[0].response_status).toBe(401);
  });
});
