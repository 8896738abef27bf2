/**
 * The recovery sweep (Cron Trigger, every minute): D1 is the record of what
 * is owed, the queue only carries it. Re-enqueues pending deliveries that no
 * queue message will bring to a consumer:
 *
 * - overdue by more than a minute (SWEEP_GRACE_SECONDS): never enqueued
 *   successfully, or a retry message that was lost. To avoid flooding the
 *   queue, only the first re-send of a never-attempted delivery (enqueued_at
 *   still its creation time, as publish wrote it) comes after that grace;
 *   every other re-send waits until the delivery was last enqueued 10 minutes
 *   ago (SWEEP_RESEND_BACKOFF_SECONDS), so a backed-up queue is not fed the
 *   same deliveries every minute. Both are vars only so the chaos soak can
 *   compress them with its retry schedule (docs/configuration.md).
 * - a claim whose lease ended with no attempt on record (claims.ts): the
 *   Worker holding it died. Its message was acked or dropped with it, so it
 *   is re-sent at the first sweep after the lease, once per claim (enqueued
 *   before the claim, not since); if that message is lost too, the 10-minute
 *   back-off above applies. A delivery waiting for its retry has its last
 *   attempt on record and a due time in the future, so it is never touched.
 *
 * Round-robin across namespaces: candidates are numbered within their
 * namespace and taken SWEEP_NAMESPACE_CHUNK per namespace per round, so one
 * namespace's backlog cannot push another's out of the bounded run.
 *
 * Where it looks, without an index every delivery pays for: first it moves
 * its watermark over the deliveries older than the grace, marking those
 * still pending `watched` (they enter the partial index deliveries_watched;
 * a first-try delivery has settled long before). Then the candidates are
 * the watched ones and those above the watermark (a rowid range of the last
 * minute or so).
 */
import { config } from "../config";
import { seqSlot, shardDb, type ShardEnv } from "../db/shards";
import type { AppEnv } from "../env";
import { enqueueDeliveries } from "../events/publish";
import { withGenerations } from "../db/generations";
import { advanceWatermark, sweepOverdue, sweepWatermark } from "../db/stores/delivery-recovery";

/** Deliveries re-enqueued per run at most (and as many heads of ordered keys: delivery/ordering.ts). */
export const SWEEP_BATCH = 500;
/** Deliveries per namespace per round of the round-robin. */
export const SWEEP_NAMESPACE_CHUNK = 50;

export async function sweepOverdueDeliveries(env: ShardEnv, now = Date.now()): Promise<number> {
  const { sweepGraceMs, sweepResendBackoffMs } = config(env);
  const db = shardDb(env);
  const from = await sweepWatermark(db);
  const mark = await withGenerations(db, (gens) => advanceWatermark(db, gens, from, now - sweepGraceMs, seqSlot(env)));
  const seqs = await sweepOverdue(db, {
    mark,
    now,
    graceBefore: now - sweepGraceMs,
    resendBefore: now - sweepResendBackoffMs,
    limit: SWEEP_BATCH,
    namespaceChunk: SWEEP_NAMESPACE_CHUNK,
  });
  if (seqs.length) await enqueueDeliveries(env, seqs);
  return seqs.length;
}
