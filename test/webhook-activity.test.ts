/** The last 7 days hour by hour: the API answer, its query plan, and the webhook page's SVG chart. */
import { beforeAll, describe, expect, it } from "vitest";
import { activityQuery } from "../src/webhooks/activity";
import { api, createWebhook } from "./support/api";
import { page } from "./support/dashboard";
import { deliveryScans, planGenerations, queryPlan, seedDeliveries } from "./support/db";
import { pinTogether } from "./support/shards";

const HOUR = 3_600_000;
const ns = "activity";

describe("GET /v1/namespaces/{ns}/webhooks/{id}/stats/hourly", () => {
  // One shard for both, so the 404 under "elsewhere" is the query's `namespace = ?`, not placement.
  beforeAll(() => pinTogether(ns, "elsewhere"));

  it("counts each hour's deliveries by outcome with its p95, zero-filled, the current hour last", async () => {
    const hook = await createWebhook(ns);
    const other = await createWebhook(ns);
    const now = Date.now();
    const thisHour = Math.floor(now / HOUR) * HOUR;
    const threeAgo = thisHour - 3 * HOUR + 60_000;
    // 20 timed successes three hours ago (p95 by nearest rank = the 19th smallest), 2 failures and a pending one now.
    await seedDeliveries([
      ...Array.from({ length: 20 }, (_, i) => ({ webhookId: hook.id, namespace: ns, status: "succeeded" as const, createdAt: threeAgo, durationMs: (i + 1) * 10 })),
      { webhookId: hook.id, namespace: ns, status: "failed", createdAt: thisHour + 1, durationMs: 2000 },
      { webhookId: hook.id, namespace: ns, status: "failed", createdAt: thisHour + 2, durationMs: null },
      { webhookId: hook.id, namespace: ns, status: "pending", createdAt: thisHour + 3 },
      // Older than the window, and another webhook's: not counted.
      { webhookId: hook.id, namespace: ns, status: "failed", createdAt: thisHour - 168 * HOUR - 1, durationMs: 5 },
      { webhookId: other.id, namespace: ns, status: "failed", createdAt: thisHour + 1, durationMs: 5 },
    ]);
    const r = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/stats/hourly`);
    expect(r.status).toBe(200);
    const hours = r.body.hours;
    expect(hours).toHaveLength(168);
    expect(hours[167].hour).toBe(new Date(thisHour).toISOString());
    expect(r.body.since).toBe(hours[0].hour);
    expect(hours[164]).toEqual({ hour: new Date(thisHour - 3 * HOUR).toISOString(), succeeded: 20, failed: 0, pending: 0, p95_ms: 190 });
    expect(hours[167]).toMatchObject({ succeeded: 0, failed: 2, pending: 1, p95_ms: 2000 });
    const others = hours.filter((_: unknown, i: number) => i !== 164 && i !== 167);
    expect(others.every((h: any) => h.succeeded + h.failed + h.pending === 0 && h.p95_ms === null)).toBe(true);

    expect((await api("GET", `/v1/namespaces/elsewhere/webhooks/${hook.id}/stats/hourly`)).status).toBe(404);
  });

  it("reads deliveries only through the (webhook_id, created_at) index", async () => {
    const plan = await queryPlan(activityQuery(await planGenerations()), "wh_x", 0);
    expect(plan.some((l) => l.includes("USING INDEX deliveries_webhook_created"))).toBe(true);
    expect(deliveryScans(plan)).toEqual([]);
  });

  it("is drawn on the webhook page as an SVG without script", async () => {
    const hook = await createWebhook(ns);
    const now = Date.now();
    await seedDeliveries([
      { webhookId: hook.id, namespace: ns, status: "succeeded", createdAt: now - 30 * HOUR, durationMs: 120 },
      { webhookId: hook.id, namespace: ns, status: "failed", createdAt: now - 2 * HOUR, durationMs: 900 },
    ]);
    const html = await (await page(`/webhooks/${hook.id}`, ns)).text();
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? "";
    expect(svg).toContain('viewBox="0 0 ');
    expect(svg).toContain("1 succeeded, 0 failed, 0 pending, p95 120 ms");
    expect(svg).toContain("0 succeeded, 1 failed, 0 pending, p95 900 ms");
    expect(svg.match(/<rect class="ok"/g)).toHaveLength(1);
    expect(svg.match(/<rect class="bad"/g)).toHaveLength(1);
    expect(svg).toContain("Last 7 days: 1 succeeded, 1 failed, 0 pending deliveries.");
    expect(svg).not.toMatch(/<script|\son[a-z]+=/i);
  });
});
