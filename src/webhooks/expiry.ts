/**
 * Temporary webhooks (`expires_at`, set and renewed by `npm run listen`):
 * the cron deletes one whose time has passed, as DELETE would (its pending
 * deliveries end as `webhook_deleted`, its history stays), so a listener
 * killed without its Ctrl-C leaves nothing behind for long.
 */
import { withGenerations } from "../db/generations";
import { shardDb, type ShardEnv } from "../db/shards";
import { failPendingOfDeletedStatements } from "../db/stores/delivery-recovery";
import { deleteStatement, expiredWebhookIds } from "../db/stores/webhooks";

/** Per cron run and shard; more wait for the next minute. */
const EXPIRED_PER_RUN = 20;

export async function deleteExpiredWebhooks(env: ShardEnv, now: number): Promise<number> {
  const db = shardDb(env);
  const ids = await expiredWebhookIds(db, now, EXPIRED_PER_RUN);
  if (ids.length === 0) return 0;
  await withGenerations(db, (gens) => db.batch(ids.flatMap((id) => [deleteStatement(db, id), ...failPendingOfDeletedStatements(db, gens, now, id)])));
  return ids.length;
}
