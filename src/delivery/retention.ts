/**
 * Retention (Cron Trigger): deletes events, deliveries and attempts older than
 * RETENTION_DAYS. Rowids grow with time, so "older than" is a rowid bound
 * found once, and each delete is a bounded rowid range: a run stays well
 * inside D1's per-invocation limits and the next run continues.
 */
import { config } from "../config";
import { d1 } from "../db/client";
import { ATTEMPT_SLOTS } from "../db/schema";
import type { AppEnv } from "../env";

export const RETENTION_CHUNK = 1000;
const MAX_CHUNKS_PER_RUN = 20;

export async function pruneExpired(env: AppEnv, now = Date.now()): Promise<{ events: number; deliveries: number; attempts: number }> {
  const db = d1(env);
  const cutoff = now - config(env).retentionDays * 86_400_000;
  // The first event still kept bounds everything older by rowid.
  const keep = await db
    .prepare("SELECT seq, first_delivery_seq FROM events WHERE created_at >= ? ORDER BY seq LIMIT 1")
    .bind(cutoff)
    .first<{ seq: number; first_delivery_seq: number }>();
  const bound =
    keep ??
    (await db
      .prepare("SELECT coalesce(max(seq), 0) + 1 AS seq, (SELECT coalesce(max(seq), 0) + 1 FROM deliveries) AS first_delivery_seq FROM events WHERE created_at < ?")
      .bind(cutoff)
      .first<{ seq: number; first_delivery_seq: number }>());
  if (!bound) return { events: 0, deliveries: 0, attempts: 0 };

  const removed = { events: 0, deliveries: 0, attempts: 0 };
  const chunked = async (sql: string, limit: number, key: keyof typeof removed) => {
    for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
      const r = await db.prepare(sql).bind(limit, RETENTION_CHUNK).run();
      removed[key] += r.meta.changes ?? 0;
      if ((r.meta.changes ?? 0) < RETENTION_CHUNK) break;
    }
  };
  await chunked(
    "DELETE FROM attempts WHERE seq IN (SELECT seq FROM attempts WHERE seq < ? ORDER BY seq LIMIT ?)",
    bound.first_delivery_seq * ATTEMPT_SLOTS,
    "attempts",
  );
  await chunked(
    "DELETE FROM deliveries WHERE seq IN (SELECT seq FROM deliveries WHERE seq < ? ORDER BY seq LIMIT ?)",
    bound.first_delivery_seq,
    "deliveries",
  );
  await chunked("DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < ? ORDER BY seq LIMIT ?)", bound.seq, "events");
  return removed;
}
