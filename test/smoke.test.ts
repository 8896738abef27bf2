import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey } from "./support/api";

describe("smoke", () => {
  it("delivers an event end to end, and a re-post of the same id fans out nothing", async () => {
    const key = uniqueKey();
    const hook = await createWebhook("smoke", { url: receiverUrl(`/ok/${key}`), events: ["build.*"] });
    await createWebhook("smoke", { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["deploy.*"] });
    const pub = await api("POST", "/v1/namespaces/smoke/events", { type: "build.started", data: { id: 1 }, id: "evt-1" });
    expect(pub.status).toBe(202);
    expect(pub.body.deliveries).toBe(1);
    const again = await api("POST", "/v1/namespaces/smoke/events", { type: "build.started", data: { id: 1 }, id: "evt-1" });
    expect(again.status).toBe(200);
    expect(again.body.deliveries).toBe(1);
    const conflict = await api("POST", "/v1/namespaces/smoke/events", { type: "build.started", data: { id: 2 }, id: "evt-1" });
    expect(conflict.status).toBe(409);
    const d = await onlyDeliveryOf("smoke", hook.id);
    const detail = await settledDelivery("smoke", d.id);
    expect(detail.status).toBe("succeeded");
    expect(await received(key)).toHaveLength(1);
    const ev = await api("GET", "/v1/namespaces/smoke/events/evt-1");
    expect(ev.body.delivery_list).toHaveLength(1);
  });
});
