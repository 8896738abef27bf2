/**
 * Retention (Cron Trigger): events, deliveries and attempts older than
 * RETENTION_DAYS go.
 *
 * - A day's events and deliveries (db/generations.ts) go together, with DROP
 *   TABLE, once the whole day is older than the cutoff: no row is written
 *   for them. A day is therefore kept up to one day past RETENTION_DAYS.
 *   Its attempts rows (attempt 2 on of retried deliveries) are deleted
 *   first, a rowid range per day.
 * - Generation 0, rows from before generations, goes row by row as it always
 *   did: rowids grow with time, so "older than" is a rowid bound found once,
 *   and each delete is a bounded rowid range.
 *
 * Every delete is bounded (RETENTION_CHUNK x MAX_CHUNKS_PER_RUN rows per
 * table per run), so a run stays inside D1's per-invocation limits and the
 * next run continues; children go before their parents, so a run that stops
 * at its bound never leaves an orphan behind.
 */
import { config } from "../config";
import { dropGeneration, firstSeq, generationEnd, listGenerations } from "../db/generations";
import { ATTEMPT_SLOTS } from "../db/schema";
import { seqSlot, shardDb, type ShardEnv } from "../db/shards";
import { deleteAttemptsBetween } from "../db/stores/attempts";
import { deleteDeliveriesBelow, generationSize } from "../db/stores/delivery-removal";
import { deleteEventsBelow, retentionBounds } from "../db/stores/events";

export const RETENTION_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 20;

export type Pruned = { events: number; deliveries: number; attempts: number };

export async function pruneExpired(env: ShardEnv, now = Date.now()): Promise<Pruned> {
  const db = shardDb(env);
  const cutoff = now - config(env).retentionDays * 86_400_000;
  const removed: Pruned = { events: 0, deliveries: 0, attempts: 0 };

  /** Deletes in chunks; true when nothing is left. */
  const chunked = async (deleteChunk: (limit: number) => Promise<number>, key: keyof Pruned): Promise<boolean> => {
    for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
      const changes = await deleteChunk(RETENTION_CHUNK);
      removed[key] += changes;
      if (changes < RETENTION_CHUNK) return true;
    }
    return false;
  };

  // Whole days, oldest first.
  const expired = (await listGenerations(db)).filter((g) => g > 0 && generationEnd(g) <= cutoff).reverse();
  for (const g of expired) {
    const attemptsDone = await chunked((limit) => deleteAttemptsBetween(db, firstSeq(g) * ATTEMPT_SLOTS, firstSeq(g + 1) * ATTEMPT_SLOTS, limit), "attempts");
    if (!attemptsDone) return removed;
    const size = await generationSize(db, g, seqSlot(env));
    await dropGeneration(db, g);
    removed.events += size.events;
    removed.deliveries += size.deliveries;
  }

  // Generation 0. One statement, so an event published meanwhile cannot fall
  // under the bounds: everything older than the first event still kept (or,
  // with none kept, every event and delivery that exists right now).
  const bounds = await retentionBounds(db, cutoff);
  if (!bounds) return removed;
  const attemptsDone = await chunked((limit) => deleteAttemptsBetween(db, 0, bounds.deliveryBound * ATTEMPT_SLOTS, limit), "attempts");
  if (!attemptsDone) return removed;
  const deliveriesDone = await chunked((limit) => deleteDeliveriesBelow(db, bounds.deliveryBound, bounds.eventBound, limit), "deliveries");
  if (!deliveriesDone) return removed;
  await chunked((limit) => deleteEventsBelow(db, bounds.eventBound, limit), "events");
  return removed;
}
