import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createWebhook, onlyDeliveryOf, perWebhook, received, receiverUrl, settledDelivery, settledNamespace, uniqueKey, waitFor } from "./support/api";
import { hookDb } from "./support/shards";

async function publish(ns: string, type: string, data: unknown = { id: 1 }) {
  const res = await api("POST", `/v1/namespaces/${ns}/events`, { type, data });
  expect(res.status).toBe(202);
  return res.body;
}

const typesOf = (reqs: { body: string; headers: Record<string, string> }[]) => reqs.map((r) => JSON.parse(r.body).type as string);

// Each test in a namespace of its own, so they run side by side: most of their time is waiting on retries.
describe.concurrent("operational events", () => {
  describe("auto-disable", () => {
    it("a 410 disables the webhook, the reason is visible, its waiting deliveries end failed; webhook.disabled reaches exact subscribers only", async () => {
      const ns = "autodisable-gone";
      const watchKey = uniqueKey();
      const starKey = uniqueKey();
      const watcher = await createWebhook(ns, { url: receiverUrl(`/ok/${watchKey}`), events: ["webhook.disabled", "delivery.exhausted"] });
      const star = await createWebhook(ns, { url: receiverUrl(`/ok/${starKey}`), events: ["*"] });
      // A subscriber that itself answers 410: it is disabled too, but a delivery
      // of an operational event causes no further operational event.
      const gone2Key = uniqueKey();
      const gone2 = await createWebhook(ns, { url: receiverUrl(`/status/410/${gone2Key}`), events: ["webhook.disabled"] });

      const failKey = uniqueKey();
      const hook = await createWebhook(ns, {
        url: receiverUrl(`/status/500/${failKey}`),
        events: ["build.started", "build.finished", "webhook.disabled"],
      });
      // First a delivery that fails and waits for its retry (5 s)...
      await publish(ns, "build.started");
      const waiting = await onlyDeliveryOf(ns, hook.id);
      await waitFor(() => api("GET", `/v1/namespaces/${ns}/deliveries/${waiting.id}`), (r) => r.body.attempts.length === 1);
      // ...then the receiver answers 410 Gone.
      await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { url: receiverUrl(`/status/410/${failKey}`) });
      await publish(ns, "build.finished");

      const off = await waitFor(() => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`), (r) => r.body.active === false);
      expect(off.body.disabled_reason).toBe("receiver_gone");
      expect(Date.parse(off.body.disabled_at)).toBeGreaterThan(Date.now() - 60_000);
      const w = await api("GET", `/v1/namespaces/${ns}/deliveries/${waiting.id}`);
      expect(w.body.status).toBe("failed");
      expect(w.body.failure_reason).toBe("receiver_gone");
      expect(w.body.attempts).toHaveLength(1);

      // The watcher hears about it, once; `*` does not include operational events.
      const heard = await waitFor(() => received(watchKey), (r) => r.length >= 1);
      const notice = JSON.parse(heard[0].body);
      expect(notice.type).toBe("webhook.disabled");
      expect(notice.data).toMatchObject({ webhook: { id: hook.id, name: hook.name }, reason: "receiver_gone" });
      expect(typeof notice.data.disabled_at).toBe("string");

      // gone2 got the notice, answered 410 and was disabled, silently.
      await waitFor(() => api("GET", `/v1/namespaces/${ns}/webhooks/${gone2.id}`), (r) => r.body.active === false);
      expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${gone2.id}`)).body.disabled_reason).toBe("receiver_gone");
      // Every delivery settled (the waiting one's retry included): nothing is still to be sent. One notice,
      // to its two subscribers; gone2's own disabling caused none; `*` took the two builds only.
      const rows = await settledNamespace(ns);
      expect(perWebhook(rows)).toEqual({ [watcher.id]: 1, [gone2.id]: 1, [star.id]: 2, [hook.id]: 2 });
      expect(await received(gone2Key)).toHaveLength(1);
      expect(typesOf(await received(watchKey))).toEqual(["webhook.disabled"]);
      expect(typesOf(await received(starKey))).toEqual(["build.started", "build.finished"]);
      // The disabled webhook got nothing more (its retry was not sent).
      expect(await received(failKey)).toHaveLength(2);

      // Redeliver answers 409 until PATCH active=true turns it back on.
      const refused = await api("POST", `/v1/namespaces/${ns}/deliveries/${waiting.id}/redeliver`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe("webhook_disabled");
      expect(refused.body.error.message).toMatch(/receiver_gone/);
      const on = await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { active: true, url: receiverUrl(`/ok/${failKey}`) });
      expect(on.body).toMatchObject({ active: true, disabled_reason: null, disabled_at: null });
      expect((await api("POST", `/v1/namespaces/${ns}/deliveries/${waiting.id}/redeliver`)).status).toBe(202);
      expect((await settledDelivery(ns, waiting.id)).status).toBe("succeeded");
    });

    it("failures unbroken for AUTO_DISABLE_DAYS disable the webhook", async () => {
      const ns = "autodisable-days";
      const key = uniqueKey();
      const hook = await createWebhook(ns, { url: receiverUrl(`/status/500/${key}`), events: ["build.*"] });
      // As if it had been failing for six days (the default limit is five).
      await (await hookDb(hook.id)).prepare("UPDATE webhooks SET failing_since = ?, consecutive_failures = 40 WHERE id = ?")
        .bind(Date.now() - 6 * 86_400_000, hook.id)
        .run();
      await publish(ns, "build.started");
      const off = await waitFor(() => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`), (r) => r.body.active === false);
      expect(off.body.disabled_reason).toBe("failing_too_long");
      const d = await onlyDeliveryOf(ns, hook.id);
      const detail = await settledDelivery(ns, d.id);
      expect(detail.status).toBe("failed");
      expect(detail.failure_reason).toBe("failing_too_long");
      expect(await received(key)).toHaveLength(1);
    });

    it("a recent failure streak does not disable", async () => {
      const ns = "autodisable-recent";
      const hook = await createWebhook(ns, { url: receiverUrl(`/status/500/${uniqueKey()}`), events: ["deploy.*"] });
      await (await hookDb(hook.id)).prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(Date.now() - 4 * 86_400_000, hook.id).run();
      await publish(ns, "deploy.started");
      const d = await onlyDeliveryOf(ns, hook.id);
      await waitFor(() => api("GET", `/v1/namespaces/${ns}/deliveries/${d.id}`), (r) => r.body.attempts.length >= 1);
      expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.active).toBe(true);
    });
  });

  describe("delivery.exhausted", () => {
    it("reaches subscribers when automatic attempts run out, never the failing webhook itself", async () => {
      const ns = "exhausted";
      const watchKey = uniqueKey();
      const starKey = uniqueKey();
      const watcher = await createWebhook(ns, { url: receiverUrl(`/ok/${watchKey}`), events: ["delivery.exhausted"] });
      const star = await createWebhook(ns, { url: receiverUrl(`/ok/${starKey}`), events: ["*"] });
      const failKey = uniqueKey();
      const failing = await createWebhook(ns, { url: receiverUrl(`/status/503/${failKey}`), events: ["build.started", "delivery.exhausted"] });

      const ev = await publish(ns, "build.started", { id: 42 });
      const d = await onlyDeliveryOf(ns, failing.id);
      const detail = await settledDelivery(ns, d.id, 60_000);
      expect(detail.status).toBe("failed");
      expect(detail.failure_reason).toBe("attempts_exhausted");

      const heard = await waitFor(() => received(watchKey), (r) => r.length >= 1);
      const notice = JSON.parse(heard[0].body);
      expect(notice.type).toBe("delivery.exhausted");
      expect(notice.data).toEqual({
        webhook: { id: failing.id, name: failing.name, url: failing.url },
        delivery_id: d.id,
        event: { id: ev.id, type: "build.started" },
        attempts: detail.attempt_count,
        last_response_status: 503,
        reason: "attempts_exhausted",
      });
      // Settled: one notice, to the watcher only (not to the failing webhook, though it subscribes), nothing still to come.
      const rows = await settledNamespace(ns);
      expect(perWebhook(rows)).toEqual({ [watcher.id]: 1, [star.id]: 1, [failing.id]: 1 });
      expect(typesOf(await received(watchKey))).toEqual(["delivery.exhausted"]);
      expect(typesOf(await received(starKey))).toEqual(["build.started"]);
      // Every request the failing webhook got was the build event itself.
      const own = await received(failKey);
      expect(own.length).toBe(detail.attempt_count);
      expect(new Set(typesOf(own))).toEqual(new Set(["build.started"]));
      // Publishing an operational type is refused.
      const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "delivery.exhausted", data: {} });
      expect(pub.status).toBe(422);
    });
  });
});
