/**
 * Another namespace's ids under the caller's own namespace path, both
 * namespaces on ONE shard: every route taking an id must answer 404 and
 * change nothing. (test/tenant-isolation.test.ts checks a token against
 * another namespace's path; this checks the data-level `namespace = ?` that
 * guards the ids themselves, which two shards would hide.)
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/index";
import { api, createWebhook, received, receiverUrl, settledDelivery, onlyDeliveryOf, uniqueKey } from "./support/api";
import { namespaceToken, seedDeliveries } from "./support/db";
import { nsDb, pinTogether, shardOf } from "./support/shards";

const OWNER = "xid-owner";
const CALLER = "xid-caller";
const okKey = uniqueKey("xid");

type Ids = { webhookId: string; deliveryId: string; eventId: string; tokenId: string };
/** `ownerStatus`: what the owner's own GET answers (200 unless said): the id exists there. */
type Call = { method: string; route: string; path: (ns: string, ids: Ids) => string; body?: unknown; adminOnly?: boolean; ownerStatus?: number };

const since = () => new Date(Date.now() - 3_600_000).toISOString();
const CALLS: Call[] = [
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}` },
  { method: "PATCH", route: "/v1/namespaces/:ns/webhooks/:id", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}`, body: { description: "taken over", url: receiverUrl("/ok/thief") } },
  { method: "DELETE", route: "/v1/namespaces/:ns/webhooks/:id", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}` },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/deliveries", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/deliveries` },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/stats", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/stats` },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/stats/hourly", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/stats/hourly` },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/ping", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/ping` },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/test", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/test`, body: { type: "build.finished" } },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/recover", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/recover`, body: { since: since() } },
  // The owner's webhook pushes, so its owner's poll is 409 not_polling: found, unlike under the caller's namespace.
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/poll", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/poll`, ownerStatus: 409 },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/rotate-secret", path: (ns, i) => `/v1/namespaces/${ns}/webhooks/${i.webhookId}/rotate-secret`, body: {} },
  { method: "GET", route: "/v1/namespaces/:ns/events/:id", path: (ns, i) => `/v1/namespaces/${ns}/events/${i.eventId}` },
  { method: "GET", route: "/v1/namespaces/:ns/deliveries/:id", path: (ns, i) => `/v1/namespaces/${ns}/deliveries/${i.deliveryId}` },
  { method: "POST", route: "/v1/namespaces/:ns/deliveries/:id/redeliver", path: (ns, i) => `/v1/namespaces/${ns}/deliveries/${i.deliveryId}/redeliver` },
  { method: "DELETE", route: "/v1/namespaces/:ns/tokens/:id", path: (ns, i) => `/v1/namespaces/${ns}/tokens/${i.tokenId}`, adminOnly: true },
];

let ids: Ids;
let callerToken: string;

/** Everything of the owner's that any of the calls could change: its webhook row, deliveries, attempts, token. */
async function ownerState() {
  const db = await nsDb(OWNER);
  const hook = await db.prepare("SELECT * FROM webhooks WHERE id = ?").bind(ids.webhookId).all();
  const deliveries = await db.prepare("SELECT * FROM all_deliveries WHERE webhook_id = ? ORDER BY seq").bind(ids.webhookId).all();
  const attempts = await db.prepare("SELECT * FROM attempts WHERE delivery_seq IN (SELECT seq FROM all_deliveries WHERE webhook_id = ?) ORDER BY seq").bind(ids.webhookId).all();
  const token = await env.DB.prepare("SELECT * FROM tokens WHERE id = ?").bind(ids.tokenId).all();
  return { hook: hook.results, deliveries: deliveries.results, attempts: attempts.results, token: token.results, received: (await received(okKey)).length };
}

beforeAll(async () => {
  await pinTogether(OWNER, CALLER);
  const hook = await createWebhook(OWNER, { url: receiverUrl(`/ok/${okKey}`), events: ["build.*"] });
  await createWebhook(CALLER);
  const pub = await api("POST", `/v1/namespaces/${OWNER}/events`, { type: "build.started", data: { n: 1 } });
  expect(pub.status).toBe(202);
  const delivery = await onlyDeliveryOf(OWNER, hook.id);
  expect((await settledDelivery(OWNER, delivery.id)).status).toBe("succeeded");
  // A failed delivery inside recover's window, so a recover that crossed namespaces would have work.
  await seedDeliveries([{ webhookId: hook.id, namespace: OWNER, status: "failed", createdAt: Date.now() - 60_000 }]);
  const token = await api("POST", `/v1/namespaces/${OWNER}/tokens`, { name: "owner", scopes: ["webhooks:read"] });
  expect(token.status).toBe(201);
  ids = { webhookId: hook.id, deliveryId: delivery.id, eventId: pub.body.id, tokenId: token.body.id };
  callerToken = await namespaceToken(CALLER, ["webhooks:read", "webhooks:write", "events:publish"]);
});

describe("another namespace's ids under one's own namespace, on the same shard", () => {
  it("puts both namespaces on one shard", async () => {
    expect(await shardOf(CALLER)).toBe(await shardOf(OWNER));
  });

  it("covers every /v1 route that takes an id", () => {
    const withId = app.routes.filter((r) => r.path.startsWith("/v1/") && r.path.includes(":id") && r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    const listed = new Set(CALLS.map((c) => `${c.method} ${c.route}`));
    expect(withId.length).toBeGreaterThan(10);
    expect(withId.filter((r) => !listed.has(r))).toEqual([]);
  });

  // Token routes are the admin's alone (a namespace token gets 403 before any id is read).
  for (const [who, token, calls] of [
    ["the caller's namespace token", () => callerToken, CALLS.filter((c) => !c.adminOnly)],
    ["the admin token", () => "test-admin-token", CALLS],
  ] as const) {
    it(`answers 404 to every one and changes nothing (${who})`, async () => {
      const before = await ownerState();
      expect(before.hook).toHaveLength(1);
      expect(before.deliveries).toHaveLength(2);
      expect(before.received).toBe(1);
      const wrong: string[] = [];
      for (const c of calls) {
        const res = await api(c.method, c.path(CALLER, ids), c.body, token());
        if (res.status !== 404 || res.body?.error?.code !== "not_found") wrong.push(`${c.method} ${c.route}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      expect(wrong).toEqual([]);
      // The owner's webhook is not in the caller's searches either.
      const search = await api("GET", `/v1/namespaces/${CALLER}/deliveries?webhook_id=${ids.webhookId}`, undefined, token());
      expect(search.status).toBe(200);
      expect(search.body.data).toEqual([]);
      expect(await ownerState()).toEqual(before);
      // The owner still sees its own, by the same ids.
      for (const c of CALLS.filter((c) => c.method === "GET")) expect((await api("GET", c.path(OWNER, ids))).status, c.route).toBe(c.ownerStatus ?? 200);
    });
  }
});
