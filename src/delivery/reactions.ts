/**
 * Reactions to settled deliveries (auto-disable, circuit notices,
 * delivery.exhausted) are listeners the Worker hands to the consumer
 * (src/index.ts), so the delivery pipeline knows nothing of webhooks/ or
 * events/. They run after the settlement is recorded; a listener must not
 * throw (the attempt is on record, a thrown error would only make the queue
 * retry a message that has nothing left to do), and if one does, it is logged.
 */
import type { ShardEnv } from "../db/shards";
import type { AppEnv } from "../env";
import type { SettledDelivery } from "./settle";

export type DeliveryListener = (env: ShardEnv, settled: SettledDelivery) => Promise<void>;

export async function react(env: ShardEnv, listeners: readonly DeliveryListener[], settled: SettledDelivery): Promise<void> {
  for (const listener of listeners) {
    try {
      await listener(env, settled);
    } catch (err) {
      console.error("a reaction to a settled delivery failed", { delivery: settled.seq, error: String(err) });
    }
  }
}
