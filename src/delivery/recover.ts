/**
 * Recover a webhook: every `failed` delivery of it created since a time goes
 * back to `pending` (manual, like a redelivery) and gets one queue message.
 *
 * Bounded work (docs/owner-tools.md, recover; Cloudflare limits: 1,000
 * D1 queries per invocation, 100 messages per sendBatch):
 * - one chunk = one `UPDATE ... RETURNING` of at most RECOVER_CHUNK deliveries,
 *   read in (created_at, seq) order through the index deliveries_webhook_created,
 *   plus one sendBatch;
 * - the request does at most RECOVER_INLINE_CHUNKS chunks; if more remain it
 *   counts them (one read through the same index) and hands the rest to a
 *   queue message that carries the cursor, whose handler does ONE chunk and
 *   passes the cursor on again, to the back of the queue. So recoveries
 *   running at once (of several namespaces) take turns a chunk at a time,
 *   round-robin through the queue: a huge one cannot starve a small one.
 * The set is fixed when the request arrives: failed deliveries created in
 * [since, now]. The cursor only moves forward, so a recovered delivery that
 * fails again while the recovery is still running is not picked up twice.
 */
import { withGenerations } from "../db/generations";
import { shardDb, type ShardEnv } from "../db/shards";
import { countRecoverable, recoverChunk } from "../db/stores/delivery-recovery";
import type { DeliveryMessage } from "../env";
import { enqueueDeliveries } from "../events/publish";
import { usage } from "../usage";
import { MAX_ATTEMPT_NUMBER } from "./redeliver";

/** Deliveries per UPDATE and per sendBatch (the queue takes at most 100 per call). */
export const RECOVER_CHUNK = 100;
/** Chunks per invocation: 5 writes + 5 sendBatch calls, well inside one invocation's limits. */
export const RECOVER_INLINE_CHUNKS = 5;

/** Where a recovery stands: the next delivery after (c, s), created no later than `until`. */
export type RecoverCursor = NonNullable<DeliveryMessage["recover"]>;

export type RecoverBounds = { chunk: number; inlineChunks: number };

const DEFAULT_BOUNDS: RecoverBounds = { chunk: RECOVER_CHUNK, inlineChunks: RECOVER_INLINE_CHUNKS };
/** A continuation's turn: one chunk, then the cursor goes to the back of the queue. */
const CONTINUATION_BOUNDS: RecoverBounds = { chunk: RECOVER_CHUNK, inlineChunks: 1 };

/** Starts a recovery; answers how many deliveries it re-enqueues (the ones left to a queue message counted now). */
export async function recoverWebhook(
  env: ShardEnv,
  webhookId: string,
  since: number,
  now = Date.now(),
  bounds: RecoverBounds = DEFAULT_BOUNDS,
): Promise<number> {
  // seq > 0 holds for every row, so the first chunk starts at created_at >= since.
  const cursor: RecoverCursor = { w: webhookId, until: now, c: since, s: 0 };
  const { done, next } = await recoverChunks(env, cursor, now, bounds);
  if (!next) return done;
  const db = shardDb(env);
  const left = await withGenerations(db, (gens) => countRecoverable(db, gens, next, MAX_ATTEMPT_NUMBER));
  if (!left) return done;
  await continueLater(env, next);
  return done + left;
}

/** The queue handler of a recovery's continuation message. */
export async function continueRecovery(env: ShardEnv, cursor: RecoverCursor, now = Date.now()): Promise<void> {
  const { next } = await recoverChunks(env, cursor, now, CONTINUATION_BOUNDS);
  if (next) await continueLater(env, next);
}

async function continueLater(env: ShardEnv, cursor: RecoverCursor): Promise<void> {
  // d = 0 names no delivery, so a handler that only knows `d` skips it harmlessly.
  const message: DeliveryMessage = { d: 0, s: env.shard, recover: cursor };
  await env.DELIVERIES.send(message);
  usage.queueMessagesSent++;
}

async function recoverChunks(
  env: ShardEnv,
  start: RecoverCursor,
  now: number,
  bounds: RecoverBounds,
): Promise<{ done: number; next: RecoverCursor | null }> {
  const db = shardDb(env);
  let cursor = start;
  let done = 0;
  for (let i = 0; i < bounds.inlineChunks; i++) {
    const at = cursor;
    const results = await withGenerations(db, (gens) => recoverChunk(db, gens, at, MAX_ATTEMPT_NUMBER, now, bounds.chunk));
    if (results.length === 0) return { done, next: null };
    // RETURNING has no order: the cursor moves to the largest (created_at, seq) written.
    const last = results.reduce((a, b) => (b.createdAt > a.createdAt || (b.createdAt === a.createdAt && b.seq > a.seq) ? b : a));
    cursor = { ...cursor, c: last.createdAt, s: last.seq };
    done += results.length;
    // If sending fails, the recovery sweep sends these later (they are pending and due).
    await enqueueDeliveries(
      env,
      results.map((r) => r.seq),
    );
    if (results.length < bounds.chunk) return { done, next: null };
  }
  return { done, next: cursor };
}
