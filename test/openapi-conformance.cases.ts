/**
 * The calls test/openapi-conformance.test.ts makes per operation of
 * /openapi.json, keyed "METHOD /path" as the document writes it. `ok` calls
 * must answer 2xx, `bad` calls 4xx; every operation also gets a call without
 * a token (401). An operation of the document without an entry here fails
 * the test by name: add its entry (a few lines) next to its neighbours.
 *
 * A call fills the path's `{ns}` with the fixture's namespace unless
 * `params` says otherwise, and any other `{param}` from `params`.
 */
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";

export type Fixture = {
  ns: string;
  webhookId: string;
  eventId: string;
  deliveryId: string;
  /** A namespace token (events:publish only): forbidden on admin routes. */
  nsToken: string;
};

export type Call = { params?: Record<string, string>; query?: string; body?: unknown; token?: string | null };

export type Case = { ok: (f: Fixture) => Promise<Call[]> | Call[]; bad: (f: Fixture) => Promise<Call[]> | Call[] };

const missing = { params: { id: "missing_1" } };

export const conformanceCases: Record<string, Case> = {
  "POST /v1/namespaces/{ns}/webhooks": {
    ok: () => [
      { body: { name: uniqueKey("conf"), url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"] } },
      { body: { name: uniqueKey("conf-ed"), url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"], signature_scheme: "ed25519" } },
      {
        body: {
          name: uniqueKey("conf-q"),
          events: ["build.*"],
          destination: { type: "cloudflare_queue", account_id: "0123456789abcdef0123456789abcdef", queue_id: "0123456789abcdef0123456789abcdef", api_token: "conformance-token-0123456789" },
        },
      },
    ],
    bad: () => [{ body: { name: "has spaces" } }, { body: "{not json" }],
  },
  "GET /v1/namespaces/{ns}/webhooks": {
    ok: () => [{}, { query: "limit=1" }],
    bad: () => [{ query: "limit=0" }],
  },
  "GET /v1/namespaces/{ns}/webhooks/{id}": {
    ok: (f) => [{ params: { id: f.webhookId } }],
    bad: () => [missing],
  },
  "PATCH /v1/namespaces/{ns}/webhooks/{id}": {
    ok: (f) => [{ params: { id: f.webhookId }, body: { active: true } }],
    bad: (f) => [missing, { params: { id: f.webhookId }, body: { url: "ftp://example.com" } }],
  },
  "DELETE /v1/namespaces/{ns}/webhooks/{id}": {
    ok: async (f) => [{ params: { id: (await createWebhook(f.ns)).id } }],
    bad: () => [missing],
  },
  "POST /v1/namespaces/{ns}/webhooks/{id}/ping": {
    ok: (f) => [{ params: { id: f.webhookId } }],
    bad: () => [missing],
  },
  "POST /v1/namespaces/{ns}/webhooks/{id}/test": {
    ok: (f) => [{ params: { id: f.webhookId }, body: { type: "build.finished" } }],
    bad: (f) => [{ params: { id: f.webhookId }, body: { type: "no.such.type" } }, missing],
  },
  "GET /v1/namespaces/{ns}/webhooks/{id}/deliveries": {
    ok: (f) => [{ params: { id: f.webhookId } }],
    bad: (f) => [missing, { params: { id: f.webhookId }, query: "status=bogus" }],
  },
  "POST /v1/namespaces/{ns}/webhooks/{id}/recover": {
    ok: (f) => [{ params: { id: f.webhookId }, body: { since: new Date(Date.now() - 3_600_000).toISOString() } }],
    bad: (f) => [{ params: { id: f.webhookId }, body: { since: "yesterday" } }, { ...missing, body: { since: new Date().toISOString() } }],
  },
  "POST /v1/namespaces/{ns}/webhooks/{id}/rotate-secret": {
    ok: async (f) => [{ params: { id: (await createWebhook(f.ns)).id }, body: {} }],
    bad: (f) => [{ params: { id: f.webhookId }, body: { grace_seconds: -1 } }],
  },
  "GET /v1/namespaces/{ns}/webhooks/{id}/stats": {
    ok: (f) => [{ params: { id: f.webhookId } }],
    bad: () => [missing],
  },
  "GET /v1/namespaces/{ns}/webhooks/{id}/stats/hourly": {
    ok: (f) => [{ params: { id: f.webhookId } }],
    bad: () => [missing],
  },
  "POST /v1/namespaces/{ns}/events": {
    ok: (f) => [
      { body: { type: "build.finished", data: { id: 2, number: 2, status: "passed" } } },
      // Re-posting an id answers 200 with the original event: the same documented shape.
      { body: { id: f.eventId, type: "build.finished", data: { id: 1, number: 1, status: "passed" } } },
    ],
    bad: () => [{ body: { type: "no.such.type", data: {} } }, { body: { data: {} } }],
  },
  "GET /v1/namespaces/{ns}/events/{id}": {
    ok: (f) => [{ params: { id: f.eventId } }],
    bad: () => [missing],
  },
  "GET /v1/event-types": {
    ok: () => [{}],
    bad: () => [{ token: "not-a-token" }],
  },
  "GET /v1/namespaces/{ns}/deliveries": {
    ok: () => [{}, { query: "status=succeeded&limit=1" }],
    bad: () => [{ query: "status=bogus" }],
  },
  "GET /v1/namespaces/{ns}/deliveries/{id}": {
    ok: (f) => [{ params: { id: f.deliveryId } }],
    bad: () => [missing],
  },
  "POST /v1/namespaces/{ns}/deliveries/{id}/redeliver": {
    ok: (f) => [{ params: { id: f.deliveryId } }],
    bad: () => [missing],
  },
  "GET /v1/admin/shards": {
    ok: () => [{}],
    bad: (f) => [{ token: f.nsToken }],
  },
  "GET /v1/admin/usage": {
    ok: () => [{}],
    bad: (f) => [{ token: f.nsToken }],
  },
  "POST /v1/admin/usage/reset": {
    ok: () => [{}],
    bad: (f) => [{ token: f.nsToken }],
  },
  "POST /v1/admin/retention/prune": {
    ok: () => [{ body: {} }],
    bad: (f) => [{ body: { now: -1 } }, { token: f.nsToken, body: {} }],
  },
  "POST /v1/namespaces/{ns}/tokens": {
    ok: () => [{ body: { name: "conformance", scopes: ["webhooks:read"] } }],
    bad: () => [{ body: { scopes: ["nope"] } }],
  },
  "GET /v1/namespaces/{ns}/tokens": {
    ok: () => [{}],
    bad: (f) => [{ token: f.nsToken }],
  },
  "DELETE /v1/namespaces/{ns}/tokens/{id}": {
    ok: async (f) => {
      const created = await api("POST", `/v1/namespaces/${f.ns}/tokens`, { name: "to-delete", scopes: ["webhooks:read"] });
      return [{ params: { id: created.body.id } }];
    },
    bad: () => [missing],
  },
  "GET /v1/namespaces/{ns}/events": {
    ok: () => [{}, { query: "limit=1&type=build.*" }],
    bad: () => [{ query: "cursor=not-ours" }, { query: "limit=0" }],
  },
  "GET /v1/namespaces/{ns}/webhooks/{id}/poll": {
    ok: async (f) => {
      const poll = await api("POST", `/v1/namespaces/${f.ns}/webhooks`, { name: uniqueKey("conf-poll"), mode: "poll", events: ["build.*"] });
      return [{ params: { id: poll.body.id }, query: "wait=0&limit=5" }];
    },
    bad: (f) => [{ params: { id: f.webhookId } }, { params: { id: f.webhookId }, query: "wait=31" }, missing],
  },
  "GET /v1/admin/namespaces": {
    ok: () => [{}, { query: "limit=1" }],
    bad: (f) => [{ query: "limit=0" }, { token: f.nsToken }],
  },
  "GET /v1/namespaces/{ns}": {
    ok: () => [{}],
    bad: (f) => [{ params: { ns: "no-such-namespace-conf" } }, { token: f.nsToken }],
  },
  "DELETE /v1/namespaces/{ns}": {
    ok: async () => {
      const doomed = uniqueKey("conf-del");
      await createWebhook(doomed);
      return [{ params: { ns: doomed } }];
    },
    bad: (f) => [{ params: { ns: "no-such-namespace-conf" } }, { token: f.nsToken }],
  },
  "POST /v1/admin/namespaces/{ns}/move": {
    ok: async () => {
      const moving = uniqueKey("conf-move");
      await createWebhook(moving);
      const { shard } = (await api("GET", `/v1/namespaces/${moving}`)).body as { shard: string };
      return [{ params: { ns: moving }, body: { to: shard === "SHARD_0" ? "SHARD_1" : "SHARD_0" } }];
    },
    bad: (f) => [
      { body: { to: "SHARD_9" } },
      { body: {} },
      { params: { ns: "no-such-namespace-conf" }, body: { to: "SHARD_1" } },
      { token: f.nsToken, body: { to: "SHARD_1" } },
    ],
  },
  "GET /v1/namespaces/{ns}/export": {
    ok: () => [{}],
    bad: (f) => [{ params: { ns: "no-such-namespace-conf" } }, { token: f.nsToken }],
  },
  "POST /v1/namespaces/{ns}/portal-links": {
    ok: () => [{ body: {} }, { body: { ttl_seconds: 60, read_only: true, event_types: ["build.*"], branding: { name: "Acme CI", accent_color: "#0a7cff" } } }],
    bad: (f) => [{ body: { ttl_seconds: 5 } }, { body: { branding: { accent_color: "red" } } }, { token: f.nsToken, body: {} }],
  },
  "POST /v1/admin/secrets/reseal": {
    ok: () => [{ body: {} }],
    bad: () => [{ body: { after: "x".repeat(65) } }],
  },
};
