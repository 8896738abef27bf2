import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, settledNamespace, uniqueKey } from "./support/api";

describe("events API", () => {
  it("fans out to every active webhook whose events match, one delivery each", async () => {
    const ns = "fanout";
    const exact = await createWebhook(ns, { events: ["build.finished"] });
    const prefix = await createWebhook(ns, { events: ["build.*"] });
    const all = await createWebhook(ns, { events: ["*"] });
    await createWebhook(ns, { events: ["deploy.*"] });
    await createWebhook(ns, { events: ["*"], active: false });
    await createWebhook(`${ns}-elsewhere`, { events: ["*"] });
    const res = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 1 } });
    expect(res.status).toBe(202);
    expect(res.body.id).toMatch(/^evt_/);
    expect(res.body.deliveries).toBe(3);
    const event = await api("GET", `/v1/namespaces/${ns}/events/${res.body.id}`);
    expect(event.body.delivery_list.map((d: { webhook_id: string }) => d.webhook_id).sort()).toEqual([exact.id, prefix.id, all.id].sort());
  });

  it("is idempotent on the event id: same body answers the original, another body is a conflict", async () => {
    const ns = "idempotent";
    const key = uniqueKey();
    await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    const first = await api("POST", `/v1/namespaces/${ns}/events`, { id: "build-42", type: "build.started", data: { n: 1 } });
    expect(first.status).toBe(202);
    const again = await api("POST", `/v1/namespaces/${ns}/events`, { id: "build-42", type: "build.started", data: { n: 1 } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: "build-42", type: "build.started", deliveries: 1, created_at: first.body.created_at });
    const other = await api("POST", `/v1/namespaces/${ns}/events`, { id: "build-42", type: "build.started", data: { n: 2 } });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("event_id_conflict");
    // The same id in another namespace is another event.
    expect((await api("POST", `/v1/namespaces/${ns}-b/events`, { id: "build-42", type: "build.started", data: {} })).status).toBe(202);
    // One delivery row for the three publishes (fan-out is written with the event), settled: nothing more will come.
    expect(await settledNamespace(ns)).toHaveLength(1);
    expect(await received(key)).toHaveLength(1);
  });

  it("passes unknown fields through to the receiver unchanged", async () => {
    const ns = "passthrough";
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
    const data = { id: 9, extra: { nested: [1, "two", null, true], "odd key": "é ✓" }, ratio: 12.5 };
    // Unknown fields inside data pass; at the top level they are refused (issue 15, test/strict-bodies.test.ts).
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.submitted", data, unknown_top_level: 1 })).status).toBe(422);
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.submitted", data });
    await settledDelivery(ns, (await onlyDeliveryOf(ns, hook.id)).id);
    const [req] = await received(key);
    expect(JSON.parse(req.body).data).toEqual(data);
  });

  it("refuses bodies that are not JSON, lack a type, or are too large", async () => {
    const ns = "bad-events";
    const notJson = await api("POST", `/v1/namespaces/${ns}/events`, "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("invalid_json");
    const noType = await api("POST", `/v1/namespaces/${ns}/events`, { data: {} });
    expect(noType.status).toBe(422);
    expect(noType.body.error.details.map((d: { path: string }) => d.path)).toContain("type");
    const big = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { blob: "x".repeat(300 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("payload_too_large");
    const badId = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: {}, id: "has.dot" });
    expect(badId.status).toBe(422);
  });
});
