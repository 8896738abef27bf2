/**
 * The dead-letter queue's consumer: a message the queue gave up on ends its
 * delivery as `failed` (if nothing else settled it), so no delivery stays
 * `pending` forever.
 */
import { unlessDayMissing } from "../db/generations";
import { messageShard, onShard, shardDb, shardNames } from "../db/shards";
import { deadLetterStatement } from "../db/stores/delivery-recovery";
import type { AppEnv, DeliveryMessage } from "../env";
import { usage } from "../usage";

export async function handleDeadLetters(batch: MessageBatch<DeliveryMessage>, env: AppEnv): Promise<void> {
  const now = Date.now();
  const byShard = new Map<string, Message<DeliveryMessage>[]>();
  const answered = new Set<Message<DeliveryMessage>>();
  for (const m of batch.messages) {
    // A shard no longer in SHARDS: nothing to mark; logged, and acked with the rest.
    if (m.body.s && !shardNames(env).includes(m.body.s)) {
      console.error("dead-lettered delivery on an unknown shard", { shard: m.body.s, delivery: m.body.d });
      continue;
    }
    const shard = messageShard(env, m.body).shard;
    byShard.set(shard, [...(byShard.get(shard) ?? []), m]);
  }
  // Each shard on its own: one that fails retries only its own messages.
  await Promise.all(
    [...byShard].map(async ([shard, messages]) => {
      try {
        const db = shardDb(onShard(env, shard));
        const marks = messages.map((m) => deadLetterStatement(db, m.body.d, now));
        // A delivery whose day retention dropped has nothing left to mark: mark the others one by one.
        if ((await unlessDayMissing(db.batch(marks), null)) === null) await Promise.all(marks.map((mark) => unlessDayMissing(mark.run(), null)));
      } catch (err) {
        console.error("marking dead-lettered deliveries failed on a shard; retrying its messages", { shard, error: String(err) });
        for (const m of messages) {
          usage.queueRetries++;
          m.retry();
        }
        for (const m of messages) answered.add(m);
      }
    }),
  );
  if (answered.size === 0) {
    usage.queueAcks += batch.messages.length;
    return batch.ackAll();
  }
  for (const m of batch.messages) {
    if (answered.has(m)) continue;
    usage.queueAcks++;
    m.ack();
  }
}
