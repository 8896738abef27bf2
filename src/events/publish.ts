/**
 * Accepting an event: the event row and one delivery row per subscribed
 * webhook are written in ONE D1 batch (all or nothing), then one queue message
 * per delivery is sent. D1 is the record of what is owed; if sending fails,
 * or the Worker dies first, the recovery sweep re-enqueues the deliveries.
 */
import { ApiError } from "../errors";
import type { AppEnv, DeliveryMessage } from "../env";
import type { RawRow } from "../db/columns";
import { namespaceEnv, seqSlot, shardDb, type ShardEnv } from "../db/shards";
import { generationAt, inGeneration } from "../db/generations";
import { fannedOutSeqs, fanOutStatement } from "../db/stores/deliveries";
import { eventById, insertEventStatement } from "../db/stores/events";
import { randomId } from "../ids";
import { usage } from "../usage";
import { eventSystemOf } from "./carriage";
import { resolveEventType } from "./catalog";
import { packData, unpackData, type StoredData } from "./stored-data";

export type PublishInput = { id?: string; type: string; data: unknown; orderingKey?: string };

export type StoredEvent = { id: string; type: string; data: unknown; ordering_key: string | null; created_at: string };

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
  const slot = seqSlot(senv);
  const id = input.id ?? randomId("evt");
  const data = JSON.stringify(input.data ?? {});
  const now = Date.now();
  const def = resolveEventType(input.type);
  const system = def ? eventSystemOf(def, input.data) : "";
  const orderingKey = input.orderingKey ?? null;

  // One transaction: the deliveries, then the event that counts them. Both
  // write only if the id is new on every day, so a re-post of the same id
  // (even a concurrent one) fans out nothing. Both go to the day's tables
  // (db/generations.ts), created by the day's first publish.
  const g = generationAt(now);
  const packed = await packData(data);
  const [fanned, inserted] = await inGeneration(db, g, () =>
    db.batch<RawRow>([
      fanOutStatement(db, g, {
        type: input.type,
        operational: opts.operational ?? false,
        namespace,
        eventId: id,
        system,
        now,
        onlyWebhookId: opts.onlyWebhookId ?? null,
        excludeWebhookId: opts.excludeWebhookId ?? null,
        data,
        orderingKey,
        slot,
      }),
      insertEventStatement(db, g, { namespace, id, type: input.type, data: packed, createdAt: now, system, test: opts.test ?? false, orderingKey, slot }),
    ]),
  );

  if (inserted.results.length === 0) {
    const existing = await getEvent(senv, namespace, id);
    if (!existing) throw new ApiError("internal_error", "event vanished during publish");
    if (existing.type !== input.type || JSON.stringify(existing.data) !== data || existing.ordering_key !== orderingKey) {
      throw new ApiError("event_id_conflict", `An event with id "${id}" was already published with a different body.`);
    }
    // Only the stored event's own fields: the row's bookkeeping (firstDeliverySeq) is no part of the answer.
    const event: StoredEvent = { id: existing.id, type: existing.type, data: existing.data, ordering_key: existing.ordering_key, created_at: existing.created_at };
    return { duplicate: true, event, deliveries: existing.deliveries, deliverySeqs: [] };
  }

  const deliverySeqs = fannedOutSeqs(fanned.results);
  const enqueued = enqueueDeliveries(senv, deliverySeqs);
  if (opts.background) opts.background(enqueued);
  else await enqueued;
  return {
    duplicate: false,
    event: { id, type: input.type, data: input.data ?? {}, ordering_key: orderingKey, created_at: new Date(now).toISOString() },
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
): Promise<(StoredEvent & { firstDeliverySeq: number; deliveries: number }) | null> {
  const row = await eventById(shardDb(env), namespace, id);
  if (!row) return null;
  return {
    firstDeliverySeq: row.firstDeliverySeq,
    id,
    type: row.type,
    data: JSON.parse(await unpackData(JSON.parse(row.stored) as StoredData)),
    ordering_key: row.orderingKey,
    created_at: new Date(row.createdAt).toISOString(),
    deliveries: row.deliveryCount,
  };
}
