/**
 * Accepting an event: the event row and one delivery row per subscribed
 * webhook are written in ONE D1 batch (all or nothing), then one queue message
 * per delivery is sent. D1 is the record of what is owed; if sending fails,
 * or the Worker dies first, the recovery sweep re-enqueues the deliveries.
 */
import { ApiError } from "../errors";
import type { AppEnv, DeliveryMessage } from "../env";
import { namespaceEnv, shardDb, type ShardEnv } from "../db/shards";
import { randomId } from "../ids";
import { usage } from "../usage";
import { eventSystemOf } from "./carriage";
import { resolveEventType } from "./catalog";
import { payloadFilterSql } from "./payload-filter";
import { packData, storedDataSql, unpackData, type StoredData } from "./stored-data";
import { FORMAT_MATCH_SQL, SUBSCRIPTION_MATCH_SQL } from "./subscription";

export type PublishInput = { id?: string; type: string; data: unknown };

export type StoredEvent = { id: string; type: string; data: unknown; created_at: string };

export type PublishResult = {
  duplicate: boolean;
  event: StoredEvent;
  deliveries: number;
  deliverySeqs: number[];
};

export type FanOutOptions = {
  operational?: boolean;
  /** Deliver only to this webhook, subscribed to the type or not (the test ping). */
  onlyWebhookId?: string;
  /** Never deliver to this webhook (operational events about it). */
  excludeWebhookId?: string;
  /**
   * Hands the enqueueing to the runtime (ctx.waitUntil) so the caller can
   * answer as soon as the event is durable in D1; if the Worker dies before
   * the messages are sent, the recovery sweep sends them.
   */
  background?: (work: Promise<unknown>) => void;
  /** A test ping or "send example": deliveries are marked as a test on the wire. */
  test?: boolean;
};

/** Upper bound of event `e`'s delivery rowids (see events.first_delivery_seq). */
export const NEXT_EVENT_FIRST_SEQ = `coalesce((SELECT n.first_delivery_seq FROM events n WHERE n.seq > e.seq ORDER BY n.seq LIMIT 1), 9007199254740991)`;

/** Cloudflare Queues: at most 100 messages per sendBatch. */
const SEND_BATCH_LIMIT = 100;

export async function publishEvent(
  env: AppEnv,
  namespace: string,
  input: PublishInput,
  opts: FanOutOptions = {},
): Promise<PublishResult> {
  const senv = await namespaceEnv(env, namespace, "write");
  const db = shardDb(senv);
  const id = input.id ?? randomId("evt");
  const data = JSON.stringify(input.data ?? {});
  const now = Date.now();
  const def = resolveEventType(input.type);
  const system = def ? eventSystemOf(def, input.data) : "";

  // changes() = 1 holds only when this batch inserted the event: a re-post of
  // the same id (even a concurrent one) fans out nothing.
  const [inserted, fanned] = await db.batch<{ seq: number }>([
    db
      .prepare(
        `INSERT INTO events (namespace, id, type, data, created_at, system, test, first_delivery_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM deliveries))
         ON CONFLICT (namespace, id) DO NOTHING RETURNING seq`,
      )
      .bind(namespace, id, input.type, await packData(data), now, system, opts.test ? 1 : 0),
    db
      .prepare(
        `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, next_attempt_at, enqueued_at, created_at, updated_at)
         SELECT (SELECT seq FROM events WHERE namespace = ?3 AND id = ?4), w.id, w.namespace, ?1, ?5, ?5, ?5, ?5
         FROM webhooks w
         WHERE changes() = 1 AND w.namespace = ?3 AND w.active = 1
           AND (?6 IS NULL OR w.id = ?6) AND (?7 IS NULL OR w.id <> ?7)
           -- A delivery aimed at one webhook (the test ping) needs no subscription.
           AND (?6 IS NOT NULL OR ${SUBSCRIPTION_MATCH_SQL})
           AND ${FORMAT_MATCH_SQL}
           -- Payload filters (payload-filter.ts); the test ping skips them too.
           AND (?6 IS NOT NULL OR ${payloadFilterSql("?8")})
         RETURNING seq`,
      )
      .bind(input.type, opts.operational ? 1 : 0, namespace, id, now, opts.onlyWebhookId ?? null, opts.excludeWebhookId ?? null, data),
  ]);

  if (inserted.results.length === 0) {
    const existing = await getEvent(senv, namespace, id);
    if (!existing) throw new ApiError("internal_error", "event vanished during publish");
    if (existing.type !== input.type || JSON.stringify(existing.data) !== data) {
      throw new ApiError("event_id_conflict", `An event with id "${id}" was already published with a different body.`);
    }
    return { duplicate: true, event: existing, deliveries: existing.deliveries, deliverySeqs: [] };
  }

  const deliverySeqs = fanned.results.map((r) => r.seq);
  const enqueued = enqueueDeliveries(senv, deliverySeqs);
  if (opts.background) opts.background(enqueued);
  else await enqueued;
  return {
    duplicate: false,
    event: { id, type: input.type, data: input.data ?? {}, created_at: new Date(now).toISOString() },
    deliveries: deliverySeqs.length,
    deliverySeqs,
  };
}

/** One message per delivery, in chunks the queue accepts, sent together. Failures are left to the sweep. */
export async function enqueueDeliveries(env: ShardEnv, seqs: number[]): Promise<boolean> {
  const chunks: { body: DeliveryMessage }[][] = [];
  for (let i = 0; i < seqs.length; i += SEND_BATCH_LIMIT) chunks.push(seqs.slice(i, i + SEND_BATCH_LIMIT).map((d) => ({ body: { d, s: env.shard } })));
  const sent = await Promise.all(
    chunks.map(async (chunk) => {
      try {
        await env.DELIVERIES.sendBatch(chunk);
        usage.queueMessagesSent += chunk.length;
        return true;
      } catch (err) {
        console.error("enqueue failed; the recovery sweep will resend", { count: chunk.length, error: String(err) });
        return false;
      }
    }),
  );
  return sent.every(Boolean);
}

export async function getEvent(
  env: ShardEnv,
  namespace: string,
  id: string,
): Promise<(StoredEvent & { seq: number; deliveries: number }) | null> {
  const row = await shardDb(env)
    .prepare(
      `SELECT e.seq, e.type, json_object(${storedDataSql("e")}) AS stored, e.created_at,
         (SELECT count(*) FROM deliveries d WHERE d.seq >= e.first_delivery_seq AND d.seq < ${NEXT_EVENT_FIRST_SEQ} AND d.event_seq = e.seq) AS deliveries
       FROM events e WHERE e.namespace = ? AND e.id = ?`,
    )
    .bind(namespace, id)
    .first<{ seq: number; type: string; stored: string; created_at: number; deliveries: number }>();
  if (!row) return null;
  return {
    seq: row.seq,
    id,
    type: row.type,
    data: JSON.parse(await unpackData(JSON.parse(row.stored) as StoredData)),
    created_at: new Date(row.created_at).toISOString(),
    deliveries: row.deliveries,
  };
}
