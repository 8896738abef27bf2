/**
 * Issue 15, item 2: custom headers cannot forge or break ours. Names are
 * compared case-insensitively; every header we (or a format) set, hop-by-hop
 * and framing headers, names that are not HTTP tokens and values with CR, LF
 * or NUL are refused with 422 at create and PATCH.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey } from "./support/api";
import { hookDb } from "./support/shards";

const ns = "headers";

const REFUSED_NAMES = [
  "Webhook-Signature",
  "WEBHOOK-ID",
  "webhook-timestamp",
  "Content-Type",
  "User-Agent",
  "X-Djinn-CI-Signature",
  "x-djinn-ci-event",
  "CircleCI-Signature",
  "Accept",
  "X-CI-Webhooks-Test",
  "circleci-event-type",
  "Host",
  "Content-Length",
  "Transfer-Encoding",
  "Connection",
  "TE",
  "Upgrade",
  "CF-Connecting-IP",
  "cf-worker",
  "has space",
  "colon:name",
];

describe("custom headers (issue 15)", () => {
  it.each(REFUSED_NAMES)("refuses the header name %j at create and PATCH, naming it", async (name) => {
    const create = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
      name: uniqueKey("h"),
      url: receiverUrl("/ok/x"),
      events: ["*"],
      headers: { [name]: "forged" },
    });
    expect(create.status).toBe(422);
    expect(create.body.error.code).toBe("validation_failed");
    expect(create.body.error.details).toContainEqual({ path: `headers.${name}`, message: expect.any(String) });
    const hook = await createWebhook(ns);
    const patch = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { headers: { [name]: "forged" } });
    expect(patch.status).toBe(422);
    expect(patch.body.error.details).toContainEqual({ path: `headers.${name}`, message: expect.any(String) });
  });

  it.each(["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u0000b"])("refuses the value %j (CR, LF or NUL)", async (value) => {
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
      name: uniqueKey("h"),
      url: receiverUrl("/ok/x"),
      events: ["*"],
      headers: { "X-Token": value },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toContainEqual({ path: "headers.X-Token", message: expect.any(String) });
  });

  it("sends an allowed header once, beside ours, with one value of each of ours", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), events: ["build.started"], headers: { "X-Shared-Token": "t0k3n", "X-Request-Source": "ci" } });
    const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { n: 1 } });
    expect(pub.status).toBe(202);
    const delivery = await onlyDeliveryOf(ns, hook.id);
    expect((await settledDelivery(ns, delivery.id)).status).toBe("succeeded");
    const [req] = await received(key);
    expect(req.headers["x-shared-token"]).toBe("t0k3n");
    expect(req.headers["webhook-id"]).not.toContain(",");
    expect(req.headers["content-type"]).toBe("application/json");
  });

  it("a row stored before the check (forged names, CR/LF values) sends only the allowed custom headers", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), events: ["build.started"] });
    const legacy = { "Webhook-Signature": "v1,forged", "Content-Type": "text/plain", "X-Bad": "a\r\nX-Injected: 1", "X-Fine": "kept" };
    await (await hookDb(hook.id)).prepare("UPDATE webhooks SET headers = ? WHERE id = ?").bind(JSON.stringify(legacy), hook.id).run();
    const ping = await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`);
    expect((await settledDelivery(ns, ping.body.delivery_id)).status).toBe("succeeded");
    const [req] = await received(key);
    expect(req.headers["webhook-signature"]).not.toContain("forged");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-injected"]).toBeUndefined();
    expect(req.headers["x-fine"]).toBe("kept");
  });
});
