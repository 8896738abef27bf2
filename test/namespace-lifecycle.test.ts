/**
 * Namespace lifecycle (namespaces/, api-contract.md "Namespaces"): get and
 * list, delete with everything in it (a purge in bounded steps through the
 * queue, resumable after a crash, the directory row last), export as NDJSON.
 * Its own file: storage is per file, so "no table holds a row of it" can
 * look at every table.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generationAt } from "../src/db/generations";
import { handleDeliveryBatch } from "../src/delivery/consumer";
import type { AppEnv, DeliveryMessage } from "../src/env";
import worker from "../src/index";
import { PURGE_REDRIVE_MINUTES, PURGE_SETTLE_MS, purgeStep } from "../src/namespaces/purge";
import { usage } from "../src/usage";
import { exports } from "cloudflare:workers";
import { ADMIN, api, createWebhook, received, uniqueKey, waitFor } from "./support/api";
import { namespaceToken } from "./support/db";
import { hookAt, seedOnDay } from "./support/deliveries";

const appEnv = env as unknown as AppEnv;
const db = env.SHARD_0;
const DAY = 86_400_000;

/** A namespace on SHARD_0 with a webhook, a delivered event today, one delivery seeded yesterday with a second attempt on record, and a token. */
async function populated() {
  const { ns, key, hook } = await hookAt("/ok");
  const published = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 } });
  expect(published.status).toBe(202);
  await waitFor(() => received(key), (r) => r.length === 1);
  const yesterday = await seedOnDay(db, generationAt(Date.now()) - 1, { ns, eventId: `evt_${uniqueKey()}`, webhookId: hook.id, at: Date.now() - DAY, status: "failed", attempts: 2 });
  await db
    .prepare(`INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers) VALUES (?1 * 1024 + 2, ?1, 2, 'automatic', 0, 1, 'x', '{}')`)
    .bind(yesterday)
    .run();
  const token = await namespaceToken(ns, ["webhooks:read", "events:publish"]);
  expect((await api("POST", `/v1/namespaces/${ns}/portal-links`, {})).status).toBe(201);
  return { ns, key, hook, token, yesterday };
}

/** Every row of the namespace in every table of its shard and of the control database. */
async function rowsOf(ns: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%`namespace`%'").all<{ name: string }>();
  for (const { name } of tables.results) {
    const n = (await db.prepare(`SELECT count(*) AS n FROM ${name} WHERE namespace = ?`).bind(ns).first<{ n: number }>())!.n;
    if (n) out[name] = n;
  }
  // Every control table with a namespace column, so a table added later is covered too.
  const control = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%`namespace`%'").all<{ name: string }>();
  for (const { name } of control.results) {
    const n = (await env.DB.prepare(`SELECT count(*) AS n FROM ${name} WHERE namespace = ?`).bind(ns).first<{ n: number }>())!.n;
    if (n) out[`control.${name}`] = n;
  }
  return out;
}

const attemptsOf = async (seq: number) => (await db.prepare("SELECT count(*) AS n FROM attempts WHERE delivery_seq = ?").bind(seq).first<{ n: number }>())!.n;

/** The deletion's settle time, as if it had passed. */
const settled = (ns: string) => env.DB.prepare("UPDATE namespace_shards SET status_at = ? WHERE namespace = ?").bind(Date.now() - PURGE_SETTLE_MS - 1, ns).run();

describe("GET /v1/namespaces/{ns} and the list", () => {
  it("shows its shard, status and counts to the admin and to its own token; other tokens and unknown namespaces get 404", async () => {
    const { ns, token } = await populated();
    const got = await api("GET", `/v1/namespaces/${ns}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ namespace: ns, shard: "SHARD_0", status: "active", webhooks: 1, events: 2, moving_to: null });
    expect((await api("GET", `/v1/namespaces/${ns}`, undefined, token)).status).toBe(200);
    const other = await populated();
    expect((await api("GET", `/v1/namespaces/${ns}`, undefined, other.token)).status).toBe(404);
    expect((await api("GET", `/v1/namespaces/nobody-${uniqueKey()}`)).status).toBe(404);
    // Deleting takes the admin.
    expect((await api("DELETE", `/v1/namespaces/${ns}`, undefined, token)).status).toBe(403);
  });

  it("lists every namespace by name, a page at a time", async () => {
    const a = await populated();
    const b = await populated();
    const seen: { namespace: string; webhooks: number }[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: { namespace: string; webhooks: number }[]; next_cursor: string | null } } = await api("GET", `/v1/admin/namespaces?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor);
    const names = seen.map((s) => s.namespace);
    expect(names).toEqual([...names].sort());
    expect(seen.find((s) => s.namespace === a.ns)).toMatchObject({ webhooks: 1, events: 2, status: "active", shard: "SHARD_0" });
    expect(names).toContain(b.ns);
    expect((await api("GET", "/v1/admin/namespaces", undefined, a.token)).status).toBe(403);
  });
});

/**
 * populated(), plus a polling webhook that handed out one more event: its
 * recorded item lies outside the event's range of deliveries.
 */
async function populatedWithPolledItem() {
  const doomed = await populated();
  const poller = await api("POST", `/v1/namespaces/${doomed.ns}/webhooks`, { name: "poller", mode: "poll", events: ["build.*"] });
  const third = await api("POST", `/v1/namespaces/${doomed.ns}/events`, { type: "build.finished", data: { n: 3 } });
  await waitFor(() => received(doomed.key), (r) => r.length === 2);
  const polled = await waitFor(
    () => api("GET", `/v1/namespaces/${doomed.ns}/webhooks/${poller.body.id}/poll?wait=5`),
    (r) => r.body.data?.length === 1,
  );
  expect(polled.body.data[0].event_id).toBe(third.body.id);
  return doomed;
}

describe("DELETE /v1/namespaces/{ns}", () => {
  it("purges everything of it on every day, the directory row last, and leaves other namespaces alone", async () => {
    const doomed = await populatedWithPolledItem();
    const other = await populated();
    const otherRows = await rowsOf(other.ns);
    expect(Object.keys(await rowsOf(doomed.ns))).toEqual(expect.arrayContaining(["webhooks", `events_g${generationAt(Date.now())}`, `deliveries_g${generationAt(Date.now()) - 1}`, "control.tokens", "control.portal_links"]));
    expect(await attemptsOf(doomed.yesterday)).toBe(1);

    expect((await api("DELETE", `/v1/namespaces/${doomed.ns}`)).status).toBe(202);
    expect((await api("GET", `/v1/namespaces/${doomed.ns}`)).body).toMatchObject({ namespace: doomed.ns, status: "deleting" });
    // Writes answer 409 meanwhile; its token and webhooks are gone at once; a second delete is the same 202.
    expect((await api("POST", `/v1/namespaces/${doomed.ns}/events`, { type: "build.finished", data: {} })).status).toBe(409);
    expect((await api("POST", `/v1/namespaces/${doomed.ns}/events`, { type: "build.finished", data: {} }, doomed.token)).status).toBe(401);
    expect((await api("DELETE", `/v1/namespaces/${doomed.ns}`)).status).toBe(202);

    // Until every Worker has seen it and attempts in flight have ended, the purge waits.
    expect((await purgeStep(appEnv, doomed.ns)).outcome).toBe("settling");
    const written = usage.d1RowsWritten;
    expect((await purgeStep(appEnv, doomed.ns, Date.now() + PURGE_SETTLE_MS)).outcome).toBe("done");
    // One written row per deleted row as D1 reports it: 3 events, 3 push deliveries, the polled item, 1 attempt,
    // the directory row (docs/operations.md). No token or webhook is left to delete by then.
    expect(usage.d1RowsWritten - written).toBe(3 + 3 + 1 + 1 + 1);

    expect(await rowsOf(doomed.ns)).toEqual({});
    expect(await attemptsOf(doomed.yesterday)).toBe(0);
    expect(await rowsOf(other.ns)).toEqual(otherRows);
    expect((await api("GET", `/v1/namespaces/${doomed.ns}`)).status).toBe(404);
    expect((await api("DELETE", `/v1/namespaces/${doomed.ns}`)).status).toBe(404);
    expect((await api("GET", `/v1/namespaces/${other.ns}`)).body.events).toBe(2);
  });

  it("a namespace with only tokens loses them at once; an unknown one is 404", async () => {
    const ns = `tokens-only-${uniqueKey()}`;
    const token = await namespaceToken(ns, ["webhooks:read"]);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`, undefined, token)).status).toBe(200);
    expect((await api("DELETE", `/v1/namespaces/${ns}`)).status).toBe(202);
    expect((await api("GET", `/v1/namespaces/${ns}/webhooks`, undefined, token)).status).toBe(401);
    expect(await rowsOf(ns)).toEqual({});
    expect((await api("DELETE", `/v1/namespaces/${ns}`)).status).toBe(404);
    expect((await api("DELETE", `/v1/namespaces/nobody-${uniqueKey()}`)).status).toBe(404);
  });

  it("a namespace from before shards (rows on a shard, no directory entry) is placed where its rows are, then deleted", async () => {
    const ns = `legacy-${uniqueKey()}`;
    await env.SHARD_1.prepare(`INSERT INTO webhooks (id, namespace, name, url, events, format, created_at, updated_at) VALUES (?, ?, 'h', 'https://example.com/', '["*"]', 'standard', 0, 0)`)
      .bind(`wh_${uniqueKey()}`, ns)
      .run();
    expect((await api("GET", `/v1/namespaces/${ns}`)).status).toBe(404);
    expect((await api("DELETE", `/v1/namespaces/${ns}`)).status).toBe(202);
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_1", status: "deleting", webhooks: 0 });
    expect((await env.SHARD_1.prepare("SELECT count(*) AS n FROM webhooks WHERE namespace = ?").bind(ns).first<{ n: number }>())!.n).toBe(0);
  });

  it("a step that crashes midway is retried by the queue and finishes from what is left", async () => {
    const doomed = await populatedWithPolledItem();
    const other = await populated();
    const otherRows = await rowsOf(other.ns);
    expect((await api("DELETE", `/v1/namespaces/${doomed.ns}`)).status).toBe(202);
    await settled(doomed.ns);

    // The shard drops its connection after the first day's chunk.
    let batches = 0;
    const flaky = {
      prepare: (sql: string) => db.prepare(sql),
      batch: (statements: D1PreparedStatement[]) => {
        if (++batches > 1) return Promise.reject(new Error("D1_ERROR: Network connection lost."));
        return db.batch(statements);
      },
    };
    const message = () => createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries", [{ id: "p1", timestamp: new Date(), attempts: 1, body: { d: 0, s: "SHARD_0", purge: doomed.ns } }]);
    const first = message();
    await handleDeliveryBatch(first, { ...appEnv, SHARD_0: flaky as unknown as D1Database });
    expect((await getQueueResult(first, createExecutionContext())).retryMessages.map((m) => m.msgId)).toEqual(["p1"]);
    const left = await rowsOf(doomed.ns);
    // Today's day went, yesterday's is still there, and so is the directory row.
    expect(left[`events_g${generationAt(Date.now())}`]).toBeUndefined();
    expect(left[`deliveries_g${generationAt(Date.now()) - 1}`]).toBe(1);
    expect(left["control.namespace_shards"]).toBe(1);

    const retry = message();
    await handleDeliveryBatch(retry, appEnv);
    expect((await getQueueResult(retry, createExecutionContext())).explicitAcks).toEqual(["p1"]);
    expect(await rowsOf(doomed.ns)).toEqual({});
    expect(await attemptsOf(doomed.yesterday)).toBe(0);
    expect(await rowsOf(other.ns)).toEqual(otherRows);
  });
});

describe("a purge whose message was lost", () => {
  it("is picked up by the cron's next ten-minute mark and finishes", async () => {
    const doomed = await populated();
    // Deleting, settled, and no message anywhere (as if it had been lost or dead-lettered).
    await env.DB.prepare("UPDATE namespace_shards SET status = 'deleting', status_at = ? WHERE namespace = ?").bind(Date.now() - PURGE_SETTLE_MS - 1, doomed.ns).run();
    const ctx = createExecutionContext();
    const mark = Math.ceil(Date.now() / (PURGE_REDRIVE_MINUTES * 60_000)) * PURGE_REDRIVE_MINUTES * 60_000;
    await worker.scheduled(createScheduledController({ scheduledTime: mark, cron: "* * * * *" }), appEnv, ctx);
    await waitOnExecutionContext(ctx);
    await waitFor(() => rowsOf(doomed.ns), (rows) => Object.keys(rows).length === 0);
    expect((await api("GET", `/v1/namespaces/${doomed.ns}`)).status).toBe(404);
  });
});

describe("GET /v1/namespaces/{ns}/export", () => {
  it("streams every webhook (no secret), event and delivery (with attempts), each as the API shows it", async () => {
    const { ns, key, hook, yesterday } = await populated();
    const second = await createWebhook(ns, { url: hook.url.replace(/\/ok\/.*/, `/ok/${key}`) });
    const published = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 2 } });
    await waitFor(() => received(key), (r) => r.length === 3);

    const res = await exports.default.fetch(new Request(`http://dispatcher.test/v1/namespaces/${ns}/export`, { headers: { authorization: `Bearer ${ADMIN}` } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const text = await res.text();
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });
    const kinds = lines.map((l) => l.kind);
    expect(kinds).toEqual([...kinds].sort((a, b) => ["webhook", "event", "delivery"].indexOf(a) - ["webhook", "event", "delivery"].indexOf(b)));

    const strip = ({ kind: _k, ...rest }: { kind: string }) => rest;
    const webhooks = (await api("GET", `/v1/namespaces/${ns}/webhooks`)).body.data;
    expect(lines.filter((l) => l.kind === "webhook").map(strip)).toEqual(webhooks);
    expect(text).not.toContain('"secret"');
    expect(webhooks.map((w: { id: string }) => w.id).sort()).toEqual([hook.id, second.id].sort());

    const events = lines.filter((l) => l.kind === "event").map(strip) as { id: string }[];
    expect(events).toHaveLength(3);
    for (const e of events) {
      const { body } = await api("GET", `/v1/namespaces/${ns}/events/${e.id}`);
      expect(e).toEqual({ id: body.id, type: body.type, data: body.data, ordering_key: body.ordering_key, created_at: body.created_at });
    }
    expect(events.map((e) => e.id)).toContain(published.body.id);

    const deliveries = lines.filter((l) => l.kind === "delivery").map(strip) as { id: string; attempts: unknown[] }[];
    expect(deliveries).toHaveLength(4);
    for (const d of deliveries) expect(d).toEqual((await api("GET", `/v1/namespaces/${ns}/deliveries/${d.id}`)).body);
    expect(deliveries.find((d) => d.id === `dlv_${yesterday.toString(36)}`)!.attempts).toHaveLength(1);
  });

  it("answers 404 for an unknown namespace", async () => {
    expect((await api("GET", `/v1/namespaces/nobody-${uniqueKey()}/export`)).status).toBe(404);
  });
});
