/**
 * The dead-letter queue's consumer: a message the queue gave up on ends its
 * delivery as `failed` (if nothing else settled it), so no delivery stays
 * `pending` forever.
 */
import { d1 } from "../db/client";
import type { AppEnv, DeliveryMessage } from "../env";
import { usage } from "../usage";

export async function handleDeadLetters(batch: MessageBatch<DeliveryMessage>, env: AppEnv): Promise<void> {
  const now = Date.now();
  const db = d1(env);
  await db.batch(
    batch.messages.map((m) =>
      db
        .prepare(
          "UPDATE deliveries SET status = 'failed', failure_reason = 'dead_lettered', next_attempt_at = ?, updated_at = ? WHERE seq = ? AND status = 'pending'",
        )
        .bind(now, now, m.body.d),
    ),
  );
  usage.queueAcks += batch.messages.length;
  batch.ackAll();
}
