/**
 * deliveries, the delivery hot path: the claim, the settle writes, and the
 * other statements that move a delivery between states (sweep, redeliver,
 * recover, dead letters, disable/delete of its webhook, retention). Reads
 * for the API are in delivery-reads.ts. What each statement means is
 * documented where it is used (delivery/claim.ts, record.ts, ...).
 */
import type { Lane } from "../../delivery/lanes";
import { ATTEMPT_RUNNING_SQL, UNRECORDED_CLAIM_SQL } from "../../delivery/claims";
import { FIRST_ATTEMPT_SET } from "../../delivery/attempt-log";
import { IN_FLIGHT_SQL, RATE_ALLOWED_SQL } from "../../delivery/flow-control";
import { payloadFilterSql } from "../../events/payload-filter";
import { storedDataSql } from "../../events/stored-data";
import { formatMatchSql, SUBSCRIPTION_MATCH_SQL } from "../../events/subscription";
import { decodeRows, type RawRow } from "../columns";
import {
  ALL_DELIVERIES,
  ALL_EVENTS,
  DELIVERIES_T as DT,
  EVENTS_T as ET,
  deliveriesTable,
  eventsTable,
  firstSeq,
  forGeneration,
  generationEnd,
  generationOfSeq,
  generationsSince,
  indexName,
  perGeneration,
  unionAll,
  unlessDayMissing,
} from "../generations";
import { deliveries, sweepMarks, webhooks, type DeliveryRow } from "../schema";
import { D, E, SM, W } from "./names";

const LEASE_END = (w: string) => `?2 + coalesce(${w}.${W.timeoutMs}, ?3) + ?4`;

const LANE_GATE: Record<Lane, string> = {
  main: `c.${D.attempts} = 0 AND c.${W.consecutiveFailures} = 0 AND c.${W.circuitState} = 'closed' AND coalesce(c.${W.slowUntil}, 0) <= ?2`,
  slow: "1",
};

const claimSql = (lane: Lane) => `WITH cand AS (
  SELECT d.${D.seq}, d.${D.attempts}, d.${D.manual}, w.${W.id} AS wid, w.${W.consecutiveFailures}, w.${W.circuitState}, w.${W.circuitNextProbeAt},
    w.${W.timeoutMs}, w.${W.rateLimit}, w.${W.rateTat}, w.${W.maxInFlight}, w.${W.slowUntil},
    row_number() OVER (PARTITION BY d.${D.webhookId} ORDER BY d.${D.seq}) AS k
  FROM ${DT} d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
  WHERE d.${D.seq} IN (SELECT value FROM json_each(?1)) AND d.${D.status} = 'pending' AND d.${D.nextAttemptAt} <= ?2
), go AS (
  SELECT c.${D.seq} FROM cand c WHERE c.wid IS NULL OR (${LANE_GATE[lane]}
    AND (c.${D.manual} = 1 OR c.${W.circuitState} = 'closed'
      OR (c.${W.circuitState} = 'half_open' AND c.${W.circuitNextProbeAt} = ${LEASE_END("c")} AND c.k = 1))
    AND (c.${W.maxInFlight} IS NULL OR c.k + ${IN_FLIGHT_SQL} <= c.${W.maxInFlight})
    AND (c.${W.rateLimit} IS NULL OR c.k <= ${RATE_ALLOWED_SQL}))
)
UPDATE ${DT} SET ${D.attempts} = ${D.attempts} + 1, ${D.lastDurationMs} = NULL, ${D.updatedAt} = ?2,
  ${D.nextAttemptAt} = ?2 + coalesce((SELECT w.${W.timeoutMs} FROM webhooks w WHERE w.${W.id} = ${DT}.${D.webhookId}), ?3) + ?4
WHERE ${D.seq} IN (SELECT ${D.seq} FROM go) AND ${D.status} = 'pending' AND ${D.nextAttemptAt} <= ?2
RETURNING ${D.seq}, ${D.attempts}, ${D.manual}, ${D.namespace}, ${D.eventType},
  (SELECT json_object('id', e.${E.id}, 'type', e.${E.type}, ${storedDataSql("e")}, 'created_at', e.${E.createdAt}, 'test', e.${E.test})
     FROM ${ET} e WHERE e.${E.namespace} = ${DT}.${D.namespace} AND e.${E.id} = ${DT}.${D.eventId}) AS event,
  (SELECT json_object('id', w.${W.id}, 'name', w.${W.name}, 'url', w.${W.url}, 'format', w.${W.format}, 'active', w.${W.active},
          'headers', w.${W.headers}, 'secret_sealed', w.${W.secretSealed}, 'previous_secret_sealed', w.${W.previousSecretSealed},
          'previous_secret_expires_at', w.${W.previousSecretExpiresAt}, 'failing_since', w.${W.failingSince},
          'consecutive_failures', w.${W.consecutiveFailures}, 'timeout_ms', w.${W.timeoutMs}, 'rate_limit', w.${W.rateLimit},
          'circuit_state', w.${W.circuitState}, 'circuit_since', w.${W.circuitSince},
          'circuit_next_probe_at', w.${W.circuitNextProbeAt}, 'circuit_failures', w.${W.circuitFailures})
     FROM webhooks w WHERE w.${W.id} = ${DT}.${D.webhookId}) AS webhook`;

/** The claim's arguments, in bind order: seqs (JSON, all of one generation), now, default timeout, lease margin. */
export type ClaimArgs = readonly [seqsJson: string, now: number, defaultTimeoutMs: number, leaseMarginMs: number];

const CLAIMED_KEYS = ["seq", "attempts", "manual", "namespace", "eventType"] as const;

/** A claimed delivery row, with its event and webhook as JSON objects (null when gone). */
export type ClaimedRow = Pick<DeliveryRow, (typeof CLAIMED_KEYS)[number]> & { event: string | null; webhook: string | null };

/** The claim UPDATE of the lane on generation g's seqs (to batch after the slow lane's probe reservation). */
export function claimStatement(db: D1Database, g: number, lane: Lane, args: ClaimArgs): D1PreparedStatement {
  return db.prepare(forGeneration(claimSql(lane), g)).bind(...args);
}

/** Decodes the claim's RETURNING rows. */
export function claimedRows(rows: RawRow[]): ClaimedRow[] {
  const decoded = decodeRows(deliveries, CLAIMED_KEYS, rows);
  return decoded.map((d, i) => ({ ...d, event: rows[i].event as string | null, webhook: rows[i].webhook as string | null }));
}

/**
 * New delivery states from the recorder's JSON rows, one statement per kind.
 * A delivery that stays pending keeps `status` out of the SET list: assigning
 * it, even unchanged, re-inserts a watched delivery's entry in the partial
 * index deliveries_watched (a billed row).
 */
const settleSql = (withStatus: boolean) => `UPDATE ${DT} SET ${withStatus ? `${D.status} = r.value ->> '$.status', ` : ""}
  ${D.lastResponseStatus} = r.value ->> '$.response_status', ${D.lastDurationMs} = r.value ->> '$.duration_ms',
  ${D.nextAttemptAt} = r.value ->> '$.next_attempt_at', ${D.manual} = 0, ${D.failureReason} = r.value ->> '$.failure_reason',
  ${D.updatedAt} = r.value ->> '$.updated_at', ${FIRST_ATTEMPT_SET}
FROM json_each(?1) r
WHERE ${DT}.${D.seq} = r.value ->> '$.seq' AND ${DT}.${D.attempts} = r.value ->> '$.attempt'`;

/** The settle UPDATEs of the recorder's rows (one per generation among them). */
export function settleStatements(db: D1Database, rows: readonly Record<string, unknown>[], withStatus: boolean): D1PreparedStatement[] {
  return perGeneration(rows, (r) => r.seq as number, (g, list) => db.prepare(forGeneration(settleSql(withStatus), g)).bind(JSON.stringify(list)));
}

const END_SQL = `UPDATE ${DT} SET ${D.status} = 'failed', ${D.attempts} = ${D.attempts} - 1, ${D.failureReason} = r.value ->> '$.reason',
  ${D.nextAttemptAt} = ?2, ${D.updatedAt} = ?2
FROM json_each(?1) r WHERE ${DT}.${D.seq} = r.value ->> '$.seq' AND ${DT}.${D.status} = 'pending'`;

/** Ends claimed deliveries without an attempt. */
export function endWithoutAttemptStatements(db: D1Database, ended: readonly { seq: number; reason: string }[], now: number): D1PreparedStatement[] {
  return perGeneration(ended, (r) => r.seq, (g, list) => db.prepare(forGeneration(END_SQL, g)).bind(JSON.stringify(list), now));
}

const RELEASE_SQL = `UPDATE ${DT} SET ${D.attempts} = ${D.attempts} - 1, ${D.nextAttemptAt} = ?2, ${D.updatedAt} = ?2
FROM json_each(?1) r WHERE ${DT}.${D.seq} = r.value ->> '$.seq' AND ${DT}.${D.attempts} = r.value ->> '$.attempt' AND ${DT}.${D.status} = 'pending'`;

/** Gives back claims without spending their attempt number. */
export function releaseClaimsStatements(db: D1Database, claims: readonly { seq: number; attempt: number }[], now: number): D1PreparedStatement[] {
  return perGeneration(claims, (r) => r.seq, (g, list) => db.prepare(forGeneration(RELEASE_SQL, g)).bind(JSON.stringify(list), now));
}

/** The sweep's overdue test on deliveries `d` (?1 now, ?2 grace, ?3 resend back-off): see delivery/recovery-sweep.ts. */
const OVERDUE = `((d.${D.nextAttemptAt} < ?2 AND (d.${D.enqueuedAt} < ?3 OR (d.${D.attempts} = 0 AND d.${D.enqueuedAt} = d.${D.createdAt} AND d.${D.enqueuedAt} < ?2)))
  OR (d.${D.nextAttemptAt} <= ?1 AND d.${D.enqueuedAt} <= d.${D.updatedAt} AND ${UNRECORDED_CLAIM_SQL}))`;

/**
 * The overdue deliveries, round-robin across namespaces: the watched ones
 * through deliveries_watched, and the young ones (above the watermark ?6)
 * by rowid range. Nothing else can be pending.
 */
const OVERDUE_SQL = `SELECT ${D.seq} FROM (
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
 * the mark stops below the first younger one. `gens` are the generations
 * that exist; only those at or above the mark's are touched.
 */
export async function advanceWatermark(db: D1Database, gens: readonly number[], mark: number, youngBefore: number): Promise<void> {
  const touched = gens.filter((g) => g >= generationOfSeq(mark));
  await db.batch([
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
           (SELECT min(${D.seq}) - 1 FROM ${ALL_DELIVERIES} WHERE ${D.seq} > ?1 AND ${D.createdAt} >= ?2),
           (SELECT max(${D.seq}) FROM ${ALL_DELIVERIES} WHERE ${D.seq} > ?1), ?1))
         ON CONFLICT (${SM.id}) DO UPDATE SET ${SM.seq} = max(${SM.seq}, excluded.${SM.seq})`,
      )
      .bind(mark, youngBefore),
  ]);
}

/** Marks the overdue deliveries re-enqueued (see delivery/recovery-sweep.ts); answers their seqs. */
export async function sweepOverdue(
  db: D1Database,
  p: { now: number; graceBefore: number; resendBefore: number; limit: number; namespaceChunk: number; mark: number },
): Promise<number[]> {
  const { results } = await db.prepare(OVERDUE_SQL).bind(p.now, p.graceBefore, p.resendBefore, p.limit, p.namespaceChunk, p.mark).all<RawRow>();
  const due = decodeRows(deliveries, ["seq"], results).map((r) => r.seq);
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
};

/** Delivery ?1 of namespace ?3 at time ?2, with its webhook (null fields when the webhook is gone). */
export async function redeliverTarget(db: D1Database, seq: number, now: number, namespace: string): Promise<RedeliverTarget | null> {
  const row = await unlessDayMissing(
    db
      .prepare(
        `SELECT d.${D.status}, d.${D.attempts}, d.${D.webhookId}, w.${W.active} AS webhook_active, w.${W.disabledReason}, ${ATTEMPT_RUNNING_SQL} AS in_flight
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
  return { ...d, disabledReason: w.disabledReason, webhookActive: row.webhook_active === null ? null : row.webhook_active === 1, inFlight: Boolean(row.in_flight) };
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
  const arms = windowGenerations(gens, cursor).map((g) => `(SELECT count(*) FROM ${deliveriesTable(g)} INDEXED BY ${indexName("deliveries_webhook_created", g)} WHERE ${WINDOW})`);
  const left = await db
    .prepare(`SELECT ${arms.join(" + ")} AS n`)
    .bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt)
    .first<{ n: number }>();
  return left?.n ?? 0;
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
  const { results } = await db
    .prepare(`${unionAll(inWindow, arm)} LIMIT ?6`)
    .bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt, chunk)
    .all<RawRow>();
  const picked = decodeRows(deliveries, ["seq"], results).map((r) => r.seq);
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

/** Retention of generation 0 (rows from before generations): deletes up to `limit` deliveries below both bounds (their attempts are gone already). */
export async function deleteDeliveriesBelow(db: D1Database, deliveryBound: number, eventBound: number, limit: number): Promise<number> {
  const r = await db
    .prepare(`DELETE FROM deliveries WHERE ${D.seq} IN (SELECT ${D.seq} FROM deliveries WHERE ${D.seq} < ? AND ${D.eventSeq} < ? ORDER BY ${D.seq} LIMIT ?)`)
    .bind(deliveryBound, eventBound, limit)
    .run();
  return r.meta.changes ?? 0;
}

/** What the fan-out needs besides the event (delivery/publish.ts). */
export type FanOut = {
  type: string;
  operational: boolean;
  namespace: string;
  eventId: string;
  /** The event's system (events.system): which formats carry it. */
  system: string;
  now: number;
  onlyWebhookId: string | null;
  excludeWebhookId: string | null;
  /** The event's data as JSON text, for the payload filters. */
  data: string;
};

/**
 * The fan-out INSERT into generation g, batched right before the event's
 * INSERT (db/stores/events.ts), which counts what it wrote: one delivery per
 * subscribed webhook, unless the event id was published before, on any day
 * (then neither writes). Seqs are given, not left to SQLite: a day's table
 * starts at its generation's first seq (db/generations.ts). event_seq is the
 * first delivery's seq, which is also the event's `seq` on a day's table.
 */
export function fanOutStatement(db: D1Database, g: number, f: FanOut): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `INSERT INTO ${DT} (${D.seq}, ${D.eventSeq}, ${D.eventId}, ${D.webhookId}, ${D.namespace}, ${D.eventType}, ${D.nextAttemptAt}, ${D.enqueuedAt}, ${D.createdAt}, ${D.updatedAt})
         SELECT (SELECT coalesce(max(${D.seq}), ?9) FROM ${DT}) + row_number() OVER (ORDER BY w.${W.id}),
           (SELECT coalesce(max(${D.seq}), ?9) + 1 FROM ${DT}), ?4, w.${W.id}, w.${W.namespace}, ?1, ?5, ?5, ?5, ?5
         FROM webhooks w
         WHERE NOT EXISTS (SELECT 1 FROM ${ALL_EVENTS} WHERE ${E.namespace} = ?3 AND ${E.id} = ?4) AND w.${W.namespace} = ?3 AND w.${W.active} = 1
           AND (?6 IS NULL OR w.${W.id} = ?6) AND (?7 IS NULL OR w.${W.id} <> ?7)
           -- A delivery aimed at one webhook (the test ping) needs no subscription.
           AND (?6 IS NOT NULL OR ${SUBSCRIPTION_MATCH_SQL})
           AND ${formatMatchSql("?10")}
           -- Payload filters (payload-filter.ts); the test ping skips them too.
           AND (?6 IS NOT NULL OR ${payloadFilterSql("?8")})
         RETURNING ${D.seq}`,
        g,
      ),
    )
    .bind(f.type, f.operational ? 1 : 0, f.namespace, f.eventId, f.now, f.onlyWebhookId, f.excludeWebhookId, f.data, firstSeq(g), f.system);
}

/** The fan-out's RETURNING rows: the new deliveries' seqs. */
export const fannedOutSeqs = (rows: RawRow[]): number[] => decodeRows(deliveries, ["seq"], rows).map((r) => r.seq);

/** How many events and deliveries generation g holds (its delivery seqs are dense from firstSeq(g) + 1). */
export async function generationSize(db: D1Database, g: number): Promise<{ events: number; deliveries: number }> {
  const row = await db
    .prepare(
      `SELECT (SELECT count(*) FROM ${eventsTable(g)}) AS events, coalesce((SELECT max(${D.seq}) FROM ${deliveriesTable(g)}), ?1) - ?1 AS deliveries`,
    )
    .bind(firstSeq(g))
    .first<{ events: number; deliveries: number }>();
  return row ?? { events: 0, deliveries: 0 };
}
