/**
 * The recovery sweep (Cron Trigger, every minute): D1 is the record of what
 * is owed, the queue only carries it. Re-enqueues pending deliveries whose
 * attempt is overdue by more than a minute: never enqueued successfully, a
 * retry message that was lost, or an attempt whose Worker died (its lease
 * expired). To avoid flooding the queue, only the first re-send of a
 * never-attempted delivery (enqueued_at still its creation time, as publish
 * wrote it) comes after a minute; every other re-send waits until the
 * delivery was last enqueued 10 minutes ago, so a backed-up queue is not fed
 * the same deliveries every minute. Bounded per run.
 */
import { d1 } from "../db/client";
import type { AppEnv } from "../env";
import { enqueueDeliveries } from "../events/publish";

export const SWEEP_GRACE_MS = 60_000;
export const SWEEP_RESEND_BACKOFF_MS = 600_000;
export const SWEEP_BATCH = 500;

export async function sweepOverdueDeliveries(env: AppEnv, now = Date.now()): Promise<number> {
  const db = d1(env);
  // Reads through the partial index deliveries_pending: only the backlog.
  const { results } = await db
    .prepare(
      `UPDATE deliveries SET enqueued_at = ?1
       WHERE seq IN (
         SELECT seq FROM deliveries
         WHERE status = 'pending' AND next_attempt_at < ?2
           AND (enqueued_at < ?3 OR (attempts = 0 AND enqueued_at = created_at AND enqueued_at < ?2))
         ORDER BY seq LIMIT ?4)
       RETURNING seq`,
    )
    .bind(now, now - SWEEP_GRACE_MS, now - SWEEP_RESEND_BACKOFF_MS, SWEEP_BATCH)
    .all<{ seq: number }>();
  const seqs = results.map((r) => r.seq);
  if (seqs.length) await enqueueDeliveries(env, seqs);
  return seqs.length;
}
