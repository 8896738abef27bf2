/**
 * Test pings a receiver accepts, and "send example" (POST .../webhooks/{id}/test):
 * djinn and puppet webhooks get the catalog's example of one of their own
 * events, marked with a header their receivers ignore; the example endpoint
 * sends any type the webhook's format carries.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_HEADER } from "../src/delivery/formats";
import { eventCatalog } from "../src/events/catalog";
import { sha256Hex } from "../src/security/token-check";
import { api, createWebhook, received, receiverUrl, settledDelivery, uniqueKey, waitFor } from "./support/api";
import { fixture } from "./support/fixtures";

const ns = "test-events";

async function firstRequest(key: string) {
  const [got] = await waitFor(() => received(key), (r) => r.length >= 1);
  return got;
}

describe("test ping of payload-as-body formats", () => {
  it("djinn: the example of the first event it subscribes to, with Djinn's headers and the test marker", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "djinn", url: receiverUrl(`/ok/${key}`), events: ["invite.*"] });
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    expect(res.status).toBe(202);
    const detail = await settledDelivery(ns, res.body.delivery_id);
    expect(detail).toMatchObject({ status: "succeeded", event_type: "invite.sent" });
    const got = await firstRequest(key);
    expect(got.headers["x-djinn-ci-event"]).toBe("invite.sent");
    expect(got.headers[TEST_HEADER]).toBe("true");
    expect(JSON.parse(got.body)).toEqual(fixture("invite.sent"));
  });

  it("puppet: Puppet's own payload (a shared name takes Puppet's shape), marked as a test", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { format: "puppet", url: receiverUrl(`/ok/${key}`), events: ["build.*"] });
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    expect(res.status).toBe(202);
    expect(await settledDelivery(ns, res.body.delivery_id)).toMatchObject({ status: "succeeded", event_type: "build.started" });
    const got = await firstRequest(key);
    expect(JSON.parse(got.body)).toEqual(fixture("build.started.puppet"));
    expect(got.headers[TEST_HEADER]).toBe("true");
  });

  it("a published event carries no test marker", async () => {
    const key = uniqueKey();
    await createWebhook(ns, { format: "djinn", url: receiverUrl(`/ok/${key}`), events: ["cron"] });
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "cron", data: fixture("cron") })).status).toBe(202);
    expect((await firstRequest(key)).headers[TEST_HEADER]).toBeUndefined();
  });
});

describe("POST /v1/namespaces/{ns}/webhooks/{id}/test (send example)", () => {
  it("sends the catalog's example of the type in the webhook's format, to that webhook only", async () => {
    const cases: [string, string, string, (body: string) => unknown][] = [
      ["puppet", "build.finished", "build.finished.puppet", (b) => JSON.parse(b)],
      ["djinn", "build.finished", "build.finished", (b) => JSON.parse(b)],
      ["standard", "deploy.started", "deploy.started", (b) => JSON.parse(b).data],
      ["circleci", "job-completed", "job-completed", (b) => {
        const { type: _t, id: _i, happened_at: _h, webhook: _w, ...rest } = JSON.parse(b);
        return rest;
      }],
    ];
    const bystander = uniqueKey();
    await createWebhook(ns, { url: receiverUrl(`/ok/${bystander}`), events: ["*"] });
    for (const [format, type, example, payloadOf] of cases) {
      const key = uniqueKey();
      const hook = await createWebhook(ns, { format, url: receiverUrl(`/ok/${key}`), events: format === "circleci" ? ["ping"] : ["*"] });
      const res = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test`, { type });
      expect(res.status, format).toBe(202);
      expect(res.body).toEqual({ delivery_id: expect.stringMatching(/^dlv_/) });
      expect(await settledDelivery(ns, res.body.delivery_id)).toMatchObject({ status: "succeeded", event_type: type, webhook_id: hook.id });
      const got = await firstRequest(key);
      expect(payloadOf(got.body), format).toEqual(fixture(example));
    }
    expect(await received(bystander)).toEqual([]);
  });

  it("?wait=true answers the attempt; refusals: another system's type 422 naming its format, unknown 422, read-only 403", async () => {
    const hook = await createWebhook(ns, { format: "djinn", url: receiverUrl(`/ok/${uniqueKey()}`), events: ["build.*"] });
    const waited = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test?wait=true`, { type: "ssh_keys" });
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ status: "succeeded", response_status: 200 });

    const other = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test`, { type: "job-completed" });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("validation_failed");
    expect(other.body.error.message).toContain("`circleci`");
    expect(other.body.error.details[0].path).toBe("type");
    const unknown = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test`, { type: "build.exploded" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe("unknown_event_type");
    expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test`, {})).status).toBe(422);

    const token = `cwh_${uniqueKey()}`;
    await env.DB.prepare("INSERT INTO tokens (id, namespace, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(`tok_${uniqueKey()}`, ns, "reader", JSON.stringify(["webhooks:read"]), await sha256Hex(token), Date.now())
      .run();
    expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/test`, { type: "cron" }, token)).status).toBe(403);
    const inactive = await createWebhook(ns, { active: false });
    expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${inactive.id}/test`, { type: "cron" })).status).toBe(409);
  });

  it("GET /v1/event-types shows every type's example, and each system's for a shared name", async () => {
    const res = await api("GET", "/v1/event-types");
    const byName = new Map<string, { example: unknown; examples: Record<string, unknown> }>(
      res.body.data.map((t: { name: string; example: unknown; examples: Record<string, unknown> }) => [t.name, t]),
    );
    for (const def of eventCatalog) {
      expect(byName.get(def.name)!.example, def.name).toEqual(fixture(def.name));
      expect(Object.keys(byName.get(def.name)!.examples)).toEqual([def.system, ...(def.alsoFrom ?? [])]);
    }
    expect(byName.get("build.finished")!.examples["puppet-pipelines"]).toEqual(fixture("build.finished.puppet"));
    expect(Object.keys(byName.get("job-completed")!.example as object)).toContain("job");
  });
});
