/** POST /v1/namespaces/{ns}/webhooks/{id}/ping: one ping, through the queue, in the delivery log. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { circleEventId, circleWebhookId } from "../src/delivery/circleci-ids";
import { sha256Hex } from "../src/security/token-check";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";

const ns = "ping";

describe("test ping", () => {
  it("reaches a webhook not subscribed to ping, only that one, and shows up in its delivery log", async () => {
    const key = uniqueKey();
    const other = uniqueKey();
    const hook = await createWebhook(ns, { format: "circleci", url: receiverUrl(`/ok/${key}`), events: ["workflow-completed"] });
    const bystander = await createWebhook(ns, { url: receiverUrl(`/ok/${other}`), events: ["*"] });
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ delivery_id: expect.stringMatching(/^dlv_/) });

    const detail = await settledDelivery(ns, res.body.delivery_id);
    expect(detail).toMatchObject({ status: "succeeded", event_type: "ping", webhook_id: hook.id });
    const log = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`);
    expect(log.body.data.map((d: { id: string }) => d.id)).toContain(res.body.delivery_id);

    const [got] = await waitFor(() => received(key), (r) => r.length === 1);
    expect(got.headers["circleci-event-type"]).toBe("ping");
    const body = JSON.parse(got.body);
    // CircleCI's ping: {type, id, happened_at, webhook{id, name}}, ids as UUIDs.
    expect(body).toEqual({
      type: "ping",
      id: await circleEventId(ns, detail.event_id),
      happened_at: expect.any(String),
      webhook: { id: await circleWebhookId(hook.id), name: hook.name },
    });
    expect(got.headers["user-agent"]).toBe("CircleCI-Webhook/1.0");

    // The bystander, subscribed to everything, got no ping.
    const others = await api("GET", `/v1/namespaces/${ns}/webhooks/${bystander.id}/deliveries`);
    expect(others.body.data).toEqual([]);
    expect(await received(other)).toEqual([]);
  });

  it("?wait=true answers the first attempt's result", async () => {
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"] });
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping?wait=true`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", response_status: 200, response_excerpt: "thanks", error: null });
    expect(res.body.delivery_id).toMatch(/^dlv_/);
    expect(res.body.duration_ms).toBeGreaterThanOrEqual(0);

    const failing = await createWebhook(ns, { url: receiverUrl(`/status/500/${uniqueKey()}`), events: ["build.*"] });
    const bad = await api("POST", `/v1/namespaces/${ns}/webhooks/${failing.id}/ping?wait=true`);
    expect(bad.status).toBe(200);
    // The first attempt failed; a retry is scheduled like for any delivery.
    expect(bad.body).toMatchObject({ status: "pending", response_status: 500, response_excerpt: "status 500" });
  });

  it("an inactive webhook: 409 webhook_disabled; unknown webhook 404; a read-only token 403", async () => {
    const hook = await createWebhook(ns, { active: false });
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("webhook_disabled");
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data).toEqual([]);

    expect((await api("POST", `/v1/namespaces/${ns}/webhooks/wh_nope/ping`)).status).toBe(404);

    const token = `cwh_${uniqueKey()}`;
    await env.DB.prepare("INSERT INTO tokens (id, namespace, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(`tok_${uniqueKey()}`, ns, "reader", JSON.stringify(["webhooks:read"]), await sha256Hex(token), Date.now())
      .run();
    const active = await createWebhook(ns);
    const denied = await api("POST", `/v1/namespaces/${ns}/webhooks/${active.id}/ping`, undefined, token);
    expect(denied.status).toBe(403);
    expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${active.id}/ping?wait=maybe`)).status).toBe(422);
  });
});
