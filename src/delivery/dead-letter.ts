/**
 * The dead-letter queue's consumer: a message the queue gave up on ends its
 * delivery as `failed` (if nothing else settled it), so no delivery stays
 * `pending` forever.
 */
import { messageShard, onShard, shardDb, shardNames } from "../db/shards";
import { deadLetterStatement } from "../db/stores/deliveries";
import type { AppEnv, DeliveryMessage } from "../env";
import { usage } from "../usage";

export async function handleDeadLetters(batch: MessageBatch<DeliveryMessage>, env: AppEnv): Promise<void> {
  const now = Date.now();
  const byShard = new Map<string, Message<DeliveryMessage>[]>();
  for (const m of batch.messages) {
    // A shard no longer in SHARDS: nothing to mark; logged, and acked with the rest.
    if (m.body.s && !shardNames(env).includes(m.body.s)) {
      console.error("dead-lettered delivery on an unknown shard", { shard: m.body.s, delivery: m.body.d });
      continue;
    }
    const shard = messageShard(env, m.body).shard;
    byShard.set(shard, [...(byShard.get(shard) ?? []), m]);
  }
  for (const [shard, messages] of byShard) {
    const db = shardDb(onShard(env, shard));
    await db.batch(messages.map((m) => deadLetterStatement(db, m.body.d, now)));
  }
  usage.queueAcks += batch.messages.length;
  batch.ackAll();
}
