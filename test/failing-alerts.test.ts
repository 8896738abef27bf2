/**
 * webhook.failing (issue 22): sent once each at 50, 70 and 90 % of
 * AUTO_DISABLE_DAYS (5 days here, wrangler.toml) of unbroken failure, reset by
 * a success. The clock is shortened as test/auto-disable.test.ts does: the
 * run's start (failing_since) is moved back, and real failed deliveries to a
 * loopback receiver do the rest.
 */
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { page } from "./support/dashboard";
import { hookDb } from "./support/shards";
import type { Config } from "../src/config";
import type { SettledDelivery } from "../src/delivery/settle";
import { failingAlertDue } from "../src/webhooks/failing-alerts";
import { summarize } from "../src/delivery/chat/summary";
import failingExample from "../src/events/examples/webhook.failing.json";

const DAY = 86_400_000;
const AUTO_DISABLE_MS = 5 * DAY;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Alert = { type: string; data: { webhook: { id: string; name: string; url: string }; percent: number; failing_since: string; disables_at: string } };
const alertsIn = async (key: string): Promise<Alert[]> => (await received(key)).map((r) => JSON.parse(r.body) as Alert);

describe("webhook.failing", () => {
  it("50, 70 and 90 % are each sent exactly once; a success resets them and a new failing run sends them again", async () => {
    const ns = `failing-${uniqueKey()}`;
    const watchKey = uniqueKey();
    const starKey = uniqueKey();
    const watcher = await createWebhook(ns, { url: receiverUrl(`/ok/${watchKey}`), events: ["webhook.failing"] });
    await createWebhook(ns, { url: receiverUrl(`/ok/${starKey}`), events: ["*"] });
    const failKey = uniqueKey();
    // The failing webhook subscribes to webhook.failing too: it never gets its own.
    const hook = await createWebhook(ns, { url: receiverUrl(`/status/500/${failKey}`), events: ["build.started", "webhook.failing"] });
    const db = await hookDb(hook.id);
    const row = () =>
      db.prepare("SELECT failing_since, failing_alert_percent FROM webhooks WHERE id = ?").bind(hook.id).first<{ failing_since: number | null; failing_alert_percent: number | null }>();

    /** Publishes one event and waits until the receiver got a request more. */
    const deliverOnce = async () => {
      const before = (await received(failKey)).length;
      expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { n: before } })).status).toBe(202);
      await waitFor(() => received(failKey), (r) => r.length > before);
    };
    /** One more failed attempt, recorded on the webhook row (its run has begun). */
    const failOnce = async () => {
      await deliverOnce();
      await waitFor(row, (r) => r !== null && r.failing_since !== null);
    };
    /** Moves the run's start back so that the next attempt comes `share` of the way to auto-disable. */
    const runFor = async (share: number) => {
      const since = Date.now() - share * AUTO_DISABLE_MS;
      await db.prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(since, hook.id).run();
      return since;
    };

    await failOnce();
    expect((await row())!.failing_alert_percent).toBeNull();
    const since = await runFor(0.52);
    await failOnce();
    const first = await waitFor(() => alertsIn(watchKey), (a) => a.length >= 1);
    expect(first[0].type).toBe("webhook.failing");
    expect(first[0].data).toEqual({
      webhook: { id: hook.id, name: hook.name, url: hook.url },
      percent: 50,
      failing_since: new Date(since).toISOString(),
      disables_at: new Date(since + AUTO_DISABLE_MS).toISOString(),
    });
    await waitFor(row, (r) => r!.failing_alert_percent === 50);
    // Still past 50 %, not yet 70 %: nothing new.
    await failOnce();

    // The dashboard's webhook page warns, with the date it will be disabled.
    const html = await (await page(`/webhooks/${hook.id}`, ns)).text();
    const disablesAt = new Date(since + AUTO_DISABLE_MS).toISOString();
    expect(html).toContain(`This webhook will be disabled on ${disablesAt.slice(0, 16).replace("T", " ")} UTC`);
    expect(html).toContain("50 % of the way to auto-disable");
    const health = await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/stats`);
    expect(health.body).toMatchObject({ failing_alert_percent: 50, disables_at: disablesAt });

    // Keep the run's start as the alerts report it, moved back further.
    await db.prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(since - 0.2 * AUTO_DISABLE_MS, hook.id).run();
    await failOnce();
    await waitFor(row, (r) => r!.failing_alert_percent === 70);
    await failOnce();
    await db.prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(since - 0.4 * AUTO_DISABLE_MS, hook.id).run();
    await failOnce();
    await waitFor(row, (r) => r!.failing_alert_percent === 90);
    await failOnce();
    await failOnce();
    await sleep(1500); // any late alert
    const streak = await alertsIn(watchKey);
    expect(streak.map((a) => a.data.percent)).toEqual([50, 70, 90]);
    expect(streak.every((a) => a.type === "webhook.failing")).toBe(true);
    // Still active: 90 % is a warning, not auto-disable.
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}`)).body.active).toBe(true);

    // A success ends the run: the threshold is cleared with failing_since, the warning goes.
    await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { url: receiverUrl(`/ok/${failKey}`) });
    await deliverOnce();
    await waitFor(row, (r) => r!.failing_since === null && r!.failing_alert_percent === null);
    // Every retry of the run settles (succeeds) before the next run begins, so none ends that one.
    await waitFor(
      () => api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries?status=pending`),
      (r) => r.body.data.length === 0,
    );
    expect(await (await page(`/webhooks/${hook.id}`, ns)).text()).not.toContain("This webhook will be disabled on");

    // A new failing run sends them again.
    await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { url: receiverUrl(`/status/500/${failKey}`) });
    await failOnce();
    const since2 = await runFor(0.55);
    await failOnce();
    const again = await waitFor(() => alertsIn(watchKey), (a) => a.length >= 4);
    expect(again[3].data).toMatchObject({ percent: 50, failing_since: new Date(since2).toISOString() });
    await sleep(1500);
    expect((await alertsIn(watchKey)).map((a) => a.data.percent)).toEqual([50, 70, 90, 50]);

    // The failing webhook never received an alert about itself; `*` includes no operational event.
    expect((await alertsIn(failKey)).every((a) => a.type === "build.started")).toBe(true);
    expect((await alertsIn(starKey)).every((a) => a.type === "build.started")).toBe(true);
    expect(watcher.id).not.toBe(hook.id);
  });

  it("a failing delivery of an operational event causes no webhook.failing; publishing one is refused", async () => {
    const ns = `failing-op-${uniqueKey()}`;
    const watchKey = uniqueKey();
    await createWebhook(ns, { url: receiverUrl(`/ok/${watchKey}`), events: ["webhook.failing", "webhook.disabled"] });
    // This subscriber fails on the alerts it gets, and has been failing for most of the limit.
    const listenerKey = uniqueKey();
    const listener = await createWebhook(ns, { url: receiverUrl(`/status/500/${listenerKey}`), events: ["webhook.failing"] });
    await (await hookDb(listener.id)).prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(Date.now() - 0.6 * AUTO_DISABLE_MS, listener.id).run();
    // The source of the alerts.
    const failKey = uniqueKey();
    const hook = await createWebhook(ns, { url: receiverUrl(`/status/500/${failKey}`), events: ["build.started"] });
    await (await hookDb(hook.id)).prepare("UPDATE webhooks SET failing_since = ? WHERE id = ?").bind(Date.now() - 0.51 * AUTO_DISABLE_MS, hook.id).run();
    await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: {} });
    await waitFor(() => received(listenerKey), (r) => r.length >= 1);
    await sleep(2000);
    // The watcher heard of the source only; the listener's failed alert delivery reported nothing.
    const heard = await alertsIn(watchKey);
    expect(heard.map((a) => a.data.webhook.id)).toEqual([hook.id]);
    const listenerRow = await (await hookDb(listener.id)).prepare("SELECT failing_alert_percent FROM webhooks WHERE id = ?").bind(listener.id).first<{ failing_alert_percent: number | null }>();
    expect(listenerRow!.failing_alert_percent).toBeNull();

    const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "webhook.failing", data: {} });
    expect(pub.status).toBe(422);
    const reserved = await api("POST", `/v1/namespaces/${ns}/events`, { id: `evt_failing_${hook.id}_1_50`, type: "build.started", data: {} });
    expect(reserved.status).toBe(422);
  });
});

describe("failingAlertDue (when an attempt is due to alert)", () => {
  const cfg = { autoDisableMs: 100_000 } as Config;
  const T0 = 1_700_000_000_000;
  /** A failed attempt that ends `elapsed` ms into a run that began at T0. */
  const failed = (elapsed: number, alerted: number | null, over: Partial<SettledDelivery> = {}) =>
    ({
      seq: 1,
      namespace: "n",
      eventType: "build.started",
      eventId: "e",
      status: "pending",
      webhook: { id: "wh_1", active: 1, failing_since: T0, failing_alert_percent: alerted },
      attempt: { startedAt: T0 + elapsed - 10, durationMs: 10, status: 500 },
      ...over,
    }) as unknown as SettledDelivery;
  const percent = (s: SettledDelivery) => failingAlertDue(cfg, s)?.percent ?? null;

  it("reaches each threshold once, folds a skipped one into the higher, and leaves 100 % to auto-disable", () => {
    expect(percent(failed(49_999, null))).toBeNull();
    expect(failingAlertDue(cfg, failed(50_000, null))).toEqual({ percent: 50, failingSince: T0, disablesAt: T0 + 100_000 });
    expect(percent(failed(69_999, 50))).toBeNull();
    expect(percent(failed(70_000, 50))).toBe(70);
    expect(percent(failed(95_000, 50))).toBe(90);
    expect(percent(failed(95_000, 90))).toBeNull();
    expect(percent(failed(100_000, 70))).toBeNull();
  });

  it("never for a success, an inactive webhook, or a webhook not yet failing", () => {
    expect(percent(failed(60_000, null, { status: "succeeded" }))).toBeNull();
    const inactive = failed(60_000, null);
    inactive.webhook!.active = 0;
    expect(percent(inactive)).toBeNull();
    const fresh = failed(60_000, null);
    fresh.webhook!.failing_since = null;
    expect(percent(fresh)).toBeNull();
  });
});

describe("webhook.failing in a chat message", () => {
  it("names the webhook, how far it is, and when it will be disabled", () => {
    const m = summarize("webhook.failing", failingExample, "2021-06-04T00:00:00Z");
    expect(m.headline).toBe("Webhook deploy-notifier has been failing (50 % of the way to being disabled)");
    expect(m.tone).toBe("failure");
    expect(m.facts).toEqual(expect.arrayContaining([{ name: "Disabled at", value: "2021-06-06T12:00:00.000Z" }, { name: "Failing since", value: "2021-06-01T12:00:00.000Z" }]));
  });
});
