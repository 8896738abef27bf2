/**
 * Issue 15, item 10: request bodies of the API are strict. A field we do not
 * know (a typo, or a field of a newer version) is a 422 naming it, never
 * silently dropped; an event's `data` stays an open map.
 */
import { describe, expect, it } from "vitest";
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";

const ns = "strict";

type Doc = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { additionalProperties?: unknown; properties?: Record<string, unknown> }> };
};

describe("strict request bodies (issue 15)", () => {
  it("refuses a typo on webhook create with 422 naming the field, and creates nothing", async () => {
    const name = uniqueKey("h");
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name, url: receiverUrl("/ok/x"), events: ["*"], evnts: ["build.*"] });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details).toContainEqual({ path: "evnts", message: expect.stringContaining("evnts") });
    const list = await api("GET", `/v1/namespaces/${ns}/webhooks?limit=200`);
    expect(list.body.data.map((w: { name: string }) => w.name)).not.toContain(name);
  });

  it("refuses unknown fields on every other body: update, rotate, recover, events, tokens, admin", async () => {
    const hook = await createWebhook(ns);
    const cases: [string, string, Record<string, unknown>][] = [
      ["PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { descripton: "typo" }],
      ["POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/rotate-secret`, { grace: 10 }],
      ["POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/recover`, { since: "2026-01-01T00:00:00Z", until: "x" }],
      ["POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: {}, idempotency_key: "k" }],
      ["POST", `/v1/namespaces/${ns}/tokens`, { name: "t", scopes: ["events:publish"], expires: 1 }],
      ["POST", `/v1/admin/secrets/reseal`, { from: "x" }],
      ["POST", `/v1/admin/retention/prune`, { dry_run: true }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api(method, path, body);
      const unknown = Object.keys(body).at(-1)!;
      expect(res.status, `${method} ${path}`).toBe(422);
      expect(res.body.error.details, `${method} ${path}`).toContainEqual({ path: unknown, message: expect.stringContaining(unknown) });
    }
  });

  it("keeps an event's data an open map: unknown fields inside data pass", async () => {
    const res = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { anything: { nested: true }, extra: 1 } });
    expect(res.status).toBe(202);
  });

  it("documents every request body as closed (additionalProperties: false)", async () => {
    const doc = (await api<Doc>("GET", "/openapi.json", undefined, null)).body;
    const refs = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops))
      .flatMap((op) => (op.requestBody ? [op.requestBody.content["application/json"].schema] : []));
    expect(refs.length).toBeGreaterThan(5);
    for (const schema of refs) {
      const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split("/").at(-1)!] : (schema as Doc["components"]["schemas"][string]);
      expect(resolved.additionalProperties, JSON.stringify(schema)).toBe(false);
    }
  });
});
