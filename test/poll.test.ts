/**
 * Polling webhooks (GET .../webhooks/{id}/poll, src/pull/poll.ts): items as a
 * push would carry them, verified by the same third-party verifiers; nothing
 * written at fan-out; the delivery log shows a handed-out item; the cursor,
 * `since`, the long poll, and bad input. Its own file: storage is per file.
 */
import { verify as verifySha256 } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";
import { fixture } from "./support/fixtures";
import { circleciDocumentedCheck } from "./support/receiver-rules";

type Item = { id: string; event_id: string; event_type: string; created_at: string; headers: Record<string, string>; body: string };
type PollAnswer = { data: Item[]; next_cursor: string; done: boolean; error?: { code: string } };

const poll = (ns: string, id: string, query = "") => api<PollAnswer>("GET", `/v1/namespaces/${ns}/webhooks/${id}/poll${query ? `?${query}` : ""}`);
const publish = (ns: string, type: string, data: unknown) => api("POST", `/v1/namespaces/${ns}/events`, { type, data });

async function pollingHook(overrides: Record<string, unknown> = {}) {
  const ns = uniqueKey("poll");
  const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `p-${uniqueKey()}`, mode: "poll", events: ["*"], ...overrides });
  expect(res.status).toBe(201);
  return { ns, hook: res.body };
}

describe("polling webhooks", () => {
  it("a polled item verifies with the push's own verifiers in every signing format", async () => {
    const cases = [
      { format: "standard", type: "build.finished", data: fixture("build.finished") },
      { format: "djinn", type: "build.finished", data: fixture("build.finished") },
      { format: "circleci", type: "workflow-completed", data: fixture("workflow-completed") },
    ];
    for (const c of cases) {
      const { ns, hook } = await pollingHook({ format: c.format });
      expect(hook.mode).toBe("poll");
      expect(hook.url).toBe("");
      const published = await publish(ns, c.type, c.data);
      expect(published.status).toBe(202);
      // Nothing was written at fan-out: the event reached no push delivery.
      expect(published.body.deliveries).toBe(0);
      const page = await poll(ns, hook.id, "wait=5");
      expect(page.status).toBe(200);
      expect(page.body.data).toHaveLength(1);
      const item = page.body.data[0];
      expect(item).toMatchObject({ event_id: published.body.id, event_type: c.type, created_at: published.body.created_at });
      expect(JSON.parse(item.body)).toMatchObject(c.format === "standard" ? { type: c.type, data: c.data } : c.format === "djinn" ? c.data : { type: c.type });
      // Every format carries the Standard Webhooks headers over the same bytes.
      expect(() => new Webhook(hook.secret).verify(item.body, item.headers)).not.toThrow();
      if (c.format === "djinn") {
        expect(await verifySha256(hook.secret, item.body, item.headers["x-djinn-ci-signature"])).toBe(true);
        expect(item.headers["x-djinn-ci-event"]).toBe(c.type);
      }
      if (c.format === "circleci") expect(await circleciDocumentedCheck(item, hook.secret)).toBeNull();
      // A tampered body fails the same check.
      expect(() => new Webhook(hook.secret).verify(item.body + " ", item.headers)).toThrow();
    }
  }, 30_000);

  it("subscriptions, formats and filters apply; the log shows an item once a poll handed it out; the cursor resumes; since seeks", async () => {
    const { ns, hook } = await pollingHook({ events: ["build.*"], filter: { "build.status": "failed" } });
    // A push webhook beside it still gets pushed.
    const push = await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events: ["*"] });
    const data = (status: string) => ({ ...fixture("build.finished"), build: { ...(fixture("build.finished").build as object), status } });
    await publish(ns, "build.finished", data("passed"));
    const wanted = await publish(ns, "build.finished", data("failed"));
    expect(wanted.body.deliveries).toBe(1);
    await publish(ns, "deploy.finished", fixture("deploy.finished"));
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data).toEqual([]);

    const page = await poll(ns, hook.id);
    expect(page.body.data.map((i) => i.event_id)).toEqual([wanted.body.id]);
    expect(page.body.done).toBe(true);
    const log = (await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ id: page.body.data[0].id, event_id: wanted.body.id, status: "succeeded", webhook_id: hook.id });
    const detail = await api("GET", `/v1/namespaces/${ns}/deliveries/${log[0].id}`);
    expect(detail.body).toMatchObject({ status: "succeeded", event_id: wanted.body.id });
    expect((await api("POST", `/v1/namespaces/${ns}/deliveries/${log[0].id}/redeliver`)).status).toBe(409);
    // The same page again (an answer lost on the way) records nothing twice.
    expect((await poll(ns, hook.id)).body.data[0].id).toBe(page.body.data[0].id);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks/${hook.id}/deliveries`)).body.data).toHaveLength(1);
    // Resumed from its cursor: nothing new.
    const next = await poll(ns, hook.id, `cursor=${page.body.next_cursor}`);
    expect(next.body.data).toEqual([]);
    const later = await publish(ns, "build.started", data("failed"));
    expect((await poll(ns, hook.id, `cursor=${next.body.next_cursor}`)).body.data.map((i) => i.event_id)).toEqual([later.body.id]);
    expect((await poll(ns, hook.id, `since=${encodeURIComponent(later.body.created_at)}`)).body.data.map((i) => i.event_id)).toEqual([later.body.id]);
    expect(push.mode).toBe("push");
  }, 30_000);

  it("a long poll answers as soon as an event is published, before its wait is over", async () => {
    const { ns, hook } = await pollingHook();
    const first = await poll(ns, hook.id);
    expect(first.body.data).toEqual([]);
    const started = Date.now();
    const waiting = poll(ns, hook.id, `wait=20&cursor=${first.body.next_cursor}`);
    await new Promise((r) => setTimeout(r, 1000));
    const published = await publish(ns, "build.finished", fixture("build.finished"));
    const answer = await waiting;
    expect(answer.body.data.map((i) => i.event_id)).toEqual([published.body.id]);
    expect(Date.now() - started).toBeLessThan(20_000);
    // With nothing to hand out, the answer comes when the wait is over, with a cursor to resume from.
    const t0 = Date.now();
    const empty = await poll(ns, hook.id, `wait=1&cursor=${answer.body.next_cursor}`);
    expect(empty.body.data).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  }, 30_000);

  it("bad input: foreign cursors 422 invalid_cursor, wait and limit out of range 422, polling a push webhook 409, url and mode mismatches 422, a disabled one 409", async () => {
    const { ns, hook } = await pollingHook();
    const other = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `p-${uniqueKey()}`, mode: "poll", events: ["*"] });
    await publish(ns, "build.finished", fixture("build.finished"));
    const mine = (await poll(ns, hook.id, "limit=1")).body.next_cursor;
    const fromOther = await poll(ns, other.body.id, `cursor=${mine}`);
    expect([fromOther.status, fromOther.body.error?.code]).toEqual([422, "invalid_cursor"]);
    const feedCursor = (await api("GET", `/v1/namespaces/${ns}/events`)).body.next_cursor;
    expect((await poll(ns, hook.id, `cursor=${feedCursor}`)).body.error?.code).toBe("invalid_cursor");
    expect((await api("GET", `/v1/namespaces/${ns}/events?cursor=${mine}`)).body.error.code).toBe("invalid_cursor");
    for (const q of ["wait=31", "wait=-1", "limit=0", "limit=201"]) expect((await poll(ns, hook.id, q)).status).toBe(422);
    const push = await createWebhook(ns);
    const pushed = await poll(ns, push.id);
    expect([pushed.status, pushed.body.error?.code]).toEqual([409, "not_polling"]);
    expect((await api("POST", `/v1/namespaces/${ns}/webhooks/${hook.id}/ping`)).status).toBe(409);
    const noUrl = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `x-${uniqueKey()}`, events: ["*"] });
    expect([noUrl.status, noUrl.body.error.details[0].path]).toEqual([422, "url"]);
    const pollWithUrl = await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: `x-${uniqueKey()}`, mode: "poll", url: receiverUrl("/ok/x"), events: ["*"] });
    expect([pollWithUrl.status, pollWithUrl.body.error.details[0].path]).toEqual([422, "url"]);
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { url: receiverUrl("/ok/x") })).status).toBe(422);
    // A disabled polling webhook hands nothing out; re-enabled, the same cursor resumes.
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { active: false })).status).toBe(200);
    const disabled = await poll(ns, hook.id, `cursor=${mine}`);
    expect([disabled.status, disabled.body.error?.code]).toEqual([409, "webhook_disabled"]);
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${hook.id}`, { active: true })).status).toBe(200);
    expect((await poll(ns, hook.id, `cursor=${mine}`)).status).toBe(200);
  }, 30_000);
});
