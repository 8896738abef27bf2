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
import { FORMAT_MATCH_SQL, SUBSCRIPTION_MATCH_SQL } from "../../events/subscription";
import { decodeRows, type RawRow } from "../columns";
import { deliveries, webhooks, type DeliveryRow } from "../schema";
import { D, E, W } from "./names";

const LEASE_END = (w: string) => `?2 + coalesce(${w}.${W.timeoutMs}, ?3) + ?4`;

const LANE_GATE: Record<Lane, string> = {
  main: `c.${D.attempts} = 0 AND c.${W.consecutiveFailures} = 0 AND c.${W.circuitState} = 'closed' AND coalesce(c.${W.slowUntil}, 0) <= ?2`,
  slow: "1",
};

const claimSql = (lane: Lane) => `WITH cand AS (
  SELECT d.${D.seq}, d.${D.attempts}, d.${D.manual}, w.${W.id} AS wid, w.${W.consecutiveFailures}, w.${W.circuitState}, w.${W.circuitNextProbeAt},
    w.${W.timeoutMs}, w.${W.rateLimit}, w.${W.rateTat}, w.${W.maxInFlight}, w.${W.slowUntil},
    row_number() OVER (PARTITION BY d.${D.webhookId} ORDER BY d.${D.seq}) AS k
  FROM deliveries d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
  WHERE d.${D.seq} IN (SELECT value FROM json_each(?1)) AND d.${D.status} = 'pending' AND d.${D.nextAttemptAt} <= ?2
), go AS (
  SELECT c.${D.seq} FROM cand c WHERE c.wid IS NULL OR (${LANE_GATE[lane]}
    AND (c.${D.manual} = 1 OR c.${W.circuitState} = 'closed'
      OR (c.${W.circuitState} = 'half_open' AND c.${W.circuitNextProbeAt} = ${LEASE_END("c")} AND c.k = 1))
    AND (c.${W.maxInFlight} IS NULL OR c.k + ${IN_FLIGHT_SQL} <= c.${W.maxInFlight})
    AND (c.${W.rateLimit} IS NULL OR c.k <= ${RATE_ALLOWED_SQL}))
)
UPDATE deliveries SET ${D.attempts} = ${D.attempts} + 1, ${D.lastDurationMs} = NULL, ${D.updatedAt} = ?2,
  ${D.nextAttemptAt} = ?2 + coalesce((SELECT w.${W.timeoutMs} FROM webhooks w WHERE w.${W.id} = deliveries.${D.webhookId}), ?3) + ?4
WHERE ${D.seq} IN (SELECT ${D.seq} FROM go) AND ${D.status} = 'pending' AND ${D.nextAttemptAt} <= ?2
RETURNING ${D.seq}, ${D.attempts}, ${D.manual}, ${D.namespace}, ${D.eventType},
  (SELECT json_object('id', e.${E.id}, 'type', e.${E.type}, ${storedDataSql("e")}, 'created_at', e.${E.createdAt}, 'test', e.${E.test})
     FROM events e WHERE e.${E.seq} = deliveries.${D.eventSeq}) AS event,
  (SELECT json_object('id', w.${W.id}, 'name', w.${W.name}, 'url', w.${W.url}, 'format', w.${W.format}, 'active', w.${W.active},
          'headers', w.${W.headers}, 'secret_sealed', w.${W.secretSealed}, 'previous_secret_sealed', w.${W.previousSecretSealed},
          'previous_secret_expires_at', w.${W.previousSecretExpiresAt}, 'failing_since', w.${W.failingSince},
          'consecutive_failures', w.${W.consecutiveFailures}, 'timeout_ms', w.${W.timeoutMs}, 'rate_limit', w.${W.rateLimit},
          'circuit_state', w.${W.circuitState}, 'circuit_since', w.${W.circuitSince},
          'circuit_next_probe_at', w.${W.circuitNextProbeAt}, 'circuit_failures', w.${W.circuitFailures})
     FROM webhooks w WHERE w.${W.id} = deliveries.${D.webhookId}) AS webhook`;

/** The claim's arguments, in bind order: seqs (JSON), now, default timeout, lease margin. */
export type ClaimArgs = readonly [seqsJson: string, now: number, defaultTimeoutMs: number, leaseMarginMs: number];

const CLAIMED_KEYS = ["seq", "attempts", "manual", "namespace", "eventType"] as const;

/** A claimed delivery row, with its event and webhook as JSON objects (null when gone). */
export type ClaimedRow = Pick<DeliveryRow, (typeof CLAIMED_KEYS)[number]> & { event: string | null; webhook: string | null };

/** The claim UPDATE of the lane (to batch after the slow lane's probe reservation). */
export function claimStatement(db: D1Database, lane: Lane, args: ClaimArgs): D1PreparedStatement {
  return db.prepare(claimSql(lane)).bind(...args);
}

/** Decodes the claim's RETURNING rows. */
export function claimedRows(rows: RawRow[]): ClaimedRow[] {
  const decoded = decodeRows(deliveries, CLAIMED_KEYS, rows);
  return decoded.map((d, i) => ({ ...d, event: rows[i].event as string | null, webhook: rows[i].webhook as string | null }));
}

/**
 * New delivery states from the recorder's JSON rows, one statement per kind.
 * A delivery that stays pending keeps `status` out of the SET list: assigning
 * it, even unchanged, re-inserts the partial pending-index entry (a billed
 * row; bench/README.md measures it).
 */
const settleSql = (withStatus: boolean) => `UPDATE deliveries SET ${withStatus ? `${D.status} = r.value ->> '$.status', ` : ""}
  ${D.lastResponseStatus} = r.value ->> '$.response_status', ${D.lastDurationMs} = r.value ->> '$.duration_ms',
  ${D.nextAttemptAt} = r.value ->> '$.next_attempt_at', ${D.manual} = 0, ${D.failureReason} = r.value ->> '$.failure_reason',
  ${D.updatedAt} = r.value ->> '$.updated_at', ${FIRST_ATTEMPT_SET}
FROM json_each(?1) r
WHERE deliveries.${D.seq} = r.value ->> '$.seq' AND deliveries.${D.attempts} = r.value ->> '$.attempt'`;

export function settleStatement(db: D1Database, rowsJson: string, withStatus: boolean): D1PreparedStatement {
  return db.prepare(settleSql(withStatus)).bind(rowsJson);
}

const END_SQL = `UPDATE deliveries SET ${D.status} = 'failed', ${D.attempts} = ${D.attempts} - 1, ${D.failureReason} = r.value ->> '$.reason',
  ${D.nextAttemptAt} = ?2, ${D.updatedAt} = ?2
FROM json_each(?1) r WHERE deliveries.${D.seq} = r.value ->> '$.seq' AND deliveries.${D.status} = 'pending'`;

/** Ends claimed deliveries without an attempt: ?1 = [{seq, reason}]. */
export function endWithoutAttemptStatement(db: D1Database, endedJson: string, now: number): D1PreparedStatement {
  return db.prepare(END_SQL).bind(endedJson, now);
}

const RELEASE_SQL = `UPDATE deliveries SET ${D.attempts} = ${D.attempts} - 1, ${D.nextAttemptAt} = ?2, ${D.updatedAt} = ?2
FROM json_each(?1) r WHERE deliveries.${D.seq} = r.value ->> '$.seq' AND deliveries.${D.attempts} = r.value ->> '$.attempt' AND deliveries.${D.status} = 'pending'`;

/** Gives back claims without spending their attempt number: ?1 = [{seq, attempt}]. */
export function releaseClaimsStatement(db: D1Database, claimsJson: string, now: number): D1PreparedStatement {
  return db.prepare(RELEASE_SQL).bind(claimsJson, now);
}

// Reads through the partial index deliveries_pending: only the backlog.
const SWEEP_SQL = `UPDATE deliveries SET ${D.enqueuedAt} = ?1
WHERE ${D.seq} IN (
  SELECT ${D.seq} FROM (
    SELECT d.${D.seq}, row_number() OVER (PARTITION BY d.${D.namespace} ORDER BY d.${D.seq}) AS rn
    FROM deliveries d
    WHERE d.${D.status} = 'pending' AND (
      (d.${D.nextAttemptAt} < ?2 AND (d.${D.enqueuedAt} < ?3 OR (d.${D.attempts} = 0 AND d.${D.enqueuedAt} = d.${D.createdAt} AND d.${D.enqueuedAt} < ?2)))
      OR (d.${D.nextAttemptAt} <= ?1 AND d.${D.enqueuedAt} <= d.${D.updatedAt} AND ${UNRECORDED_CLAIM_SQL})
    )
  )
  ORDER BY (rn - 1) / ?5, ${D.seq}
  LIMIT ?4)
RETURNING ${D.seq}`;

/** Marks the overdue deliveries re-enqueued (see delivery/recovery-sweep.ts); answers their seqs. */
export async function sweepOverdue(
  db: D1Database,
  p: { now: number; graceBefore: number; resendBefore: number; limit: number; namespaceChunk: number },
): Promise<number[]> {
  const { results } = await db.prepare(SWEEP_SQL).bind(p.now, p.graceBefore, p.resendBefore, p.limit, p.namespaceChunk).all<RawRow>();
  return decodeRows(deliveries, ["seq"], results).map((r) => r.seq);
}

/** One dead-lettered delivery ends `failed`, if nothing else settled it. */
export function deadLetterStatement(db: D1Database, seq: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET ${D.status} = 'failed', ${D.failureReason} = 'dead_lettered', ${D.nextAttemptAt} = ?, ${D.updatedAt} = ? WHERE ${D.seq} = ? AND ${D.status} = 'pending'`,
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
  const row = await db
    .prepare(
      `SELECT d.${D.status}, d.${D.attempts}, d.${D.webhookId}, w.${W.active} AS webhook_active, w.${W.disabledReason}, ${ATTEMPT_RUNNING_SQL} AS in_flight
       FROM deliveries d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
       WHERE d.${D.seq} = ?1 AND d.${D.namespace} = ?3`,
    )
    .bind(seq, now, namespace)
    .first<RawRow>();
  if (!row) return null;
  const [d] = decodeRows(deliveries, ["status", "attempts", "webhookId"], [row]);
  const [w] = decodeRows(webhooks, ["disabledReason"], [row]);
  return { ...d, disabledReason: w.disabledReason, webhookActive: row.webhook_active === null ? null : row.webhook_active === 1, inFlight: Boolean(row.in_flight) };
}

/** The redelivery's write, with the same checks again inside it; false when the delivery changed meanwhile. */
export async function markRedelivered(db: D1Database, seq: number, now: number, namespace: string, maxAttempt: number): Promise<boolean> {
  const updated = await db
    .prepare(
      `UPDATE deliveries AS d SET ${D.status} = 'pending', ${D.manual} = 1, ${D.failureReason} = NULL,
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

/** How many deliveries a recovery still has after the cursor. */
export async function countRecoverable(db: D1Database, cursor: RecoverWindow, maxAttempt: number): Promise<number> {
  const left = await db
    .prepare(`SELECT count(*) AS n FROM deliveries INDEXED BY deliveries_webhook_created WHERE ${WINDOW}`)
    .bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt)
    .first<{ n: number }>();
  return left?.n ?? 0;
}

/** One chunk of a recovery: up to `chunk` deliveries back to pending (manual); answers them. */
export async function recoverChunk(
  db: D1Database,
  cursor: RecoverWindow,
  maxAttempt: number,
  now: number,
  chunk: number,
): Promise<Pick<DeliveryRow, "seq" | "createdAt">[]> {
  const { results } = await db
    .prepare(
      `UPDATE deliveries SET ${D.status} = 'pending', ${D.manual} = 1, ${D.failureReason} = NULL,
           ${D.nextAttemptAt} = ?6, ${D.enqueuedAt} = ?6, ${D.updatedAt} = ?6
         WHERE ${D.seq} IN (SELECT ${D.seq} FROM deliveries INDEXED BY deliveries_webhook_created WHERE ${WINDOW} ORDER BY ${D.createdAt}, ${D.seq} LIMIT ?7)
         RETURNING ${D.seq}, ${D.createdAt}`,
    )
    .bind(cursor.w, cursor.until, cursor.c, cursor.s, maxAttempt, now, chunk)
    .all<RawRow>();
  return decodeRows(deliveries, ["seq", "createdAt"], results);
}

/** A disabled webhook's pending deliveries end `failed` with its reason (delivery/auto-disable.ts). */
export function failPendingOfDisabledStatement(db: D1Database, reason: string, at: number, webhookId: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries INDEXED BY deliveries_webhook_created
         SET ${D.status} = 'failed', ${D.failureReason} = ?1, ${D.manual} = 0, ${D.nextAttemptAt} = ?2, ${D.updatedAt} = ?2
         WHERE ${D.webhookId} = ?3 AND ${D.status} = 'pending'`,
    )
    .bind(reason, at, webhookId);
}

/** A deleted webhook's pending deliveries end `failed` (`webhook_deleted`). */
export function failPendingOfDeletedStatement(db: D1Database, now: number, webhookId: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deliveries SET ${D.status} = 'failed', ${D.failureReason} = 'webhook_deleted', ${D.nextAttemptAt} = ?, ${D.updatedAt} = ? WHERE ${D.webhookId} = ? AND ${D.status} = 'pending'`,
    )
    .bind(now, now, webhookId);
}

/** Retention: deletes up to `limit` deliveries below both bounds (their attempts are gone already); answers how many. */
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
  now: number;
  onlyWebhookId: string | null;
  excludeWebhookId: string | null;
  /** The event's data as JSON text, for the payload filters. */
  data: string;
};

/**
 * The fan-out INSERT, batched right after the event's INSERT: one delivery
 * per subscribed webhook, only if that INSERT wrote the event (changes() = 1).
 */
export function fanOutStatement(db: D1Database, f: FanOut): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO deliveries (${D.eventSeq}, ${D.webhookId}, ${D.namespace}, ${D.eventType}, ${D.nextAttemptAt}, ${D.enqueuedAt}, ${D.createdAt}, ${D.updatedAt})
         SELECT (SELECT ${E.seq} FROM events WHERE ${E.namespace} = ?3 AND ${E.id} = ?4), w.${W.id}, w.${W.namespace}, ?1, ?5, ?5, ?5, ?5
         FROM webhooks w
         WHERE changes() = 1 AND w.${W.namespace} = ?3 AND w.${W.active} = 1
           AND (?6 IS NULL OR w.${W.id} = ?6) AND (?7 IS NULL OR w.${W.id} <> ?7)
           -- A delivery aimed at one webhook (the test ping) needs no subscription.
           AND (?6 IS NOT NULL OR ${SUBSCRIPTION_MATCH_SQL})
           AND ${FORMAT_MATCH_SQL}
           -- Payload filters (payload-filter.ts); the test ping skips them too.
           AND (?6 IS NOT NULL OR ${payloadFilterSql("?8")})
         RETURNING ${D.seq}`,
    )
    .bind(f.type, f.operational ? 1 : 0, f.namespace, f.eventId, f.now, f.onlyWebhookId, f.excludeWebhookId, f.data);
}

/** The fan-out's RETURNING rows: the new deliveries' seqs. */
export const fannedOutSeqs = (rows: RawRow[]): number[] => decodeRows(deliveries, ["seq"], rows).map((r) => r.seq);
