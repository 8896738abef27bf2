/**
 * Nothing lost: atomic acceptance + the recovery sweep, the idempotent
 * consumer, a Worker killed at each step, dead letters and receiver
 * behaviour. The functions run for real (D1, queue, HTTP to the loopback
 * receiver) with an explicit `now`, so minutes of leases and backoffs pass
 * without waiting. Deliveries that must not meet the real queue consumer are
 * seeded far in the future (FUTURE): the consumer, on the real clock, finds
 * them not yet due.
 */
import { createExecutionContext, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleDeliveryBatch, processDeliveries, processDelivery } from "../src/delivery/consumer";
import { handleDeadLetters } from "../src/delivery/dead-letter";
import { RESPONSE_BODY_LIMIT } from "../src/delivery/http-attempt";
import { SWEEP_BATCH, SWEEP_NAMESPACE_CHUNK, sweepOverdueDeliveries } from "../src/delivery/recovery-sweep";
import type { AppEnv } from "../src/env";
import { publishEvent } from "../src/events/publish";
import { received, waitFor } from "./support/api";
import { onShard } from "../src/db/shards";
import { pinNamespace } from "./support/shards";
import { attemptRows, batchOf, deliveryRow, hookAt, seedOwed, todayTables, updateDeliveries, withQueuesDown } from "./support/deliveries";

// Consumer tests work on SHARD_0 (hookAt places their namespaces there; seqs are per shard).
const appEnv = onShard(env as unknown as AppEnv, "SHARD_0");
const MINUTE = 60_000;
/** A clock far ahead of the real one: the real consumer never finds these due. */
const FUTURE = Date.now() + 7 * 86_400_000;
/** The consumer's lease: DELIVERY_TIMEOUT_MS (2 s in tests) + 60 s. */
const LEASE_MS = 62_000;


/** The attempt row the consumer writes when attempt `attempt` of a delivery ends (a failed one here). */
async function recordAttempt(seq: number, attempt: number, at: number) {
  await env.SHARD_0.prepare(
    `INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers, response_status)
     VALUES (?1 * 1024 + ?2, ?1, ?2, 'automatic', ?3, 10, 'http://127.0.0.1/', '{}', 500)`,
  )
    .bind(seq, attempt, at)
    .run();
}

const die = (where: string) => () => {
  throw new Error(`simulated Worker death ${where}`);
};

describe("atomic acceptance and the recovery sweep", () => {
  it("delivers an accepted event whose message never went out, once the sweep finds it a minute overdue", async () => {
    const { ns, key } = await hookAt("/ok");
    const queueDown = withQueuesDown(appEnv, "DELIVERIES");
    const accepted = await publishEvent(queueDown, ns, { type: "build.finished", data: { n: 1 } });
    expect(accepted.deliveries).toBe(1);
    const [seq] = accepted.deliverySeqs;
    const owed = await deliveryRow(seq);
    // No message went out (the queue refused it): nothing claimed it, nothing reached the receiver.
    expect(owed).toMatchObject({ status: "pending", attempts: 0 });
    expect(await received(key)).toHaveLength(0);

    // Less than a minute overdue: left alone.
    await sweepOverdueDeliveries(appEnv, owed.created_at + 59_000);
    expect(await deliveryRow(seq)).toMatchObject({ enqueued_at: owed.created_at, attempts: 0 });
    // More than a minute: re-enqueued, and the real queue consumer delivers it.
    await sweepOverdueDeliveries(appEnv, owed.created_at + 61_000);
    expect((await deliveryRow(seq)).enqueued_at).toBe(owed.created_at + 61_000);
    const done = await waitFor(() => deliveryRow(seq), (d) => d.status !== "pending", 20_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1, last_response_status: 200 });
    const posts = await received(key);
    expect(posts).toHaveLength(1);
    expect(posts[0].headers["webhook-id"]).toBe(accepted.event.id);
  });

  it("re-sends a delivery at most every 10 minutes once it was re-sent or had attempts", async () => {
    const { ns, hook } = await hookAt("/ok");
    const T = FUTURE + 1_000_000;
    const fresh = await seedOwed(ns, hook.id, T);
    const retried = await seedOwed(ns, hook.id, T, { attempts: 1, enqueuedAt: T - 5_000 });
    await recordAttempt(retried.seq, 1, T - 4_000); // its attempt is on record: waiting for a lost retry message
    const enqueuedAt = async (seq: number) => (await deliveryRow(seq)).enqueued_at;

    await sweepOverdueDeliveries(appEnv, T + 2 * MINUTE);
    expect(await enqueuedAt(fresh.seq)).toBe(T + 2 * MINUTE); // never attempted: first re-send after a minute
    expect(await enqueuedAt(retried.seq)).toBe(T - 5_000); // had an attempt: waits for 10 minutes

    await sweepOverdueDeliveries(appEnv, T + 5 * MINUTE);
    expect(await enqueuedAt(fresh.seq)).toBe(T + 2 * MINUTE); // re-sent 3 minutes ago: not again yet
    expect(await enqueuedAt(retried.seq)).toBe(T - 5_000);

    await sweepOverdueDeliveries(appEnv, T + 10 * MINUTE);
    expect(await enqueuedAt(retried.seq)).toBe(T + 10 * MINUTE);
    await sweepOverdueDeliveries(appEnv, T + 12 * MINUTE + 1);
    expect(await enqueuedAt(fresh.seq)).toBe(T + 12 * MINUTE + 1);
    await sweepOverdueDeliveries(appEnv, T + 19 * MINUTE);
    expect(await enqueuedAt(retried.seq)).toBe(T + 10 * MINUTE);
    await sweepOverdueDeliveries(appEnv, T + 20 * MINUTE + 1);
    expect(await enqueuedAt(retried.seq)).toBe(T + 20 * MINUTE + 1);

    // Settled deliveries are never re-sent.
    const settled = await seedOwed(ns, hook.id, T, { status: "succeeded", attempts: 1 });
    await sweepOverdueDeliveries(appEnv, T + 60 * MINUTE);
    expect(await enqueuedAt(settled.seq)).toBe(T);
  });

  it("runs the same rules on a compressed clock when SWEEP_GRACE_SECONDS / SWEEP_RESEND_BACKOFF_SECONDS say so (the soak's)", async () => {
    const { ns, hook } = await hookAt("/ok");
    const T = FUTURE + 1_500_000;
    const S = 1_000;
    const fresh = await seedOwed(ns, hook.id, T);
    const retried = await seedOwed(ns, hook.id, T, { attempts: 1, enqueuedAt: T - 5 * S });
    await recordAttempt(retried.seq, 1, T - 4 * S);
    const enqueuedAt = async (seq: number) => (await deliveryRow(seq)).enqueued_at;
    // With the defaults, 11 s overdue is nothing yet.
    await sweepOverdueDeliveries(appEnv, T + 11 * S);
    expect(await enqueuedAt(fresh.seq)).toBe(T);
    const fast = { ...appEnv, SWEEP_GRACE_SECONDS: "10", SWEEP_RESEND_BACKOFF_SECONDS: "30" };
    await sweepOverdueDeliveries(fast, T + 11 * S);
    expect(await enqueuedAt(fresh.seq)).toBe(T + 11 * S); // never attempted: after the 10 s grace
    expect(await enqueuedAt(retried.seq)).toBe(T - 5 * S); // had an attempt: waits 30 s from its last enqueue
    await sweepOverdueDeliveries(fast, T + 20 * S);
    expect(await enqueuedAt(fresh.seq)).toBe(T + 11 * S);
    expect(await enqueuedAt(retried.seq)).toBe(T - 5 * S);
    await sweepOverdueDeliveries(fast, T + 26 * S);
    expect(await enqueuedAt(retried.seq)).toBe(T + 26 * S);
    await sweepOverdueDeliveries(fast, T + 42 * S);
    expect(await enqueuedAt(fresh.seq)).toBe(T + 42 * S);
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET status = 'failed' WHERE namespace = ?", ns);
  });

  it("re-enqueues at most SWEEP_BATCH deliveries per run; the next run continues", async () => {
    const { ns, hook } = await hookAt("/ok");
    const T = FUTURE + 2_000_000;
    const extra = 30;
    // One event, many deliveries (a rowid range), written in one statement.
    const t = await todayTables();
    await env.SHARD_0.prepare(
      `INSERT INTO ${t.deliveries} (seq, event_seq, webhook_id, namespace, event_type, next_attempt_at, enqueued_at, created_at, updated_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?4)
       SELECT (SELECT coalesce(max(seq), ?5) FROM ${t.deliveries}) + i, 0, ?1, ?2, 'build.finished', ?3, ?3, ?3, ?3 FROM n`,
    )
      .bind(hook.id, ns, T, SWEEP_BATCH + extra, t.base)
      .run();
    const count = async (now: number) =>
      (await env.SHARD_0.prepare("SELECT count(*) AS n FROM all_deliveries WHERE namespace = ? AND enqueued_at = ?").bind(ns, now).first<{ n: number }>())!.n;
    const first = T + 2 * MINUTE;
    expect(await sweepOverdueDeliveries(appEnv, first)).toBe(SWEEP_BATCH);
    expect(await count(first)).toBeLessThanOrEqual(SWEEP_BATCH);
    const second = first + 1;
    await sweepOverdueDeliveries(appEnv, second);
    expect((await count(first)) + (await count(second))).toBe(SWEEP_BATCH + extra);
    // Settle them so later sweeps in this file are not filled with them.
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET status = 'failed' WHERE namespace = ?", ns);
  });
});

describe("the sweep after a crash, and across namespaces", () => {
  it("re-sends a dead claim at the first sweep after its lease, but never a delivery waiting for its retry", async () => {
    const { ns, hook } = await hookAt("/ok");
    const T = FUTURE + 2_500_000;
    // Claimed at T (lease to T + LEASE_MS), never recorded: its Worker died.
    const dead = await seedOwed(ns, hook.id, T - MINUTE, { attempts: 1, enqueuedAt: T - MINUTE });
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE seq = ?", T + LEASE_MS, T, dead.seq);
    // Attempt 1 recorded at T, its retry message waits in the queue for 5 minutes.
    const waiting = await seedOwed(ns, hook.id, T - MINUTE, { attempts: 1, enqueuedAt: T - MINUTE });
    await recordAttempt(waiting.seq, 1, T);
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE seq = ?", T + 5 * MINUTE, T, waiting.seq);

    const firstSweep = T + LEASE_MS + 30_000; // the first cron minute after the lease ended
    await sweepOverdueDeliveries(appEnv, firstSweep);
    expect((await deliveryRow(dead.seq)).enqueued_at).toBe(firstSweep);
    expect((await deliveryRow(waiting.seq)).enqueued_at).toBe(T - MINUTE);
    await sweepOverdueDeliveries(appEnv, T + 5 * MINUTE + 30_000); // its retry is due but not a minute overdue
    expect((await deliveryRow(waiting.seq)).enqueued_at).toBe(T - MINUTE);
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET status = 'failed' WHERE namespace = ?", ns);
  });

  it("serves every namespace in one run: a big backlog in one cannot starve a small one in another", async () => {
    const T = FUTURE + 2_700_000;
    const big = await hookAt("/ok");
    const small = await hookAt("/ok");
    const t = await todayTables();
    const seed = (ns: string, webhookId: string, n: number) =>
      env.SHARD_0.prepare(
        `INSERT INTO ${t.deliveries} (seq, event_seq, webhook_id, namespace, event_type, next_attempt_at, enqueued_at, created_at, updated_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?4)
         SELECT (SELECT coalesce(max(seq), ?5) FROM ${t.deliveries}) + i, 0, ?1, ?2, 'build.finished', ?3, ?3, ?3, ?3 FROM n`,
      )
        .bind(webhookId, ns, T, n, t.base)
        .run();
    // The big namespace's backlog comes first in seq order and alone exceeds a run.
    await seed(big.ns, big.hook.id, SWEEP_BATCH + 100);
    await seed(small.ns, small.hook.id, 3);
    const now = T + 2 * MINUTE;
    const count = async (ns: string) =>
      (await env.SHARD_0.prepare("SELECT count(*) AS n FROM all_deliveries WHERE namespace = ? AND enqueued_at = ?").bind(ns, now).first<{ n: number }>())!.n;
    expect(await sweepOverdueDeliveries(appEnv, now)).toBe(SWEEP_BATCH);
    expect(await count(small.ns)).toBe(3);
    expect(await count(big.ns)).toBeGreaterThanOrEqual(SWEEP_BATCH - 3 - SWEEP_NAMESPACE_CHUNK * 4);
    await updateDeliveries(env.SHARD_0, "UPDATE deliveries SET status = 'failed' WHERE namespace IN (?, ?)", big.ns, small.ns);
  });
});

describe("idempotent consumer", () => {
  it("the same message twice in one batch, then again: one POST, one attempt row, every message acked", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const { seq, eventId } = await seedOwed(ns, hook.id, Date.now());
    const batch = batchOf("ci-webhooks-deliveries", [seq, seq]);
    const ctx = createExecutionContext();
    await handleDeliveryBatch(batch, appEnv);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(batch.messages.map((m) => m.id).sort());
    expect(result.retryMessages).toEqual([]);

    const again = batchOf("ci-webhooks-deliveries", [seq]);
    await handleDeliveryBatch(again, appEnv);
    expect((await getQueueResult(again, createExecutionContext())).explicitAcks).toEqual([again.messages[0].id]);

    const posts = await received(key);
    expect(posts).toHaveLength(1);
    expect(posts[0].headers["webhook-id"]).toBe(eventId);
    expect(await attemptRows(seq)).toHaveLength(1);
    expect(await deliveryRow(seq)).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("two concurrent consumers of one delivery: exactly one POST", async () => {
    const { ns, key, hook } = await hookAt("/slow/300");
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    const now = Date.now();
    const [a, b] = await Promise.all([processDelivery(appEnv, seq, now), processDelivery(appEnv, seq, now)]);
    expect([a.kind, b.kind].sort()).toEqual(["settled", "skipped"]);
    expect(await received(key)).toHaveLength(1);
    expect(await attemptRows(seq)).toHaveLength(1);
  });

  it("a message for a delivery that already succeeded sends nothing", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const { seq } = await seedOwed(ns, hook.id, Date.now(), { status: "succeeded", attempts: 1 });
    const batch = batchOf("ci-webhooks-deliveries", [seq]);
    await handleDeliveryBatch(batch, appEnv);
    expect((await getQueueResult(batch, createExecutionContext())).explicitAcks).toEqual([batch.messages[0].id]);
    expect(await received(key)).toHaveLength(0);
    expect(await attemptRows(seq)).toHaveLength(0);
  });
});

describe("a Worker killed at each step", () => {
  it("after the claim: no POST; the lease holds off other consumers; sweep + consumer finish it", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const T = FUTURE + 3_000_000;
    const { seq, eventId } = await seedOwed(ns, hook.id, T);
    await expect(processDelivery(appEnv, seq, T, { afterClaim: die("after the claim") })).rejects.toThrow(/simulated/);
    expect(await deliveryRow(seq)).toMatchObject({ status: "pending", attempts: 1, next_attempt_at: T + LEASE_MS });
    expect(await received(key)).toHaveLength(0);

    // A duplicate message while the lease runs: nothing is sent.
    expect(await processDelivery(appEnv, seq, T + 30_000)).toEqual({ kind: "skipped" });
    // The sweep leaves the claim alone while its lease runs...
    await sweepOverdueDeliveries(appEnv, T + LEASE_MS - 1);
    expect((await deliveryRow(seq)).enqueued_at).toBe(T);
    // ...and re-sends it at the first sweep after the lease (the Worker holding it died), once per claim:
    const recovery = T + LEASE_MS + 1;
    await sweepOverdueDeliveries(appEnv, recovery);
    expect((await deliveryRow(seq)).enqueued_at).toBe(recovery);
    await sweepOverdueDeliveries(appEnv, recovery + MINUTE);
    expect((await deliveryRow(seq)).enqueued_at).toBe(recovery);
    // If that message is lost as well, the sweep backs off as for any re-send: 10 minutes.
    await sweepOverdueDeliveries(appEnv, recovery + 9 * MINUTE);
    expect((await deliveryRow(seq)).enqueued_at).toBe(recovery);
    const again = recovery + 10 * MINUTE + 1;
    await sweepOverdueDeliveries(appEnv, again);
    expect((await deliveryRow(seq)).enqueued_at).toBe(again);
    // The re-sent message reaches a consumer:
    expect(await processDelivery(appEnv, seq, again)).toMatchObject({ kind: "settled", status: "succeeded" });

    expect(await deliveryRow(seq)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect((await attemptRows(seq)).map((a) => [a.attempt, a.response_status])).toEqual([[2, 200]]);
    const posts = await received(key);
    expect(posts.map((p) => p.headers["webhook-id"])).toEqual([eventId]);
  });

  it("after the fetch (a 2xx lost): re-sent after the lease with the same webhook-id, then on record", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const T = FUTURE + 4_000_000;
    const { seq, eventId } = await seedOwed(ns, hook.id, T);
    await expect(processDelivery(appEnv, seq, T, { afterFetch: die("after the fetch") })).rejects.toThrow(/simulated/);
    expect(await received(key)).toHaveLength(1);
    expect(await attemptRows(seq)).toHaveLength(0);
    expect(await deliveryRow(seq)).toMatchObject({ status: "pending", attempts: 1 });

    const recovery = T + LEASE_MS + 1;
    await sweepOverdueDeliveries(appEnv, recovery);
    expect((await deliveryRow(seq)).enqueued_at).toBe(recovery);
    await processDelivery(appEnv, seq, recovery);

    expect(await deliveryRow(seq)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(await attemptRows(seq)).toHaveLength(1);
    const posts = await received(key);
    expect(posts).toHaveLength(2);
    expect(posts.map((p) => p.headers["webhook-id"])).toEqual([eventId, eventId]);
  });

  it("after the fetch with a failing receiver: retries go on and the delivery ends failed with attempts on record", async () => {
    const { ns, key, hook } = await hookAt("/status/500");
    const T = FUTURE + 5_000_000;
    const { seq } = await seedOwed(ns, hook.id, T);
    await expect(processDelivery(appEnv, seq, T, { afterFetch: die("after the fetch") })).rejects.toThrow(/simulated/);
    let now = T + 11 * MINUTE;
    await sweepOverdueDeliveries(appEnv, now);
    // The consumer runs each time the delivery is due (test schedule 5,1,1,1,1,1,1: 8 attempts).
    for (let i = 0; i < 10 && (await deliveryRow(seq)).status === "pending"; i++) {
      const row = await deliveryRow(seq);
      now = Math.max(now, row.next_attempt_at);
      await processDelivery(appEnv, seq, now);
    }
    const row = await deliveryRow(seq);
    expect(row).toMatchObject({ status: "failed", failure_reason: "attempts_exhausted", attempts: 8 });
    const attempts = await attemptRows(seq);
    expect(attempts.map((a) => a.attempt)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.every((a) => a.response_status === 500)).toBe(true);
    expect(await received(key)).toHaveLength(8);
  });

  it("before the ack of a succeeded delivery: the redelivered message sends nothing and is acked", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    // Everything the handler does before acking, then death: the message is never acked.
    await processDeliveries(appEnv, [seq], Date.now());
    expect(await deliveryRow(seq)).toMatchObject({ status: "succeeded" });
    // The queue redelivers the unacked message.
    const again = batchOf("ci-webhooks-deliveries", [seq]);
    await handleDeliveryBatch(again, appEnv);
    expect((await getQueueResult(again, createExecutionContext())).explicitAcks).toEqual([again.messages[0].id]);
    expect(await received(key)).toHaveLength(1);
    expect(await attemptRows(seq)).toHaveLength(1);
  });

  it("before the retry of a failed attempt: the lost retry message is replaced by the sweep", async () => {
    const { ns, key, hook } = await hookAt("/fail/1");
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    // The first attempt is recorded (500, retry in 5 s), then the Worker dies before message.retry().
    expect(await processDelivery(appEnv, seq, Date.now())).toMatchObject({ kind: "retry" });
    expect(await deliveryRow(seq)).toMatchObject({ status: "pending", attempts: 1, last_response_status: 500 });
    // The queue redelivers the original message: not due yet, so it is skipped (and acked).
    expect(await processDelivery(appEnv, seq, Date.now())).toEqual({ kind: "skipped" });

    // No message is left in flight; the sweep replaces it (10 minutes after the last enqueue),
    // and the replacement reaches a consumer (this call or the real queue consumer: one of them claims it).
    const recovery = Date.now() + 11 * MINUTE;
    await sweepOverdueDeliveries(appEnv, recovery);
    expect((await deliveryRow(seq)).enqueued_at).toBe(recovery);
    await processDelivery(appEnv, seq, recovery);
    const done = await waitFor(() => deliveryRow(seq), (d) => d.status !== "pending", 20_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    expect((await attemptRows(seq)).map((a) => a.response_status)).toEqual([500, 200]);
    expect(await received(key)).toHaveLength(2);
  });

  it("a batch whose processing throws is retried, never acked", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    const { seq } = await seedOwed(ns, hook.id, Date.now());
    const batch = batchOf("ci-webhooks-deliveries", [seq]);
    await handleDeliveryBatch(batch, appEnv, { afterFetch: die("after the fetch") });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([batch.messages[0].id]);
    expect(await received(key)).toHaveLength(1);
  });
});

describe("dead letters", () => {
  it("a dead-lettered message fails its pending delivery and leaves settled ones alone", async () => {
    const { ns, hook } = await hookAt("/ok");
    const T = FUTURE + 7_000_000;
    const pending = await seedOwed(ns, hook.id, T, { attempts: 3 });
    const succeeded = await seedOwed(ns, hook.id, T, { status: "succeeded", attempts: 1 });
    const failed = await seedOwed(ns, hook.id, T, { status: "failed", attempts: 8 });
    const batch = batchOf("ci-webhooks-deliveries-dlq", [pending.seq, succeeded.seq, failed.seq]);
    await handleDeadLetters(batch, appEnv);
    expect((await getQueueResult(batch, createExecutionContext())).ackAll).toBe(true);
    expect(await deliveryRow(pending.seq)).toMatchObject({ status: "failed", failure_reason: "dead_lettered", attempts: 3 });
    expect(await deliveryRow(succeeded.seq)).toMatchObject({ status: "succeeded", failure_reason: null });
    expect(await deliveryRow(failed.seq)).toMatchObject({ status: "failed", failure_reason: null });
  });
});

describe("receiver behaviour", () => {
  async function attemptAt(path: string) {
    const { ns, key, hook } = await hookAt(path);
    const { seq } = await seedOwed(ns, hook.id, FUTURE + 8_000_000);
    const outcome = await processDelivery(appEnv, seq, FUTURE + 8_000_000);
    const [attempt] = await attemptRows(seq);
    return { seq, key, outcome, attempt, row: await deliveryRow(seq) };
  }

  for (const status of [429, 502, 503, 504]) {
    it(`${status} with Retry-After stretches the next delay`, async () => {
      const { outcome, attempt, row } = await attemptAt(`/status/${status}/retry-after/120`);
      expect(attempt.response_status).toBe(status);
      expect(outcome).toMatchObject({ kind: "retry", delaySeconds: 120 });
      // Due a second before the queue's delay ends (see consumer.ts), i.e. 119 s after the attempt.
      const finished = row.next_attempt_at - 119_000;
      expect(finished).toBeGreaterThan(Date.now() - 30_000);
      expect(finished).toBeLessThanOrEqual(Date.now());
    });
  }

  it("500 with Retry-After keeps the schedule's delay", async () => {
    const { outcome } = await attemptAt("/status/500/retry-after/120");
    expect(outcome).toMatchObject({ kind: "retry" });
    expect(outcome.kind === "retry" && outcome.delaySeconds).toBeLessThanOrEqual(6); // 5 s + up to 10 % jitter
  });

  it("keeps only the first 4 KiB of a large body", async () => {
    const { attempt, row } = await attemptAt("/big");
    expect(row.status).toBe("succeeded");
    expect(attempt.response_body).toHaveLength(RESPONSE_BODY_LIMIT);
  });

  it("cuts a trickling receiver at the timeout", async () => {
    const { attempt, row, outcome } = await attemptAt("/trickle");
    // The 200 is on record when its headers beat the 2 s timeout; on a loaded 2-core machine the
    // test receiver (in vitest's own process) can be late with them too. Either way the body never ends: cut.
    expect([200, null]).toContain(attempt.response_status);
    expect(attempt.error_class).toBe("timeout");
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(1_900);
    expect(attempt.duration_ms).toBeLessThan(10_000);
    expect(row.status).toBe("pending");
    expect(outcome.kind).toBe("retry");
  });

  it("records a reset connection as a failed attempt with an error class", async () => {
    const { attempt, row, outcome } = await attemptAt("/reset");
    expect(attempt.response_status).toBeNull();
    expect(attempt.error_class).toMatch(/^(network|connection_refused)$/);
    expect(row.status).toBe("pending");
    expect(outcome.kind).toBe("retry");
  });

  it("times out a hanging receiver and schedules a retry", async () => {
    const { attempt, row, outcome } = await attemptAt("/hang");
    expect(attempt.error_class).toBe("timeout");
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(1_900);
    expect(outcome).toMatchObject({ kind: "retry" });
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row.next_attempt_at).toBeGreaterThan(Date.now());
  });
});

describe("a Worker that dies at every claim", () => {
  it("ends the delivery attempts_exhausted once its claims pass the schedule, without a POST", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    // Eight claims that died (the schedule allows 8 attempts); the ninth ends it.
    const { seq } = await seedOwed(ns, hook.id, FUTURE, { attempts: 8 });
    expect(await processDelivery(appEnv, seq, FUTURE + 1)).toEqual({ kind: "settled", status: "failed" });
    expect(await deliveryRow(seq)).toMatchObject({ status: "failed", failure_reason: "attempts_exhausted", attempts: 8 });
    expect(await received(key)).toHaveLength(0);
  });
});
