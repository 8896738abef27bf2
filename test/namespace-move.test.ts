/**
 * Moving a namespace between shards online (POST /v1/admin/namespaces/{ns}/move,
 * namespaces/move.ts, docs/shards.md "Moving a namespace"): with publishes
 * and retries going on, every delivery succeeds once and the log is the
 * same as before plus the new ones; bad input; a step that crashes midway
 * resumes. The real Worker in workerd, both shards, the real queue and a
 * loopback receiver that fails the first attempts. Steps are driven
 * directly with a later `now` instead of waiting MOVE_SETTLE_MS.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createGenerations, generationAt, listGenerations } from "../src/db/generations";
import type { AppEnv } from "../src/env";
import { MOVE_SETTLE_MS, moveStep, type MoveStep } from "../src/namespaces/move";
import { usage } from "../src/usage";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { deliveryRow, seedOnDay, seedOwed, updateDeliveries } from "./support/deliveries";
import { callWithEnv } from "./support/env-call";
import { pinNamespace } from "./support/shards";

const appEnv = env as unknown as AppEnv;
const DAY = 86_400_000;
const later = () => Date.now() + MOVE_SETTLE_MS + 1;
/** The directory row's last change, as if MOVE_SETTLE_MS had passed (steps then run at the real time, which the queue's delays follow). */
const settled = (ns: string) => env.DB.prepare("UPDATE namespace_shards SET status_at = ? WHERE namespace = ?").bind(Date.now() - MOVE_SETTLE_MS - 1, ns).run();

type Item = { id: string; status: string; attempts: number; event_id: string; webhook_id: string };

/** The namespace's whole delivery log as the API lists it, by id. */
async function log(ns: string): Promise<Map<string, Item>> {
  const out = new Map<string, Item>();
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { data: Item[]; next_cursor: string | null } } = await api("GET", `/v1/namespaces/${ns}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    for (const d of page.body.data) out.set(d.id, d);
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

const detail = async (ns: string, id: string) => (await api("GET", `/v1/namespaces/${ns}/deliveries/${id}`)).body;

/** Rows of the namespace on a shard, every table with a namespace column, and its attempt rows. */
async function rowsOn(db: D1Database, ns: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%`namespace`%'").all<{ name: string }>();
  for (const { name } of tables.results) {
    const n = (await db.prepare(`SELECT count(*) AS n FROM ${name} WHERE namespace = ?`).bind(ns).first<{ n: number }>())!.n;
    if (n) out[name] = n;
  }
  return out;
}

const publish = (ns: string, n: number, big = false) =>
  api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n, pad: big ? "x".repeat(2_000) : "" } });

/** Runs steps until `until` says stop (a step waiting on an attempt running on the old shard is run again shortly). */
async function stepUntil(ns: string, outcome: MoveStep["outcome"], stepEnv: AppEnv = appEnv): Promise<MoveStep> {
  let at: string | undefined;
  return waitFor(
    async () => {
      await settled(ns);
      const step = await moveStep(stepEnv, ns, at);
      if (step.at) at = step.at;
      return step;
    },
    (s) => s.outcome === outcome,
    90_000,
    300,
  );
}

/** A namespace on SHARD_0 with a webhook whose receiver fails its first 3 requests and one that accepts all, and a settled delivery yesterday. */
async function populated() {
  const ns = uniqueKey("mv");
  await pinNamespace(ns, "SHARD_0");
  const failKey = uniqueKey();
  const okKey = uniqueKey();
  const failing = await createWebhook(ns, { url: receiverUrl(`/fail/3/${failKey}`) });
  const ok = await createWebhook(ns, { url: receiverUrl(`/ok/${okKey}`) });
  const yesterday = await seedOnDay(env.SHARD_0, generationAt(Date.now()) - 1, {
    ns,
    eventId: `evt_${uniqueKey()}`,
    webhookId: ok.id,
    at: Date.now() - DAY,
    status: "succeeded",
    attempts: 1,
  });
  return { ns, failKey, okKey, failing, ok, yesterday };
}

describe("POST /v1/admin/namespaces/{ns}/move", () => {
  it("moves a namespace while publishes and retries go on: every delivery succeeds once, ids and log unchanged", async () => {
    const { ns, failKey, okKey, failing, yesterday } = await populated();
    // Two events before the move: their first attempts at the failing hook fail (retried 5 s later), the other hook's succeed.
    for (let n = 1; n <= 2; n++) expect((await publish(ns, n, n === 2)).status).toBe(202);
    await waitFor(() => received(okKey), (r) => r.length === 2);
    await waitFor(() => received(failKey), (r) => r.length === 2);
    const before = await log(ns);
    expect(before.size).toBe(5);
    const settledBefore = [...before.values()].filter((d) => d.status !== "pending");
    const detailsBefore = new Map(await Promise.all(settledBefore.map(async (d) => [d.id, await detail(ns, d.id)] as const)));

    const started = await api("POST", `/v1/admin/namespaces/${ns}/move`, { to: "SHARD_1" });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ namespace: ns, status: "moving" });
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_0", status: "moving", moving_to: "SHARD_1" });
    // Owner writes are frozen; publishing is not.
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${failing.id}`, { name: "renamed" })).status).toBe(409);
    expect((await api("POST", `/v1/namespaces/${ns}/webhooks`, { name: "new", url: receiverUrl(`/ok/${uniqueKey()}`), events: ["*"] })).status).toBe(409);
    expect((await publish(ns, 3)).status).toBe(202);

    // Not before every Worker has seen the mark.
    expect((await moveStep(appEnv, ns)).outcome).toBe("settling");
    await stepUntil(ns, "switched");
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_1", status: "moving", moving_to: "SHARD_1" });
    // Publishes land on the new shard from now on.
    expect((await publish(ns, 4)).status).toBe(202);
    expect((await publish(ns, 5, true)).status).toBe(202);

    await stepUntil(ns, "done");
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_1", status: "active", moving_to: null, webhooks: 2, events: 6 });
    expect(await rowsOn(env.SHARD_0, ns)).toEqual({});

    // Everything ends succeeded, on the new shard.
    const after = new Map(
      (await waitFor(async () => [...(await log(ns)).entries()], (l) => l.length === 11 && l.every(([, d]) => d.status === "succeeded"), 60_000, 500)),
    );
    for (const [id, d] of before) {
      expect(after.get(id), id).toMatchObject({ event_id: d.event_id, webhook_id: d.webhook_id });
    }
    for (const [id, d] of detailsBefore) expect(await detail(ns, id), id).toEqual(d);
    expect(after.has(`dlv_${yesterday.toString(36)}`)).toBe(true);
    // Delivered once each: the failing hook's 3 failures plus one success per delivery, the other hook one request each.
    const hookDeliveries = (webhookId: string) => [...after.values()].filter((d) => d.webhook_id === webhookId).length;
    expect((await received(failKey)).length).toBe(3 + hookDeliveries(failing.id));
    expect((await received(okKey)).length).toBe(5);
    const failingAttempts = [...after.values()].filter((d) => d.webhook_id === failing.id).reduce((n, d) => n + d.attempts, 0);
    expect(failingAttempts).toBe(3 + hookDeliveries(failing.id));
    // The compressed event body came across intact.
    const bigEvent = [...after.values()].find((d) => d.webhook_id === failing.id && !before.has(d.id));
    expect(bigEvent).toBeDefined();
    const events = await Promise.all([...new Set([...after.values()].map((d) => d.event_id))].map((id) => api("GET", `/v1/namespaces/${ns}/events/${id}`)));
    expect(events.every((e) => e.status === 200)).toBe(true);
    expect(events.filter((e) => e.body.data?.pad?.length === 2_000)).toHaveLength(2);
    // Owner writes work again.
    expect((await api("PATCH", `/v1/namespaces/${ns}/webhooks/${failing.id}`, { name: "renamed" })).status).toBe(200);
  }, 180_000);

  it("refuses bad input: an unknown, closed or its own shard 422, a second move or a deletion 409, an unknown namespace 404, a namespace token 403", async () => {
    const { ns } = await populated();
    const other = await populated();
    const move = (name: string, body: unknown, token?: string) => api("POST", `/v1/admin/namespaces/${name}/move`, body, token);
    expect((await move(ns, { to: "SHARD_9" })).body.error.code).toBe("validation_failed");
    expect((await move(ns, { to: "SHARD_9" })).status).toBe(422);
    expect((await move(ns, { to: "SHARD_0" })).status).toBe(422);
    expect((await move(ns, {})).status).toBe(422);
    expect((await move(ns, { to: "SHARD_1", extra: 1 })).status).toBe(422);
    expect((await callWithEnv({ ...appEnv, SHARDS_CLOSED: "SHARD_1" }, "POST", `/v1/admin/namespaces/${ns}/move`, { to: "SHARD_1" })).status).toBe(422);
    expect((await move(`nobody-${uniqueKey()}`, { to: "SHARD_1" })).status).toBe(404);
    expect((await move(ns, { to: "SHARD_1" }, "not-a-token")).status).toBe(401);

    expect((await move(ns, { to: "SHARD_1" })).status).toBe(202);
    const second = await move(ns, { to: "SHARD_1" });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("conflict");
    expect((await api("DELETE", `/v1/namespaces/${ns}`)).status).toBe(409);

    const polling = await populated();
    expect((await api("POST", `/v1/namespaces/${polling.ns}/webhooks`, { name: "polled", mode: "poll", events: ["*"] })).status).toBe(201);
    expect((await move(polling.ns, { to: "SHARD_1" })).status).toBe(409);

    expect((await api("DELETE", `/v1/namespaces/${other.ns}`)).status).toBe(202);
    expect((await move(other.ns, { to: "SHARD_1" })).status).toBe(409);

    // The first move still ends.
    await stepUntil(ns, "switched");
    await stepUntil(ns, "done");
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_1", status: "active" });
  }, 120_000);

  it("a step that crashes midway is run again and finishes: nothing lost, nothing sent twice", async () => {
    const { ns, failKey, failing } = await populated();
    expect((await publish(ns, 1)).status).toBe(202);
    await waitFor(() => received(failKey), (r) => r.length === 1);
    expect((await api("POST", `/v1/admin/namespaces/${ns}/move`, { to: "SHARD_1" })).status).toBe(202);

    // The copy: the target drops its connection after the first batch; the retried step (same cursor) finishes it.
    let writes = 0;
    const flakyTarget = {
      prepare: (sql: string) => env.SHARD_1.prepare(sql),
      batch: (statements: D1PreparedStatement[]) => (++writes > 1 ? Promise.reject(new Error("D1_ERROR: Network connection lost.")) : env.SHARD_1.batch(statements)),
    };
    await expect(moveStep({ ...appEnv, SHARD_1: flakyTarget as unknown as D1Database }, ns, undefined, later())).rejects.toThrow(/briefly unavailable/);
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_0", status: "moving" });
    await stepUntil(ns, "switched");

    // The drain: the source fails right after the target has its copy, before the source's rows are deleted.
    let sourceBatches = 0;
    const flakySource = {
      prepare: (sql: string) => env.SHARD_0.prepare(sql),
      batch: (statements: D1PreparedStatement[]) => (++sourceBatches > 1 ? Promise.reject(new Error("D1_ERROR: Network connection lost.")) : env.SHARD_0.batch(statements)),
    };
    await waitFor(
      async () => {
        sourceBatches = 0;
        await settled(ns);
        return moveStep({ ...appEnv, SHARD_0: flakySource as unknown as D1Database }, ns).then(
          () => "no crash",
          (err: unknown) => String(err),
        );
      },
      (r) => /briefly unavailable/.test(r),
      30_000,
      300,
    );
    // Both shards hold the chunk now; only one of them may send it (the old copy is parked).
    expect(await rowsOn(env.SHARD_0, ns)).toMatchObject({ webhooks: 2 });
    await stepUntil(ns, "done");
    expect(await rowsOn(env.SHARD_0, ns)).toEqual({});
    const after = new Map(
      (await waitFor(async () => [...(await log(ns)).entries()], (l) => l.length === 3 && l.every(([, d]) => d.status === "succeeded"), 60_000, 500)),
    );
    const failingOne = [...after.values()].find((d) => d.webhook_id === failing.id)!;
    // 3 failures then one success, never two at once.
    expect(failingOne.attempts).toBe(4);
    expect((await received(failKey)).length).toBe(4);
  }, 180_000);

  it("a delivery whose attempt is running on the old shard is recorded there and moves afterwards, settled", async () => {
    const { ns, ok } = await populated();
    // Claimed on SHARD_0 (attempt 1, lease a minute ahead), its attempt not yet recorded: an attempt is running there.
    const { seq } = await seedOwed(ns, ok.id, Date.now(), { attempts: 1 });
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE seq = ?", Date.now() + 60_000, Date.now(), seq);
    expect((await api("POST", `/v1/admin/namespaces/${ns}/move`, { to: "SHARD_1" })).status).toBe(202);
    await stepUntil(ns, "switched");
    await settled(ns);
    // Not parked, not copied: it stays on the old shard while the attempt runs.
    expect((await moveStep(appEnv, ns)).outcome).toBe("waiting");
    expect(await deliveryRow(seq, env.SHARD_0)).toMatchObject({ status: "pending", attempts: 1 });
    expect(await env.SHARD_1.prepare(`SELECT count(*) AS n FROM all_deliveries WHERE seq = ?`).bind(seq).first<{ n: number }>()).toEqual({ n: 0 });
    // The attempt ends and is recorded on the old shard, as the consumer there would.
    await updateDeliveries(
      env.SHARD_0,
      "UPDATE deliveries SET status = 'succeeded', next_attempt_at = ?, first_started_at = ?, first_duration_ms = 12, first_response_status = 200, last_response_status = 200 WHERE seq = ?",
      Date.now(),
      Date.now(),
      seq,
    );
    await stepUntil(ns, "done");
    const moved = await api("GET", `/v1/namespaces/${ns}/deliveries/dlv_${seq.toString(36)}`);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: "succeeded", attempts: [expect.objectContaining({ attempt: 1, response_status: 200, duration_ms: 12 })] });
    expect(await rowsOn(env.SHARD_0, ns)).toEqual({});
  }, 120_000);

  it("costs one written row per row copied and per row deleted (docs/operations.md)", async () => {
    const { ns } = await populated();
    // The source's days exist on the target before measuring (creating a day's tables is the day's cost, not the move's).
    await createGenerations(env.SHARD_1, (await listGenerations(env.SHARD_0)).filter((g) => g > 0));
    const written = usage.d1RowsWritten;
    expect((await api("POST", `/v1/admin/namespaces/${ns}/move`, { to: "SHARD_1" })).status).toBe(202);
    expect(usage.d1RowsWritten - written).toBe(2);
    await stepUntil(ns, "switched");
    expect(usage.d1RowsWritten - written).toBe(2 + 10);
    await stepUntil(ns, "done");
    // As the local D1 reports them: mark 2 (the row, its namespace_shards_busy entry); copy 10: 2 webhooks at 3 (row, id key,
    // name index), the event 1, the delivery 2 (row, log index), the switch 1; drain 6: the delivery (its slice's top, so blanked)
    // 2, the event 1, 2 webhooks deleted 1 each, the end 1. Writing rows the target already has writes nothing.
    expect(usage.d1RowsWritten - written).toBe(2 + 10 + 6);
    expect(await rowsOn(env.SHARD_1, ns)).toMatchObject({ webhooks: 2, [`events_g${generationAt(Date.now()) - 1}`]: 1, [`deliveries_g${generationAt(Date.now()) - 1}`]: 1 });

    // And back: the blank row its delivery left on SHARD_0 (its slice's top) takes the row again; the log is the same.
    const logThere = await log(ns);
    expect((await api("POST", `/v1/admin/namespaces/${ns}/move`, { to: "SHARD_0" })).status).toBe(202);
    await stepUntil(ns, "switched");
    await stepUntil(ns, "done");
    expect((await api("GET", `/v1/namespaces/${ns}`)).body).toMatchObject({ shard: "SHARD_0", status: "active" });
    expect(await log(ns)).toEqual(logThere);
    expect(await rowsOn(env.SHARD_1, ns)).toEqual({});
  }, 120_000);

  it("an unmoved namespace's first-try delivery writes the same rows on either shard's slice (5 at fan-out 1)", async () => {
    for (const shard of ["SHARD_0", "SHARD_1"]) {
      const ns = uniqueKey("rows");
      await pinNamespace(ns, shard);
      const key = uniqueKey();
      await createWebhook(ns, { url: receiverUrl(`/ok/${key}`) });
      // The first publish of a day on a shard can create its tables; warm up once.
      expect((await publish(ns, 0)).status).toBe(202);
      await waitFor(() => received(key), (r) => r.length === 1);
      await waitFor(() => log(ns), (l) => [...l.values()].every((d) => d.status === "succeeded"));
      const written = usage.d1RowsWritten;
      expect((await publish(ns, 1)).status).toBe(202);
      await waitFor(() => log(ns), (l) => l.size === 2 && [...l.values()].every((d) => d.status === "succeeded"));
      expect(usage.d1RowsWritten - written, shard).toBe(5);
      const ids = [...(await log(ns)).keys()].map((id) => parseInt(id.slice(4), 36));
      // Each shard hands out seqs in its own slice of the day.
      const slot = shard === "SHARD_0" ? 0 : 1;
      for (const seq of ids) expect(Math.floor((seq % 2 ** 28) / 2 ** 22), shard).toBe(slot);
    }
  });
});
