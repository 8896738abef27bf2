/**
 * The purge of a deleted namespace (DELETE /v1/namespaces/{ns}, started by
 * namespaces/lifecycle.ts), through the queue, in bounded steps:
 *
 * 1. It waits PURGE_SETTLE_MS after the deletion began: by then every
 *    Worker's cached directory row says `deleting` (PLACEMENT_TTL_MS), so
 *    nothing writes to the namespace any more, and every attempt that was
 *    in flight has ended (its webhook is gone, so none is claimed for
 *    sending since).
 * 2. On its shard, day by day (newest first, the template last), chunks of
 *    PURGE_CHUNK events go in one batch each, children first: their
 *    deliveries' attempts (rowid ranges), their deliveries (the events' seq
 *    ranges), the events. At most CHUNKS_PER_STEP chunks per message; then
 *    it sends itself again.
 * 3. When no day holds anything of it: its tokens (again) and, last, its
 *    directory row. GET /v1/namespaces/{ns} answers 404 from then on.
 *
 * Every step starts from what is left in the tables, so a step that dies
 * midway is simply run again: its message is retried by the queue, and the
 * cron sends a new one every PURGE_REDRIVE_MINUTES for every namespace
 * still `deleting` in case a message was lost.
 */
import { controlDb } from "../db/client";
import { listGenerations, unlessDayMissing } from "../db/generations";
import { forget, onShard, PLACEMENT_TTL_MS, shardDb } from "../db/shards";
import { purgeAttemptsStatement, purgeLeftoverAttemptsStatement } from "../db/stores/attempts";
import { purgeDeliveriesStatement, purgeLeftoverDeliveriesStatement } from "../db/stores/delivery-removal";
import { purgeEventsStatement } from "../db/stores/events";
import { busyEntries, directoryEntry, removeDeletedStatement } from "../db/stores/namespace-shards";
import { deleteLinksOfStatement } from "../db/stores/portal-links";
import { deleteTokensOfStatement } from "../db/stores/tokens";
import { deleteWebhooksOfStatement } from "../db/stores/webhooks";
import type { AppEnv } from "../env";
import { usage } from "../usage";

/** Longer than PLACEMENT_TTL_MS and than the longest attempt's lease (timeout_ms at most 30 s, plus margin). */
export const PURGE_SETTLE_MS = Math.max(2 * PLACEMENT_TTL_MS, 120_000);
/** Events per chunk (each with up to NAMESPACE_MAX_WEBHOOKS deliveries). */
export const PURGE_CHUNK = 100;
const CHUNKS_PER_STEP = 20;
export const PURGE_REDRIVE_MINUTES = 10;

export type PurgeStep = { outcome: "gone" | "settling" | "more" | "done"; waitSeconds?: number; chunks: number };

/** Queues a purge step for the namespace (on `shard`), after `delaySeconds`. */
export async function sendPurge(env: AppEnv, shard: string, namespace: string, delaySeconds = 0): Promise<void> {
  await env.DELIVERIES.send({ d: 0, s: shard, purge: namespace }, delaySeconds > 0 ? { delaySeconds } : undefined);
  usage.queueMessagesSent++;
}

/** One bounded step of the purge; `now` is the step's time (tests pass a later one instead of waiting PURGE_SETTLE_MS). */
export async function purgeStep(env: AppEnv, namespace: string, now = Date.now()): Promise<PurgeStep> {
  const control = controlDb(env);
  const entry = await directoryEntry(control, namespace);
  if (!entry || entry.status !== "deleting") return { outcome: "gone", chunks: 0 };
  const db = shardDb(onShard(env, entry.shard));
  const wait = (entry.statusAt ?? 0) + PURGE_SETTLE_MS - now;
  if (wait > 0) return { outcome: "settling", waitSeconds: Math.ceil(wait / 1000), chunks: 0 };
  // Again: a webhook created by a Worker that had not yet seen the deletion.
  await deleteWebhooksOfStatement(db, namespace).run();
  let chunks = 0;
  for (const g of await listGenerations(db)) {
    for (;;) {
      if (chunks >= CHUNKS_PER_STEP) return { outcome: "more", chunks };
      chunks++;
      const results = await unlessDayMissing(
        db.batch([
          purgeAttemptsStatement(db, g, namespace, PURGE_CHUNK),
          purgeDeliveriesStatement(db, g, namespace, PURGE_CHUNK),
          purgeEventsStatement(db, g, namespace, PURGE_CHUNK),
        ]),
        null,
      );
      // A day dropped by retention meanwhile holds nothing any more.
      if (!results || (results[2].meta.changes ?? 0) < PURGE_CHUNK) break;
    }
    // Its events gone, what no event's range covered: a polling webhook's recorded items.
    for (;;) {
      if (chunks >= CHUNKS_PER_STEP) return { outcome: "more", chunks };
      chunks++;
      const results = await unlessDayMissing(
        db.batch([purgeLeftoverAttemptsStatement(db, g, namespace, PURGE_CHUNK), purgeLeftoverDeliveriesStatement(db, g, namespace, PURGE_CHUNK)]),
        null,
      );
      if (!results || (results[1].meta.changes ?? 0) < PURGE_CHUNK) break;
    }
  }
  // Nothing of it is left on its shard: the directory row goes last.
  await control.batch([deleteTokensOfStatement(control, namespace), deleteLinksOfStatement(control, namespace), removeDeletedStatement(control, namespace)]);
  forget(namespace);
  return { outcome: "done", chunks };
}

/** A purge message's work: one step, then the next step queued (now or once settled); throws to have the queue retry it. */
export async function continuePurge(env: AppEnv, shard: string, namespace: string): Promise<void> {
  const step = await purgeStep(env, namespace);
  if (step.outcome === "more") await sendPurge(env, shard, namespace);
  else if (step.outcome === "settling") await sendPurge(env, shard, namespace, step.waitSeconds);
  else if (step.outcome === "done") console.log("namespace deleted", { namespace, shard });
}

/** The cron's part: every PURGE_REDRIVE_MINUTES, a step for each namespace still being deleted (a lost message does not stop its purge). */
export async function redrivePurges(env: AppEnv, now: number): Promise<void> {
  if (Math.floor(now / 60_000) % PURGE_REDRIVE_MINUTES !== 0) return;
  const deleting = (await busyEntries(controlDb(env))).filter((e) => e.status === "deleting");
  await Promise.all(deleting.map((e) => sendPurge(env, e.shard, e.namespace)));
}
