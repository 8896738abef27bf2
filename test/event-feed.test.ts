/**
 * The event feed (GET /v1/namespaces/{ns}/events, src/pull/feed.ts): oldest
 * first, resumed exactly from its cursor while events keep arriving (some
 * fan out, some reach no webhook), `since` and `type`, a cursor from before
 * a retention drop, and the cursor's MAC. Its own file: storage is per file.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dropGeneration, generationAt } from "../src/db/generations";
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";
import { seedOnDay } from "./support/deliveries";
import { pinNamespace } from "./support/shards";

type Page = { error?: { code: string }; data: { id: string; type: string; data: { n: number }; created_at: string; deliveries: number }[]; next_cursor: string; done: boolean };

const feed = (ns: string, query = "") => api<Page>("GET", `/v1/namespaces/${ns}/events${query ? `?${query}` : ""}`);

async function namespaceWithHook(events = ["build.finished"]) {
  const ns = uniqueKey("feed");
  await pinNamespace(ns);
  await createWebhook(ns, { url: receiverUrl(`/ok/${uniqueKey()}`), events });
  return ns;
}

const publish = (ns: string, type: string, n: number, id?: string) => api("POST", `/v1/namespaces/${ns}/events`, { id, type, data: { n } });

describe("the event feed", () => {
  it("pages through 1,000 events in pages of 50 while more are published: none missed, none twice", async () => {
    const ns = await namespaceWithHook();
    const published: string[] = [];
    // Half fan out to the webhook, half reach nobody; ten at a time, so commits and clocks interleave.
    const publishRange = async (from: number, to: number) => {
      for (let i = from; i < to; i += 10) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(10, to - i) }, (_, k) => publish(ns, (i + k) % 2 ? "build.finished" : "deploy.finished", i + k, `evt_${String(i + k).padStart(4, "0")}x${uniqueKey()}`)),
        );
        for (const a of answers) {
          expect(a.status).toBe(202);
          published.push(a.body.id);
        }
      }
    };
    await publishRange(0, 400);
    const publishing = publishRange(400, 1000);
    const seen: string[] = [];
    let cursor: string | undefined;
    let finished = false;
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      const page = await feed(ns, `limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(50);
      expect(page.body.next_cursor).toEqual(expect.any(String));
      seen.push(...page.body.data.map((e) => e.id));
      cursor = page.body.next_cursor;
      if (finished && page.body.done && seen.length >= published.length) break;
      if (!finished) finished = await Promise.race([publishing.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);
      if (page.body.done) await new Promise((r) => setTimeout(r, 250));
    }
    expect(published.length).toBe(1000);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...published].sort());
    // A caught-up cursor answers nothing new, and still a cursor.
    const after = await feed(ns, `cursor=${cursor}`);
    expect(after.body.data).toEqual([]);
    expect(after.body.done).toBe(true);
  }, 120_000);

  it("items have the event's shape; since and type narrow the feed", async () => {
    const ns = await namespaceWithHook(["build.*"]);
    const first = await publish(ns, "build.finished", 1);
    await new Promise((r) => setTimeout(r, 20));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await publish(ns, "build.started", 2);
    await publish(ns, "deploy.finished", 3);
    await publish(ns, "build.finished", 4);
    const all = await feed(ns);
    expect(all.body.data[0]).toEqual({ id: first.body.id, type: "build.finished", data: { n: 1 }, ordering_key: null, created_at: first.body.created_at, deliveries: 1 });
    // The event that reached no webhook shows once it is final (pull/feed.ts, SETTLE_MS).
    const every = await waitForCount(ns, "", 4);
    expect(every.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
    expect((await waitForCount(ns, "type=build.*", 3)).map((e) => e.data.n)).toEqual([1, 2, 4]);
    expect((await waitForCount(ns, "type=deploy.finished,build.started", 2)).map((e) => e.data.n)).toEqual([2, 3]);
    expect((await waitForCount(ns, `since=${encodeURIComponent(mid)}`, 3)).map((e) => e.data.n)).toEqual([2, 3, 4]);
    expect((await feed(ns, "type=nope.never")).status).toBe(422);
  }, 30_000);

  it("an event committed after a later-stamped one, in the same group, is not skipped", async () => {
    // No webhook: the events write no delivery, so they share the day's newest seq (a group still open).
    const ns = uniqueKey("feed");
    await pinNamespace(ns);
    const x = await publish(ns, "build.finished", 1);
    const first = await feed(ns);
    // Not final yet: a publish that read its clock earlier may still commit into the same group.
    expect(first.body.data).toEqual([]);
    const g = generationAt(Date.now());
    const row = await env.SHARD_0.prepare(`SELECT seq, created_at FROM events_g${g} WHERE namespace = ? AND id = ?`).bind(ns, x.body.id).first<{ seq: number; created_at: number }>();
    // That publish: stamped a second before x, committed after the read above.
    await env.SHARD_0.prepare(
      `INSERT INTO events_g${g} (seq, namespace, id, type, data, created_at, system, test, first_delivery_seq, delivery_count) VALUES (?1, ?2, 'evt_late', 'build.finished', '{"n":0}', ?3, '', 0, ?1, 0)`,
    )
      .bind(row!.seq, ns, row!.created_at - 1000)
      .run();
    const all = await waitForCount(ns, `cursor=${first.body.next_cursor}`, 2);
    expect(all.map((e) => e.id)).toEqual(["evt_late", x.body.id]);
  }, 30_000);

  it("a cursor from before a retention drop resumes with what is left", async () => {
    const ns = uniqueKey("feed");
    await pinNamespace(ns);
    const today = generationAt(Date.now());
    const day = 86_400_000;
    const ids = [0, 1, 2, 3].map((k) => `evt_old${k}${uniqueKey()}`);
    await seedOnDay(env.SHARD_0, today - 3, { ns, eventId: ids[0], webhookId: "wh_x", at: Date.now() - 3 * day });
    await seedOnDay(env.SHARD_0, today - 3, { ns, eventId: ids[1], webhookId: "wh_x", at: Date.now() - 3 * day + 1 });
    await seedOnDay(env.SHARD_0, today - 2, { ns, eventId: ids[2], webhookId: "wh_x", at: Date.now() - 2 * day });
    await seedOnDay(env.SHARD_0, today - 1, { ns, eventId: ids[3], webhookId: "wh_x", at: Date.now() - day });
    const first = await feed(ns, "limit=1");
    expect(first.body.data.map((e) => e.id)).toEqual([ids[0]]);
    expect(first.body.done).toBe(false);
    await dropGeneration(env.SHARD_0, today - 3);
    const resumed = await feed(ns, `limit=1&cursor=${first.body.next_cursor}`);
    expect(resumed.body.data.map((e) => e.id)).toEqual([ids[2]]);
    const rest = await feed(ns, `cursor=${resumed.body.next_cursor}`);
    expect(rest.body.data.map((e) => e.id)).toEqual([ids[3]]);
    expect(rest.body.done).toBe(true);
  });

  it("bad input: a cursor we did not issue, or of another namespace, is 422 invalid_cursor; limit out of range is 422", async () => {
    const ns = await namespaceWithHook();
    await publish(ns, "build.finished", 1);
    const page = await feed(ns, "limit=1");
    const cursor = page.body.next_cursor;
    const [payload, mac] = cursor.split(".");
    const forged = `${btoa(JSON.stringify([0, 1e12, 0, ""])).replace(/=+$/, "")}.${mac}`;
    for (const bad of ["garbage", `${payload}.AAAAAAAAAAAAAAAAAAAAAA`, forged, `${cursor}.x`]) {
      const r = await feed(ns, `cursor=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(422);
      expect(r.body.error?.code).toBe("invalid_cursor");
    }
    const other = await namespaceWithHook();
    const elsewhere = await feed(other, `cursor=${cursor}`);
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error?.code).toBe("invalid_cursor");
    expect((await feed(ns, "limit=0")).status).toBe(422);
    expect((await feed(ns, "limit=201")).status).toBe(422);
    expect((await feed(ns, "since=yesterday")).status).toBe(422);
  });
});

async function waitForCount(ns: string, query: string, n: number) {
  const until = Date.now() + 15_000;
  for (;;) {
    const r = await feed(ns, query);
    expect(r.status).toBe(200);
    if (r.body.data.length >= n || Date.now() > until) return r.body.data;
    await new Promise((res) => setTimeout(res, 250));
  }
}
