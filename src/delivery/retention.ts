/**
 * Retention (Cron Trigger): deletes events, deliveries and attempts older than
 * RETENTION_DAYS. Rowids grow with time, so "older than" is a rowid bound
 * found once, and each delete is a bounded rowid range: a run stays well
 * inside D1's per-invocation limits and the next run continues.
 */
import { shardDb, type ShardEnv } from "../db/shards";
import { config } from "../config";
import { ATTEMPT_SLOTS } from "../db/schema";
import { deleteAttemptsBelow } from "../db/stores/attempts";
import { deleteDeliveriesBelow } from "../db/stores/deliveries";
import { deleteEventsBelow, retentionBounds } from "../db/stores/events";
import type { AppEnv } from "../env";

export const RETENTION_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 20;

/**
 * Children go before their parents (attempts, then deliveries, then events),
 * and a parent table is touched only once its children are all gone, so a run
 * that stops at its bound never leaves an orphan behind.
 */
export async function pruneExpired(env: ShardEnv, now = Date.now()): Promise<{ events: number; deliveries: number; attempts: number }> {
  const db = shardDb(env);
  const cutoff = now - config(env).retentionDays * 86_400_000;
  // One statement, so an event published meanwhile cannot fall under the
  // bounds: everything older than the first event still kept (or, with none
  // kept, every event and delivery that exists right now).
  const bounds = await retentionBounds(db, cutoff);
  const removed = { events: 0, deliveries: 0, attempts: 0 };
  if (!bounds) return removed;

  /** Deletes in chunks; true when nothing under the bound is left. */
  const chunked = async (deleteChunk: (limit: number) => Promise<number>, key: keyof typeof removed): Promise<boolean> => {
    for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
      const changes = await deleteChunk(RETENTION_CHUNK);
      removed[key] += changes;
      if (changes < RETENTION_CHUNK) return true;
    }
    return false;
  };
  const attemptsDone = await chunked((limit) => deleteAttemptsBelow(db, bounds.deliveryBound * ATTEMPT_SLOTS, limit), "attempts");
  if (!attemptsDone) return removed;
  const deliveriesDone = await chunked((limit) => deleteDeliveriesBelow(db, bounds.deliveryBound, bounds.eventBound, limit), "deliveries");
  if (!deliveriesDone) return removed;
  await chunked((limit) => deleteEventsBelow(db, bounds.eventBound, limit), "events");
  return removed;
}
