/**
 * A token limited to polling one webhook (`webhooks:poll`, `webhook_id`,
 * src/api/auth.ts): it polls that webhook and gets 403 or 404 from every
 * other route family. And a temporary webhook (`expires_at`) is deleted by
 * the cron once it expires (src/webhooks/expiry.ts).
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../src/env";
import worker from "../src/index";
import { api, createWebhook, uniqueKey } from "./support/api";

async function pollHook(ns: string) {
  const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `p-${uniqueKey()}`, mode: "poll", events: ["*"] });
  expect(res.status).toBe(201);
  return res.body;
}

describe("a poll-only token", () => {
  it("polls its webhook and gets 403 or 404 for everything else", async () => {
    const ns = uniqueKey("pt");
    const hook = await pollHook(ns);
    const sibling = await pollHook(ns);
    const push = await createWebhook(ns);
    const created = await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "laptop", scopes: ["webhooks:poll"], webhook_id: hook.id });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ scopes: ["webhooks:poll"], webhook_id: hook.id });
    const token = created.body.token as string;
    const as = (method: string, path: string, body?: unknown) => api(method, path, body, token);

    const published = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 } });
    const polled = await as("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/poll`);
    expect(polled.status).toBe(200);
    expect(polled.body.data.map((i: { event_id: string }) => i.event_id)).toEqual([published.body.id]);

    const base = `/v1/namespaces/${ns}`;
    const refused: [string, string, unknown?][] = [
      // its own webhook, anything but polling
      ["GET", `${base}/webhooks/${hook.id}`],
      ["PATCH", `${base}/webhooks/${hook.id}`, { description: "x" }],
      ["DELETE", `${base}/webhooks/${hook.id}`],
      ["GET", `${base}/webhooks/${hook.id}/deliveries`],
      ["GET", `${base}/webhooks/${hook.id}/stats`],
      ["GET", `${base}/webhooks/${hook.id}/stats/hourly`],
      ["POST", `${base}/webhooks/${hook.id}/ping`],
      ["POST", `${base}/webhooks/${hook.id}/rotate-secret`, {}],
      ["POST", `${base}/webhooks/${hook.id}/recover`, { since: "2026-01-01T00:00:00Z" }],
      // the namespace
      ["GET", `${base}/webhooks`],
      ["POST", `${base}/webhooks`, { name: "x", mode: "poll", events: ["*"] }],
      ["POST", `${base}/events`, { type: "build.finished", data: {} }],
      ["GET", `${base}/events`],
      ["GET", `${base}/events/${published.body.id}`],
      ["GET", `${base}/deliveries`],
      ["GET", `${base}/deliveries/${polled.body.data[0].id}`],
      ["POST", `${base}/deliveries/${polled.body.data[0].id}/redeliver`],
      ["GET", `${base}/tokens`],
      ["POST", `${base}/tokens`, { name: "more", scopes: ["webhooks:write"] }],
      // across namespaces
      ["GET", "/v1/event-types"],
      ["GET", "/v1/admin/shards"],
      ["GET", "/v1/admin/usage"],
    ];
    for (const [method, path, body] of refused) {
      const r = await as(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
    }
    const hidden: [string, string][] = [
      ["GET", `${base}/webhooks/${sibling.id}/poll`],
      ["GET", `${base}/webhooks/${sibling.id}`],
      ["GET", `${base}/webhooks/${push.id}`],
      ["DELETE", `${base}/webhooks/${push.id}`],
      ["GET", `/v1/namespaces/${uniqueKey("other")}/webhooks/${hook.id}/poll`],
      ["GET", `/v1/namespaces/${uniqueKey("other")}/events`],
    ];
    for (const [method, path] of hidden) {
      const r = await as(method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    // Nothing was changed by any of it.
    expect((await api("GET", `${base}/webhooks/${hook.id}`)).status).toBe(200);
    expect((await api("GET", `${base}/webhooks/${push.id}`)).status).toBe(200);
  });

  it("webhooks:poll without webhook_id polls any polling webhook of its namespace and reads nothing", async () => {
    const ns = uniqueKey("pt");
    const hook = await pollHook(ns);
    const token = (await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "poller", scopes: ["webhooks:poll"] })).body.token as string;
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/poll`, undefined, token)).status).toBe(200);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`, undefined, token)).status).toBe(403);
    expect((await api("GET", `/v1/namespaces/${ns}/events`, undefined, token)).status).toBe(403);
    const bad = await api("POST", `/v1/namespaces/${ns}/tokens`, { name: "x", scopes: ["webhooks:poll"], webhook_id: "wh_nope" });
    expect(bad.status).toBe(422);
  });
});

describe("temporary webhooks", () => {
  it("the cron deletes one whose expires_at has passed, and keeps the others", async () => {
    const ns = uniqueKey("tmp");
    const soon = new Date(Date.now() + 60_000).toISOString();
    const temp = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `t-${uniqueKey()}`, mode: "poll", events: ["*"], expires_at: soon });
    expect(temp.body.expires_at).toBe(soon);
    const kept = await pollHook(ns);
    expect(kept.expires_at).toBeNull();
    const renewed = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${temp.body.id}`, { expires_at: new Date(Date.now() + 120_000).toISOString() });
    expect(renewed.status).toBe(200);
    const cron = async (at: number) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env as unknown as AppEnv, ctx);
      await waitOnExecutionContext(ctx);
    };
    await cron(Date.now() + 90_000);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${temp.body.id}`)).status).toBe(200);
    await cron(Date.now() + 130_000);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${temp.body.id}`)).status).toBe(404);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${kept.id}`)).status).toBe(200);
  });
});
