/** The delivery detail's request_body: byte for byte what the receiver got, in every format. */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { webhookFormats } from "../src/delivery/formats";
import { api, createWebhook, onlyDeliveryOf, received, receiverUrl, settledDelivery, uniqueKey } from "./support/api";
import { page } from "./support/dashboard";
import { fixture } from "./support/fixtures";

const ns = "sent-body";

describe("the body a delivery sent", () => {
  it("equals, byte for byte, what a loopback receiver got, in every format", async () => {
    // Each format with an event it carries; non-ASCII and characters JSON may
    // escape differently, to catch any re-serialisation.
    const odd = "ünïcödé ✓ \u2028 </script> \"quoted\"";
    const eventOf: Record<string, { type: string; data: Record<string, unknown> }> = {
      circleci: { type: "workflow-completed", data: { ...fixture("workflow-completed"), note: odd } },
      puppet: { type: "deploy.finished", data: { ...fixture("deploy.finished"), note: odd } },
    };
    const fallback = { type: "build.finished", data: { ...fixture("build.finished"), output: odd } };
    for (const format of webhookFormats) {
      const { type, data } = eventOf[format] ?? fallback;
      const key = uniqueKey();
      const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), format, events: [type] });
      const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type, data });
      expect(pub.status, format).toBe(202);
      const delivery = await onlyDeliveryOf(ns, hook.id);
      const detail = await settledDelivery(ns, delivery.id);
      const [req] = await received(key);
      expect(detail.request_body, format).toBe(req.body);
      if (format === "standard") {
        // ...and it is what was signed.
        expect(new Webhook(hook.secret).verify(detail.request_body, req.headers)).toBeTruthy();
      }
    }
  });

  it("is shown on the dashboard's delivery page", async () => {
    const key = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/ok/${key}`), format: "slack", events: ["deploy.finished"] });
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "deploy.finished", data: fixture("deploy.finished") });
    const delivery = await onlyDeliveryOf(ns, hook.id);
    const detail = await settledDelivery(ns, delivery.id);
    
    const html = await (await page(`/deliveries/${delivery.id}`, ns)).text();
    const shown = /<pre class="excerpt" id="request-body">([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? "";
    const unescaped = shown.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    expect(unescaped).toBe(detail.request_body);
    expect(unescaped).toContain('"blocks"');
  });
});
