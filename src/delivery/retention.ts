/**
 * Retention (Cron Trigger): deletes events, deliveries and attempts older than
 * RETENTION_DAYS. Rowids grow with time, so "older than" is a rowid bound
 * found once, and each delete is a bounded rowid range: a run stays well
 * inside D1's per-invocation limits and the next run continues.
 */
import { shardDb, type ShardEnv } from "../db/shards";
import { config } from "../config";
import { ATTEMPT_SLOTS } from "../db/schema";
import type { AppEnv } from "../env";

export const RETENTION_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 20;

type Bounds = { event_bound: number; delivery_bound: number };

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
  const bounds = await db
    .prepare(
      `WITH keep AS (SELECT seq, first_delivery_seq FROM events WHERE created_at >= ?1 ORDER BY seq LIMIT 1)
       SELECT coalesce((SELECT seq FROM keep), (SELECT coalesce(max(seq), 0) + 1 FROM events)) AS event_bound,
              coalesce((SELECT first_delivery_seq FROM keep), (SELECT coalesce(max(seq), 0) + 1 FROM deliveries)) AS delivery_bound`,
    )
    .bind(cutoff)
    .first<Bounds>();
  const removed = { events: 0, deliveries: 0, attempts: 0 };
  if (!bounds) return removed;

  /** Deletes in chunks; true when nothing under the bound is left. */
  const chunked = async (sql: string, params: unknown[], key: keyof typeof removed): Promise<boolean> => {
    for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
      const r = await db.prepare(sql).bind(...params, RETENTION_CHUNK).run();
      removed[key] += r.meta.changes ?? 0;
      if ((r.meta.changes ?? 0) < RETENTION_CHUNK) return true;
    }
    return false;
  };
  const attemptsDone = await chunked(
    "DELETE FROM attempts WHERE seq IN (SELECT seq FROM attempts WHERE seq < ? ORDER BY seq LIMIT ?)",
    [bounds.delivery_bound * ATTEMPT_SLOTS],
    "attempts",
  );
  if (!attemptsDone) return removed;
  const deliveriesDone = await chunked(
    "DELETE FROM deliveries WHERE seq IN (SELECT seq FROM deliveries WHERE seq < ? AND event_seq < ? ORDER BY seq LIMIT ?)",
    [bounds.delivery_bound, bounds.event_bound],
    "deliveries",
  );
  if (!deliveriesDone) return removed;
  await chunked("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < ? ORDER BY seq LIMIT ?)", [bounds.event_bound], "events");
  return removed;
}
