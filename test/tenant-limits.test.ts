/**
 * Tenant limits (src/tenants/limits.ts): webhooks per namespace, and the
 * publish and owner-action rate limits through the Rate Limiting binding.
 * The Worker runs for real (app.fetch inside workerd, local D1 and Queues);
 * only its env differs: a lower NAMESPACE_MAX_WEBHOOKS, or the test-only
 * limiter TEST_TIGHT_RATE_LIMITER (3 a minute, a real miniflare Rate Limiting
 * binding, vitest.config.ts) in place of wrangler.toml's high limits.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../src/env";
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";
import { callWithEnv } from "./support/env-call";

const baseEnv = env as unknown as AppEnv;


const hookBody = () => ({ name: uniqueKey("h"), url: receiverUrl(`/ok/${uniqueKey()}`), events: ["*"] });

describe("NAMESPACE_MAX_WEBHOOKS", () => {
  it("refuses one webhook too many with 422 limit_exceeded; another namespace is unaffected", async () => {
    const capped = { ...baseEnv, NAMESPACE_MAX_WEBHOOKS: "2" };
    const [a, b] = [uniqueKey("lima"), uniqueKey("limb")];
    for (let i = 0; i < 2; i++) expect((await callWithEnv(capped, "POST", `/v1/namespaces/${a}/webhooks`, hookBody())).status).toBe(201);
    const third = await callWithEnv(capped, "POST", `/v1/namespaces/${a}/webhooks`, hookBody());
    expect(third.status).toBe(422);
    expect(third.body.error.code).toBe("limit_exceeded");
    expect(third.body.error.details).toEqual([{ path: "namespace", message: "at most 2 webhooks per namespace" }]);
    expect((await api("GET", `/v1/namespaces/${a}/webhooks`)).body.data).toHaveLength(2);
    expect((await callWithEnv(capped, "POST", `/v1/namespaces/${b}/webhooks`, hookBody())).status).toBe(201);
    // Deleting one makes room again.
    const [first] = (await api("GET", `/v1/namespaces/${a}/webhooks`)).body.data;
    expect((await api("DELETE", `/v1/namespaces/${a}/webhooks/${first.id}`)).status).toBe(204);
    expect((await callWithEnv(capped, "POST", `/v1/namespaces/${a}/webhooks`, hookBody())).status).toBe(201);
    // The default (100) leaves room for a third.
    expect((await callWithEnv(baseEnv, "POST", `/v1/namespaces/${a}/webhooks`, hookBody())).status).toBe(201);
  });
});

describe("rate limits per namespace", () => {
  it("publishing: the fourth event in a minute is 429 rate_limited with Retry-After; another namespace still publishes", async () => {
    const tight = { ...baseEnv, PUBLISH_RATE_LIMITER: env.TEST_TIGHT_RATE_LIMITER };
    const [a, b] = [uniqueKey("pra"), uniqueKey("prb")];
    const publish = (ns: string, i: number) => callWithEnv(tight, "POST", `/v1/namespaces/${ns}/events`, { id: `e${i}`, type: "build.finished", data: { i } });
    for (let i = 0; i < 3; i++) expect((await publish(a, i)).status).toBe(202);
    const over = await publish(a, 3);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("rate_limited");
    expect(over.headers.get("retry-after")).toBe("60");
    expect(over.body.error.request_id).toBe(over.headers.get("x-request-id"));
    // Nothing of the refused event was stored.
    expect((await api("GET", `/v1/namespaces/${a}/events/e3`)).status).toBe(404);
    expect((await publish(b, 0)).status).toBe(202);
    // Owner actions have their own limiter: still allowed in the throttled namespace.
    const hook = await createWebhook(a);
    expect((await callWithEnv(tight, "POST", `/v1/namespaces/${a}/webhooks/${hook.id}/rotate-secret`, {})).status).toBe(200);
  });

  it("owner actions: ping, send example, redeliver, recover and rotate share one budget per namespace", async () => {
    const tight = { ...baseEnv, OWNER_ACTION_RATE_LIMITER: env.TEST_TIGHT_RATE_LIMITER };
    const [a, b] = [uniqueKey("ora"), uniqueKey("orb")];
    const hook = await createWebhook(a);
    const ping = await callWithEnv(tight, "POST", `/v1/namespaces/${a}/webhooks/${hook.id}/ping`);
    expect(ping.status).toBe(202);
    expect((await callWithEnv(tight, "POST", `/v1/namespaces/${a}/webhooks/${hook.id}/rotate-secret`, {})).status).toBe(200);
    expect((await callWithEnv(tight, "POST", `/v1/namespaces/${a}/webhooks/${hook.id}/recover`, { since: "2026-01-01T00:00:00Z" })).status).toBe(202);
    for (const [method, path, body] of [
      ["POST", `/v1/namespaces/${a}/deliveries/${ping.body.delivery_id}/redeliver`, undefined],
      ["POST", `/v1/namespaces/${a}/webhooks/${hook.id}/ping`, undefined],
      ["POST", `/v1/namespaces/${a}/webhooks/${hook.id}/test`, { type: "build.finished" }],
      ["POST", `/v1/namespaces/${a}/webhooks/${hook.id}/rotate-secret`, {}],
      ["POST", `/v1/namespaces/${a}/webhooks/${hook.id}/recover`, { since: "2026-01-01T00:00:00Z" }],
    ] as const) {
      const r = await callWithEnv(tight, method, path, body);
      expect(r.status, path).toBe(429);
      expect(r.body.error.code).toBe("rate_limited");
      expect(r.headers.get("retry-after")).toBe("60");
    }
    // Reading and publishing are not owner actions; another namespace's owner actions go on.
    expect((await callWithEnv(tight, "GET", `/v1/namespaces/${a}/webhooks/${hook.id}`)).status).toBe(200);
    expect((await callWithEnv(tight, "POST", `/v1/namespaces/${a}/events`, { type: "build.finished", data: {} })).status).toBe(202);
    const other = await createWebhook(b);
    expect((await callWithEnv(tight, "POST", `/v1/namespaces/${b}/webhooks/${other.id}/ping`)).status).toBe(202);
  });
});

describe("the OpenAPI document", () => {
  it("lists the limits' codes and the 429's Retry-After on the routes they guard", async () => {
    const doc = (await api("GET", "/openapi.json", undefined, null)).body;
    const publish = doc.paths["/v1/namespaces/{ns}/events"].post.responses;
    expect(publish["429"].description).toContain("`rate_limited`");
    expect(publish["429"].headers["Retry-After"]).toBeDefined();
    for (const path of ["/v1/namespaces/{ns}/webhooks/{id}/ping", "/v1/namespaces/{ns}/webhooks/{id}/test", "/v1/namespaces/{ns}/webhooks/{id}/recover", "/v1/namespaces/{ns}/webhooks/{id}/rotate-secret", "/v1/namespaces/{ns}/deliveries/{id}/redeliver"]) {
      expect(doc.paths[path].post.responses["429"], path).toBeDefined();
    }
    expect(doc.paths["/v1/namespaces/{ns}/webhooks"].post.responses["422"].description).toContain("`limit_exceeded`");
  });
});
