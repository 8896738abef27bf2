/**
 * Tenant isolation and scopes, route by route (api-contract.md, Tokens and
 * scopes). Every /v1 route on the app must appear in ROUTES: a route added
 * without a row here fails "covers every /v1 route".
 */
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../src/index";
import { api, createWebhook, onlyDeliveryOf, receiverUrl, uniqueKey } from "./support/api";

const A = "iso-a";
const B = "iso-b";
const SCOPES = ["webhooks:read", "webhooks:write", "events:publish", "portal:create"] as const;
type Scope = (typeof SCOPES)[number];
type Need = Scope | "admin" | "any";

/** Ids of namespace A's resources that every route can be pointed at. */
type Fixture = { webhookId: string; deliveryId: string; eventId: string; tokenId: string };

type Call = { path: string; body?: unknown };
type Row = {
  method: string;
  /** The route as Hono registers it (`:ns`, `:id`). */
  route: string;
  need: Need;
  /** Builds the request against namespace `ns`; may create fresh resources (admin) for destructive calls. */
  call: (ns: string, f: Fixture, role?: string) => Promise<Call> | Call;
  /** Added by another change; checked when the app has it. */
  optional?: boolean;
};

const freshWebhook = async () => (await createWebhook(A)).id as string;
const freshToken = async () => (await api("POST", `/v1/namespaces/${A}/tokens`, { name: "victim", scopes: ["webhooks:read"] })).body.id as string;

/** A namespace of its own, for the admin's destructive namespace calls (deleting A would end the matrix). */
const freshNamespace = async () => {
  const ns = uniqueKey("victim");
  await createWebhook(ns);
  return ns;
};

const ROUTES: Row[] = [
  { method: "POST", route: "/v1/namespaces/:ns/webhooks", need: "webhooks:write", call: (ns) => ({ path: `/v1/namespaces/${ns}/webhooks`, body: { name: uniqueKey("h"), url: receiverUrl(`/ok/${uniqueKey()}`), events: ["*"] } }) },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks", need: "webhooks:read", call: (ns) => ({ path: `/v1/namespaces/${ns}/webhooks` }) },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}` }) },
  { method: "PATCH", route: "/v1/namespaces/:ns/webhooks/:id", need: "webhooks:write", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}`, body: { description: uniqueKey("d") } }) },
  { method: "DELETE", route: "/v1/namespaces/:ns/webhooks/:id", need: "webhooks:write", call: async (ns) => ({ path: `/v1/namespaces/${ns}/webhooks/${await freshWebhook()}` }) },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/deliveries", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/deliveries` }) },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/stats", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/stats` }) },
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/stats/hourly", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/stats/hourly` }) },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/ping", need: "webhooks:write", optional: true, call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/ping` }) },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/test", need: "webhooks:write", optional: true, call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/test`, body: { type: "build.finished" } }) },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/recover", need: "webhooks:write", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/recover`, body: { since: new Date(Date.now() - 60_000).toISOString() } }) },
  { method: "POST", route: "/v1/namespaces/:ns/webhooks/:id/rotate-secret", need: "webhooks:write", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/rotate-secret`, body: {} }) },
  { method: "POST", route: "/v1/namespaces/:ns/events", need: "events:publish", call: (ns) => ({ path: `/v1/namespaces/${ns}/events`, body: { type: "build.started", data: { n: 1 } } }) },
  { method: "GET", route: "/v1/namespaces/:ns/events", need: "webhooks:read", call: (ns) => ({ path: `/v1/namespaces/${ns}/events` }) },
  // Polling also takes webhooks:poll (test/poll-token.test.ts); the fixture is a push webhook, so read gets 409 not_polling.
  { method: "GET", route: "/v1/namespaces/:ns/webhooks/:id/poll", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/webhooks/${f.webhookId}/poll` }) },
  { method: "GET", route: "/v1/namespaces/:ns/events/:id", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/events/${f.eventId}` }) },
  { method: "GET", route: "/v1/namespaces/:ns/deliveries", need: "webhooks:read", call: (ns) => ({ path: `/v1/namespaces/${ns}/deliveries` }) },
  { method: "GET", route: "/v1/namespaces/:ns/deliveries/:id", need: "webhooks:read", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/deliveries/${f.deliveryId}` }) },
  { method: "POST", route: "/v1/namespaces/:ns/deliveries/:id/redeliver", need: "webhooks:write", call: (ns, f) => ({ path: `/v1/namespaces/${ns}/deliveries/${f.deliveryId}/redeliver` }) },
  { method: "POST", route: "/v1/namespaces/:ns/tokens", need: "admin", call: (ns) => ({ path: `/v1/namespaces/${ns}/tokens`, body: { name: "t", scopes: ["webhooks:read"] } }) },
  { method: "GET", route: "/v1/namespaces/:ns/tokens", need: "admin", call: (ns) => ({ path: `/v1/namespaces/${ns}/tokens` }) },
  { method: "DELETE", route: "/v1/namespaces/:ns/tokens/:id", need: "admin", call: async (ns) => ({ path: `/v1/namespaces/${ns}/tokens/${await freshToken()}` }) },
  { method: "POST", route: "/v1/namespaces/:ns/portal-links", need: "portal:create", call: (ns) => ({ path: `/v1/namespaces/${ns}/portal-links`, body: {} }) },
  { method: "GET", route: "/v1/event-types", need: "any", call: () => ({ path: "/v1/event-types" }) },
  { method: "GET", route: "/v1/admin/shards", need: "admin", call: () => ({ path: "/v1/admin/shards" }) },
  { method: "GET", route: "/v1/admin/usage", need: "admin", call: () => ({ path: "/v1/admin/usage" }) },
  { method: "POST", route: "/v1/admin/usage/reset", need: "admin", call: () => ({ path: "/v1/admin/usage/reset" }) },
  { method: "POST", route: "/v1/admin/secrets/reseal", need: "admin", call: () => ({ path: "/v1/admin/secrets/reseal", body: {} }) },
  { method: "POST", route: "/v1/admin/retention/prune", need: "admin", call: () => ({ path: "/v1/admin/retention/prune", body: {} }) },
  { method: "GET", route: "/v1/admin/namespaces", need: "admin", call: () => ({ path: "/v1/admin/namespaces" }) },
  { method: "GET", route: "/v1/namespaces/:ns", need: "webhooks:read", call: (ns) => ({ path: `/v1/namespaces/${ns}` }) },
  { method: "GET", route: "/v1/namespaces/:ns/export", need: "webhooks:read", call: (ns) => ({ path: `/v1/namespaces/${ns}/export` }) },
  { method: "DELETE", route: "/v1/namespaces/:ns", need: "admin", call: async (ns, _f, role) => ({ path: `/v1/namespaces/${role === "admin" ? await freshNamespace() : ns}` }) },
  { method: "POST", route: "/v1/admin/namespaces/:ns/move", need: "admin", optional: true, call: (ns) => ({ path: `/v1/admin/namespaces/${ns}/move`, body: { to: "SHARD_404" } }) },
];

const registered = app.routes
  .filter((r) => r.path.startsWith("/v1/") && r.method !== "ALL" && !r.path.includes("*"))
  .map((r) => `${r.method} ${r.path}`);
const active = ROUTES.filter((r) => registered.includes(`${r.method} ${r.route}`));

type Role = { name: string; token: () => string; expect: (row: Row) => "allowed" | 403 | 404 };
const tokens: Record<string, string> = {};
const ROLES: Role[] = [
  { name: "admin", token: () => "test-admin-token", expect: () => "allowed" },
  ...SCOPES.map<Role>((scope) => ({
    name: `token of ${A} with only ${scope}`,
    token: () => tokens[scope],
    expect: (row) => (row.need === "any" || row.need === scope ? "allowed" : 403),
  })),
  {
    name: `token of ${B} with every scope`,
    token: () => tokens.other,
    // Namespace A's routes are invisible (404); routes outside any namespace: /v1/admin/* 403, event types allowed.
    expect: (row) => (row.route.includes(":ns") ? 404 : row.need === "any" ? "allowed" : 403),
  },
];

let fixture: Fixture;

beforeAll(async () => {
  const mint = async (ns: string, scopes: string[]) => {
    const res = await api("POST", `/v1/namespaces/${ns}/tokens`, { name: `role-${scopes.join("+")}`, scopes });
    expect(res.status).toBe(201);
    return res.body.token as string;
  };
  for (const s of SCOPES) tokens[s] = await mint(A, [s]);
  tokens.other = await mint(B, [...SCOPES]);
  const webhook = await createWebhook(A);
  const pub = await api("POST", `/v1/namespaces/${A}/events`, { type: "build.started", data: { n: 0 } });
  expect(pub.status).toBe(202);
  const delivery = await onlyDeliveryOf(A, webhook.id);
  fixture = { webhookId: webhook.id, deliveryId: delivery.id, eventId: pub.body.id, tokenId: await freshToken() };
});

describe("tenant isolation matrix", () => {
  it("covers every /v1 route on the app", () => {
    expect(registered.length).toBeGreaterThan(15);
    const listed = new Set(ROUTES.map((r) => `${r.method} ${r.route}`));
    expect(registered.filter((r) => !listed.has(r))).toEqual([]);
    // Rows for routes that do not exist are mistakes, except the ones marked optional.
    expect(ROUTES.filter((r) => !r.optional && !registered.includes(`${r.method} ${r.route}`)).map((r) => r.route)).toEqual([]);
  });

  for (const role of ROLES) {
    it(`${role.name}: each route of ${A} answers as its scope says`, async () => {
      const outcomes: string[] = [];
      const wrong: string[] = [];
      for (const row of active) {
        const call = await row.call(A, fixture, role.name);
        const res = await api(row.method, call.path, call.body, role.token());
        const want = role.expect(row);
        const ok = want === "allowed" ? ![401, 403, 404].includes(res.status) && res.status < 500 : res.status === want;
        const codeOk = want === 403 ? res.body?.error?.code === "forbidden" : want === 404 ? res.body?.error?.code === "not_found" : true;
        outcomes.push(`${row.method} ${row.route} -> ${res.status}`);
        if (!ok || !codeOk) wrong.push(`${row.method} ${row.route}: wanted ${want}, got ${res.status} ${JSON.stringify(res.body)}`);
      }
      expect(wrong).toEqual([]);
      expect(outcomes.length).toBe(active.length);
    });
  }

  it(`a token of ${B} cannot tell ${A}'s existing resources from missing ones or a missing namespace`, async () => {
    for (const row of active.filter((r) => r.route.includes(":ns"))) {
      const real = await row.call(A, fixture);
      const bogusIds: Fixture = { webhookId: "wh_nope", deliveryId: "dlv_zzzzzz", eventId: "evt_nope", tokenId: "tok_nope" };
      const missing = await row.call(A, bogusIds);
      const elsewhere = await row.call("iso-nobody", fixture);
      const answers = await Promise.all(
        [real, missing, elsewhere].map(async (c) => {
          const res = await api(row.method, c.path, c.body, tokens.other);
          return { status: res.status, code: res.body.error?.code, message: res.body.error?.message };
        }),
      );
      expect(answers[0], `${row.method} ${row.route}`).toEqual({ status: 404, code: "not_found", message: expect.any(String) });
      expect(answers[1], `${row.method} ${row.route}`).toEqual(answers[0]);
      expect(answers[2], `${row.method} ${row.route}`).toEqual(answers[0]);
    }
  });
});

describe("tokens API", () => {
  it("shows the token once, lists without values, and a revoked token answers 401", async () => {
    const created = await api("POST", `/v1/namespaces/${A}/tokens`, { name: "ci", scopes: ["events:publish", "webhooks:read"] });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(["created_at", "id", "name", "scopes", "token"]);
    expect(created.body.id).toMatch(/^tok_[A-Za-z0-9]+$/);
    // cwh_ + base64url of 32 random bytes = 43 characters.
    expect(created.body.token).toMatch(/^cwh_[A-Za-z0-9_-]{43,}$/);
    const token = created.body.token as string;

    expect((await api("GET", `/v1/namespaces/${A}/webhooks`, undefined, token)).status).toBe(200);
    const listed = await api("GET", `/v1/namespaces/${A}/tokens?limit=200`);
    expect(listed.status).toBe(200);
    const mine = listed.body.data.find((t: { id: string }) => t.id === created.body.id);
    expect(mine).toMatchObject({ name: "ci", scopes: ["events:publish", "webhooks:read"], revoked_at: null });
    expect(mine.last_used_at).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(token.slice(4));

    expect((await api("DELETE", `/v1/namespaces/${A}/tokens/${created.body.id}`)).status).toBe(204);
    const after = await api("GET", `/v1/namespaces/${A}/webhooks`, undefined, token);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    const relisted = await api("GET", `/v1/namespaces/${A}/tokens?limit=200`);
    expect(relisted.body.data.find((t: { id: string }) => t.id === created.body.id).revoked_at).toEqual(expect.any(String));
    // Revoking again is harmless; another namespace's path does not find it.
    expect((await api("DELETE", `/v1/namespaces/${A}/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api("DELETE", `/v1/namespaces/${B}/tokens/${created.body.id}`)).status).toBe(404);
  });

  it("pages through tokens with a cursor, each once", async () => {
    const ns = "iso-pages";
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api("POST", `/v1/namespaces/${ns}/tokens`, { name: `p${i}`, scopes: ["webhooks:read"] })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await api("GET", `/v1/namespaces/${ns}/tokens?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((t) => t.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it("refuses unknown scopes and empty scope lists", async () => {
    for (const scopes of [["admin"], [], ["webhooks:read", "tokens:write"]]) {
      const res = await api("POST", `/v1/namespaces/${A}/tokens`, { name: "bad", scopes });
      expect(res.status, JSON.stringify(scopes)).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});
