import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey } from "./support/api";

describe("smoke", () => {
  it("delivers an event end to end", async () => {
    const key = uniqueKey();
    const hook = await createWebhook("smoke", { url: receiverUrl(`/ok/${key}`), events: ["build.*"] });
    const pub = await api("POST", "/v1/namespaces/smoke/events", { type: "build.started", data: { id: 1 } });
    expect(pub.status).toBe(202);
    expect(pub.body.deliveries).toBe(1);
    const d = await onlyDeliveryOf("smoke", hook.id);
    const detail = await settledDelivery("smoke", d.id);
    expect(detail.status).toBe("succeeded");
    const got = await received(key);
    expect(got).toHaveLength(1);
  });
});
