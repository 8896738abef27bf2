/**
 * deliveries, moved outside the consumer: the recovery sweep and its
 * watermark (delivery/recovery-sweep.ts, docs/storage.md), dead letters,
 * redeliver, recover, the pending deliveries of a disabled or deleted
 * webhook. Retention and a deleted namespace's purge: delivery-removal.ts.
 */
import { ATTEMPT_RUNNING_SQL, UNRECORDED_CLAIM_SQL } from "../../delivery/claims";
import { decodeRows, type RawRow } from "../columns";
import {
  ALL_DELIVERIES,
  DELIVERIES_T as DT,
  deliveriesTable,
  SEQS_PER_GENERATION,
  SEQS_PER_SLOT,
  forGeneration,
  generationEnd,
  generationOfSeq,
  generationsSince,
  indexName,
  perGeneration,
  unionAll,
  acrossDays,
  unlessDayMissing,
} from "../generations";
import { deliveries, sweepMarks, webhooks, type DeliveryRow } from "../schema";
import { D, SM, W } from "./names";

/** The sweep's overdue test on deliveries `d` (?1 now, ?2 grace, ?3 resend back-off): see delivery/recovery-sweep.ts. */
const OVERDUE_TEST = `((d.${D.nextAttemptAt} < ?2 AND (d.${D.enqueuedAt} < ?3 OR (d.${D.attempts} = 0 AND d.${D.enqueuedAt} = d.${D.createdAt} AND d.${D.enqueuedAt} < ?2)))
  OR (d.${D.nextAttemptAt} <= ?1 AND d.${D.enqueuedAt} <= d.${D.updatedAt} AND ${UNRECORDED_CLAIM_SQL}))`;

/** Ordered deliveries (not manual ones) are the heads pass's (ORDERED_OVERDUE_SQL). */
const OVERDUE = `(${OVERDUE_TEST} AND NOT (d.${D.ordered} = 1 AND d.${D.manual} = 0))`;

/**
 * The overdue heads of ordered keys (delivery/ordering.ts): a parked
 * delivery behind an earlier one of its key is never overdue (the end of
 * that one sends it: no timer storm), but a head nobody sent (the Worker
 * died between a record and its send) or whose claim was cut off is. The
 * pending ordered deliveries are read once, through each day's partial
 * index deliveries_ordered, and numbered per key: a subquery per delivery
 * over the views would compile one per pair of days.
 */
export const ORDERED_OVERDUE_SQL = `SELECT d.${D.seq} FROM (
  SELECT o.${D.seq}, o.${D.nextAttemptAt}, o.${D.enqueuedAt}, o.${D.attempts}, o.${D.createdAt}, o.${D.updatedAt}, o.${D.firstStartedAt},
    row_number() OVER (PARTITION BY o.${D.webhookId}, o.${D.orderingKey} ORDER BY o.${D.seq}) AS pos
  FROM ${ALL_DELIVERIES} o WHERE o.${D.ordered} = 1 AND o.${D.status} = 'pending' AND o.${D.manual} = 0
) d
WHERE d.pos = 1 AND ${OVERDUE_TEST}
ORDER BY d.${D.seq}
LIMIT ?4`;

/**
 * The overdue deliveries, round-robin across namespaces: the watched ones
 * through deliveries_watched, and the young ones (above the watermark ?6)
 * by rowid range. Nothing else can be pending.
 */
export const OVERDUE_SQL = `SELECT ${D.seq} FROM (
  SELECT c.${D.seq}, row_number() OVER (PARTITION BY c.${D.namespace} ORDER BY c.${D.seq}) AS rn FROM (
    SELECT d.${D.seq}, d.${D.namespace} FROM ${ALL_DELIVERIES} d WHERE d.${D.status} = 'pending' AND d.${D.watched} = 1 AND ${OVERDUE}
    UNION ALL
    SELECT d.${D.seq}, d.${D.namespace} FROM ${ALL_DELIVERIES} d WHERE d.${D.seq} > ?6 AND d.${D.watched} = 0 AND d.${D.status} = 'pending' AND ${OVERDUE}
  ) c
)
ORDER BY (rn - 1) / ?5, ${D.seq}
LIMIT ?4`;

const MARK_SQL = `UPDATE ${DT} SET ${D.enqueuedAt} = ?1 WHERE ${D.seq} IN (SELECT value FROM json_each(?2)) AND ${D.status} = 'pending' RETURNING ${D.seq}`;

/** The sweep's watermark: every delivery at or below it that is still pending is watched. */
export async function sweepWatermark(db: D1Database): Promise<number> {
  const row = await db.prepare(`SELECT ${SM.seq} FROM sweep_marks WHERE ${SM.id} = 1`).first<RawRow>();
  return row ? decodeRows(sweepMarks, ["seq"], [row])[0].seq : 0;
}

/**
 * Moves the watermark over the deliveries created before `youngBefore`:
 * those still pending become watched (they enter deliveries_watched), and
 * the mark stops below the first younger one, or goes to the last when
 * none is younger. Both look only at or below the shard's own slice
 * (`slot`): a moved-in row in a higher slice (namespaces/move.ts; pending
 * ones arrive watched) never carries it past the shard's own next seqs. `gens` are the generations
 * that exist; only those at or above the mark's are touched. Answers the
 * new mark.
 */
export async function advanceWatermark(db: D1Database, gens: readonly number[], mark: number, youngBefore: number, slot: number): Promise<number> {
  const touched = gens.filter((g) => g >= generationOfSeq(mark));
  const results = await db.batch<RawRow>([
    ...touched.map((g) =>
      db
        .prepare(
          forGeneration(
            `UPDATE ${DT} SET ${D.watched} = 1 WHERE ${D.seq} > ?1 AND ${D.status} = 'pending' AND ${D.watched} = 0 AND ${D.createdAt} < ?2`,
            g,
          ),
        )
        .bind(mark, youngBefore),
    ),
    db
      .prepare(
        `INSERT INTO sweep_marks (${SM.id}, ${SM.seq}) VALUES (1, coalesce(
           (SELECT min(${D.seq}) - 1 FROM ${ALL_DELIVERIES} WHERE ${D.seq} > ?1 AND ${D.createdAt} >= ?2 AND ${D.seq} % ${SEQS_PER_GENERATION} < ?3),
           (SELECT max(${D.seq}) FROM ${ALL_DELIVERIES} WHERE ${D.seq} > ?1 AND ${D.seq} % ${SEQS_PER_GENERATION} < ?3), ?1))
         ON CONFLICT (${SM.id}) DO UPDATE SET ${SM.seq} = max(${SM.seq}, excluded.${SM.seq})
         RETURNING ${SM.seq}`,
      )
      .bind(mark, youngBefore, (slot + 1) * SEQS_PER_SLOT),
  ]);
  return decodeRows(sweepMarks, ["seq"], results[results.length - 1].results)[0]?.seq ?? mark;
}

/** Marks the overdue deliveries re-enqueued (see delivery/recovery-sweep.ts); answers their seqs. */
export async function sweepOverdue(
  db: D1Database,
  p: { now: number; graceBefore: number; resendBefore: number; limit: number; namespaceChunk: number; mark: number },
): Promise<number[]> {
  const [overdue, heads] = await db.batch<RawRow>([
    db.prepare(OVERDUE_SQL).bind(p.now, p.graceBefore, p.resendBefore, p.limit, p.namespaceChunk, p.mark),
    db.prepare(ORDERED_OVERDUE_SQL).bind(p.now, p.graceBefore, p.resendBefore, p.limit),
  ]);
  const due = [...decodeRows(deliveries, ["seq"], overdue.results), ...decodeRows(deliveries, ["seq"], heads.results)].map((r) => r.seq);
  if (due.length === 0) return [];
  const marked = await db.batch<RawRow>(perGeneration(due, (s) => s, (g, seqs) => db.prepare(forGeneration(MARK_SQL, g)).bind(p.now, JSON.stringify(seqs))));
  return marked.flatMap((r) => decodeRows(deliveries, ["seq"], r.results).map((x) => x.seq));
}

/** One dead-lettered delivery ends `failed`, if nothing else settled it. */
export function deadLetterStatement(db: D1Database, seq: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE ${deliveriesTable(generationOfSeq(seq))} SET ${D.status} = 'failed', ${D.failureReason} = 'dead_lettered', ${D.nextAttemptAt} = ?, ${D.updatedAt} = ? WHERE ${D.seq} = ? AND ${D.status} = 'pending'`,
    )
    .bind(now, now, seq);
}

/** Checks of a redelivery (delivery/redeliver.ts): its state, its webhook's, and whether an attempt runs. */
export type RedeliverTarget = Pick<DeliveryRow, "status" | "attempts" | "webhookId"> & {
  webhookActive: boolean | null;
  disabledReason: string | null;
  inFlight: boolean;
  /** A polling webhook's delivery was handed out by a poll: there is nothing to push (pull/poll.ts). */
  webhookPolls: boolean;
};

/** Delivery ?1 of namespace ?3 at time ?2, with its webhook (null fields when the webhook is gone). */
export async function redeliverTarget(db: D1Database, seq: number, now: number, namespace: string): Promise<RedeliverTarget | null> {
  const row = await unlessDayMissing(
    db
      .prepare(
        `SELECT d.${D.status}, d.${D.attempts}, d.${D.webhookId}, w.${W.active} AS webhook_active, w.${W.disabledReason}, w.${W.mode} AS webhook_mode, ${ATTEMPT_RUNNING_SQL} AS in_flight
         FROM ${deliveriesTable(generationOfSeq(seq))} d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
         WHERE d.${D.seq} = ?1 AND d.${D.namespace} = ?3`,
      )
      .bind(seq, now, namespace)
      .first<RawRow>(),
    null,
  );
  if (!row) return null;
  const [d] = decodeRows(deliveries, ["status", "attempts", "webhookId"], [row]);
  const [w] = decodeRows(webhooks, ["disabledReason"], [row]);
  return { ...d, disabledReason: w.disabledReason, webhookActive: row.webhook_active === null ? null : row.webhook_active === 1, inFlight: Boolean(row.in_flight), webhookPolls: row.webhook_mode === "poll" };
}

/** Back to pending by a person's request: manual, due now, and watched (the sweep and the in-flight count find it there). */
const BACK_TO_PENDING = `${D.status} = 'pending', ${D.manual} = 1, ${D.watched} = 1, ${D.failureReason} = NULL`;

/** The redelivery's write, with the same checks again inside it; false when the delivery changed meanwhile. */
export async function markRedelivered(db: D1Database, seq: number, now: number, namespace: string, maxAttempt: number): Promise<boolean> {
  const updated = await db
    .prepare(
      `UPDATE ${deliveriesTable(generationOfSeq(seq))} AS d SET ${BACK_TO_PENDING},
         ${D.nextAttemptAt} = ?2, ${D.enqueuedAt} = ?2, ${D.updatedAt} = ?2
       WHERE d.${D.seq} = ?1 AND d.${D.namespace} = ?3 AND d.${D.attempts} < ?4 AND NOT ${ATTEMPT_RUNNING_SQL}
         AND EXISTS (SELECT 1 FROM webhooks w WHERE w.${W.id} = d.${D.webhookId} AND w.${W.active} = 1)
       RETURNING ${D.seq}`,
    )
    .bind(seq, now, namespace, maxAttempt)
    .first();
  return updated !== null;
}

/** A recovery's position (delivery/recover.ts): webhook, window end, last (created_at, seq) done. */
export type RecoverWindow = { w: string; until: number; c: number; s: number };

/** Failed deliveries of webhook ?1 in the cursor's window, after (?3, ?4). */
const WINDOW = `${D.webhookId} = ?1 AND ${D.createdAt} >= ?3 AND ${D.createdAt} <= ?2 AND (${D.createdAt} > ?3 OR ${D.seq} > ?4)
  AND ${D.status} = 'failed' AND ${D.attempts} < ?5`;

/** The generations that can hold the window's deliveries, oldest first. */
const windowGenerations = (gens: readonly number[], cursor: RecoverWindow) =>
  generationsSince(gens, cursor.c)
    .filter((g) => g === 0 || generationEnd(g - 1) <= cursor.until)
    .reverse();

/** How many deliveries a recovery still has after the cursor. */
export async function countRecoverable(db: D1Database, gens: readonly number[], cursor: RecoverWindow, maxAttempt: number): Promise<number> {
  const arm = (g: number) => `(SELECT count(*) FROM ${deliveriesTable(g)} INDEXED BY ${indexName("deliveries_webhook_created", g)} WHERE ${WINDOW})`;
  const counts = await acrossDays<{ n: number }>(db, windowGenerations(gens, cursor), (days) =>
    db.prepare(`SELECT ${days.map(arm).join(" + ")} AS n`).bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt),
  );
  return counts.reduce((sum, r) => sum + r.n, 0);
}

/** One chunk of a recovery: up to `chunk` deliveries, oldest first, back to pending (manual); answers them. */
export async function recoverChunk(
  db: D1Database,
  gens: readonly number[],
  cursor: RecoverWindow,
  maxAttempt: number,
  now: number,
  chunk: number,
): Promise<Pick<DeliveryRow, "seq" | "createdAt">[]> {
  const inWindow = windowGenerations(gens, cursor);
  const arm = (g: number) =>
    `SELECT ${D.seq}, ${D.createdAt} FROM ${deliveriesTable(g)} INDEXED BY ${indexName("deliveries_webhook_created", g)} WHERE ${WINDOW} ORDER BY ${D.createdAt}, ${D.seq} LIMIT ?6`;
  const rows = await acrossDays<RawRow>(db, inWindow, (days) =>
    db.prepare(`${unionAll(days, arm)} LIMIT ?6`).bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt, chunk),
  );
  // Oldest first across the statements too (each answers its days oldest first).
  const picked = decodeRows(deliveries, ["seq", "createdAt"], rows)
    .sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq)
    .slice(0, chunk)
    .map((r) => r.seq);
  if (picked.length === 0) return [];
  const updated = await db.batch<RawRow>(
    perGeneration(picked, (s) => s, (g, seqs) =>
      db
        .prepare(
          `UPDATE ${deliveriesTable(g)} SET ${BACK_TO_PENDING}, ${D.nextAttemptAt} = ?6, ${D.enqueuedAt} = ?6, ${D.updatedAt} = ?6
           WHERE ${D.seq} IN (SELECT value FROM json_each(?7)) AND ${WINDOW}
           RETURNING ${D.seq}, ${D.createdAt}`,
        )
        .bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt, now, JSON.stringify(seqs)),
    ),
  );
  return updated.flatMap((r) => decodeRows(deliveries, ["seq", "createdAt"], r.results));
}

/** A disabled webhook's pending deliveries end `failed` with its reason (delivery/auto-disable.ts), in every generation of `gens`. */
export function failPendingOfDisabledStatements(db: D1Database, gens: readonly number[], reason: string, at: number, webhookId: string): D1PreparedStatement[] {
  return gens.map((g) =>
    db
      .prepare(
        `UPDATE ${deliveriesTable(g)} INDEXED BY ${indexName("deliveries_webhook_created", g)}
           SET ${D.status} = 'failed', ${D.failureReason} = ?1, ${D.manual} = 0, ${D.nextAttemptAt} = ?2, ${D.updatedAt} = ?2
           WHERE ${D.webhookId} = ?3 AND ${D.status} = 'pending'`,
      )
      .bind(reason, at, webhookId),
  );
}

/** A deleted webhook's pending deliveries end `failed` (`webhook_deleted`), in every generation of `gens`. */
export function failPendingOfDeletedStatements(db: D1Database, gens: readonly number[], now: number, webhookId: string): D1PreparedStatement[] {
  return failPendingOfDisabledStatements(db, gens, "webhook_deleted", now, webhookId);
}
