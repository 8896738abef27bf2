import { describe, expect, it } from "vitest";
import { healthQueries } from "../src/webhooks/health";
import { api, createWebhook, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { deliveryScans, namespaceToken, planGenerations, queryPlan, seedDeliveries } from "./support/db";
import { pinTogether } from "./support/shards";

const HOUR = 3_600_000;

describe("GET /v1/namespaces/{ns}/webhooks/{id}/stats", () => {
  it("counts both windows, rates and percentiles from the deliveries", async () => {
    const ns = "stats-seeded";
    const hook = await createWebhook(ns);
    const other = await createWebhook(ns);
    const now = Date.now();
    const at = (hoursAgo: number) => now - hoursAgo * HOUR;
    await seedDeliveries([
      { webhookId: hook.id, namespace: ns, status: "succeeded", createdAt: at(1), durationMs: 100 },
      { webhookId: hook.id, namespace: ns, status: "succeeded", createdAt: at(2), durationMs: 300 },
      { webhookId: hook.id, namespace: ns, status: "failed", createdAt: at(3), durationMs: 50 },
      { webhookId: hook.id, namespace: ns, status: "succeeded", createdAt: at(48), durationMs: 1000 },
      { webhookId: hook.id, namespace: ns, status: "pending", createdAt: at(72), durationMs: null },
      // Outside both windows, and another webhook's: not counted.
      { webhookId: hook.id, namespace: ns, status: "failed", createdAt: at(8 * 24), durationMs: 9999 },
      { webhookId: other.id, namespace: ns, status: "failed", createdAt: at(1), durationMs: 7777 },
    ]);
    const res = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/stats`);
    expect(res.status).toBe(200);
    const { windows } = res.body;
    expect(windows["24h"]).toMatchObject({ deliveries: 3, succeeded: 2, failed: 1, pending: 0, p50_ms: 100, p95_ms: 300 });
    expect(windows["24h"].success_rate).toBeCloseTo(2 / 3);
    expect(windows["7d"]).toMatchObject({ deliveries: 5, succeeded: 3, failed: 1, pending: 1, p50_ms: 100, p95_ms: 1000 });
    expect(windows["7d"].success_rate).toBeCloseTo(3 / 4);
    expect(Date.parse(windows["24h"].since)).toBeGreaterThan(now - 25 * HOUR);
    // The newest success (1 h ago, settled a second later) and the failure 3 h ago.
    expect(Date.parse(res.body.last_success_at)).toBe(at(1) + 1000);
    expect(Date.parse(res.body.last_failure_at)).toBe(at(3) + 1000);
  });

  it("answers empty windows with zeros and nulls", async () => {
    const hook = await createWebhook("stats-empty");
    const res = await api("GET", `/v1/namespaces/stats-empty/webhooks/${hook.id}/stats`);
    expect(res.status).toBe(200);
    expect(res.body.windows["7d"]).toMatchObject({ deliveries: 0, succeeded: 0, failed: 0, pending: 0, success_rate: null, p50_ms: null, p95_ms: null });
    expect(res.body).toMatchObject({ consecutive_failures: 0, failing_since: null, last_success_at: null, last_failure_at: null });
  });

  it("follows real deliveries: successes, then a failing receiver's streak", async () => {
    const ns = "stats-live";
    const ok = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"] });
    for (let i = 0; i < 3; i++) {
      const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { id: i } });
      expect(pub.status).toBe(202);
    }
    const settled = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${ok.id}/stats`),
      (r) => r.status === 200 && r.body.windows["24h"].succeeded === 3,
    );
    expect(settled.body.windows["24h"]).toMatchObject({ deliveries: 3, pending: 0, failed: 0, success_rate: 1 });
    expect(settled.body.windows["24h"].p50_ms).toBeGreaterThanOrEqual(0);
    expect(settled.body.last_success_at).not.toBeNull();
    expect(settled.body.consecutive_failures).toBe(0);

    const bad = await createWebhook(ns, { url: receiverUrl(`/status/500/${uniqueKey()}`), events: ["deploy.*"] });
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "deploy.started", data: { id: 1 } });
    const failing = await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${bad.id}/stats`),
      (r) => r.status === 200 && r.body.consecutive_failures >= 1,
    );
    expect(failing.body.failing_since).not.toBeNull();
    expect(failing.body.last_failure_at).not.toBeNull();
    expect(failing.body.last_success_at).toBeNull();
    expect(failing.body.windows["24h"].deliveries).toBe(1);
    // Stop the retries: deleting ends the pending delivery as failed.
    expect((await api("DELETE", `/v1/namespaces/${ns}/webhooks/${bad.id}`)).status).toBe(204);
  });

  it("needs webhooks:read, hides other namespaces, and 404s unknown webhooks", async () => {
    // One shard for both, so the 404 under "elsewhere" is the query's `namespace = ?`, not placement.
    await pinTogether("stats-auth", "elsewhere");
    const hook = await createWebhook("stats-auth");
    const path = `/v1/namespaces/stats-auth/webhooks/${hook.id}/stats`;
    expect((await api("GET", path, undefined, null)).status).toBe(401);
    expect((await api("GET", path, undefined, await namespaceToken("stats-auth", ["webhooks:read"]))).status).toBe(200);
    const noScope = await api("GET", path, undefined, await namespaceToken("stats-auth", ["events:publish"]));
    expect(noScope.status).toBe(403);
    expect(noScope.body.error.code).toBe("forbidden");
    expect((await api("GET", path, undefined, await namespaceToken("elsewhere", ["webhooks:read"]))).status).toBe(404);
    expect((await api("GET", `/v1/namespaces/elsewhere/webhooks/${hook.id}/stats`)).status).toBe(404);
    expect((await api("GET", "/v1/namespaces/stats-auth/webhooks/wh_nope/stats")).body.error.code).toBe("not_found");
  });

  it("reads deliveries only through the (webhook_id, created_at) index", async () => {
    const queries = healthQueries(await planGenerations());
    const plans = [await queryPlan(queries.window, "wh_x", 0, 0), await queryPlan(queries.lastSuccess, "wh_x")];
    for (const plan of plans) {
      expect(plan.some((l) => l.includes("USING INDEX deliveries_webhook_created"))).toBe(true);
      expect(deliveryScans(plan)).toEqual([]);
    }
  });
});
