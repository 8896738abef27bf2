/**
 * deliveries, the delivery hot path: the publish's fan-out, the consumer's
 * claim and its settle writes. What moves a delivery outside the consumer
 * (the sweep, redeliver, recover, dead letters, a disabled or deleted
 * webhook, retention) is in delivery-recovery.ts; reads for the API are in
 * delivery-reads.ts. What each statement means is documented where it is
 * used (delivery/claim.ts, record.ts, ...).
 */
import type { Lane } from "../../delivery/lanes";
import { FIRST_ATTEMPT_SET } from "../../delivery/attempt-log";
import { IN_FLIGHT_SQL, RATE_ALLOWED_SQL } from "../../delivery/flow-control";
import { payloadFilterSql } from "../../events/payload-filter";
import { storedDataSql } from "../../events/stored-data";
import { formatMatchSql, SUBSCRIPTION_MATCH_SQL } from "../../events/subscription";
import { decodeRows, type RawRow } from "../columns";
import { ALL_EVENTS, DELIVERIES_T as DT, EVENTS_T as ET, forGeneration, sliceBase, sliceEnd, perGeneration } from "../generations";
import { deliveries, type DeliveryRow } from "../schema";
import { heldSql } from "./delivery-order";
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
  FROM ${DT} d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
  WHERE d.${D.seq} IN (SELECT value FROM json_each(?1)) AND d.${D.status} = 'pending' AND d.${D.nextAttemptAt} <= ?2
    -- Not while an earlier delivery of its key has not ended (delivery/ordering.ts); read only for ordered deliveries.
    AND NOT ${heldSql("d")}
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
RETURNING ${D.seq}, ${D.attempts}, ${D.manual}, ${D.namespace}, ${D.eventType}, ${D.webhookId}, ${D.ordered}, ${D.orderingKey},
  (SELECT json_object('id', e.${E.id}, 'type', e.${E.type}, ${storedDataSql("e")}, 'created_at', e.${E.createdAt}, 'test', e.${E.test})
     FROM ${ET} e WHERE e.${E.namespace} = ${DT}.${D.namespace} AND e.${E.id} = ${DT}.${D.eventId}) AS event,
  (SELECT json_object('id', w.${W.id}, 'name', w.${W.name}, 'url', w.${W.url}, 'format', w.${W.format}, 'active', w.${W.active},
          'headers', w.${W.headers}, 'secret_sealed', w.${W.secretSealed}, 'previous_secret_sealed', w.${W.previousSecretSealed},
          'previous_secret_expires_at', w.${W.previousSecretExpiresAt}, 'signature_scheme', w.${W.signatureScheme},
          'failing_since', w.${W.failingSince}, 'failing_alert_percent', w.${W.failingAlertPercent},
          'consecutive_failures', w.${W.consecutiveFailures}, 'timeout_ms', w.${W.timeoutMs}, 'rate_limit', w.${W.rateLimit},
          'circuit_state', w.${W.circuitState}, 'circuit_since', w.${W.circuitSince},
          'circuit_next_probe_at', w.${W.circuitNextProbeAt}, 'circuit_failures', w.${W.circuitFailures},
          'destination', json(w.${W.destination}), 'destination_sealed', w.${W.destinationSealed})
     FROM webhooks w WHERE w.${W.id} = ${DT}.${D.webhookId}) AS webhook`;

/** The claim's arguments, in bind order: seqs (JSON, all of one generation), now, default timeout, lease margin. */
export type ClaimArgs = readonly [seqsJson: string, now: number, defaultTimeoutMs: number, leaseMarginMs: number];

const CLAIMED_KEYS = ["seq", "attempts", "manual", "namespace", "eventType", "webhookId", "ordered", "orderingKey"] as const;

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
  /** The event's ordering key (docs/ordering.md); null if none. */
  orderingKey: string | null;
  /** The shard's seq slot (db/generations.ts, sliceBase). */
  slot: number;
};

/**
 * The fan-out INSERT into generation g, batched right before the event's
 * INSERT (db/stores/events.ts), which counts what it wrote: one delivery per
 * subscribed webhook, unless the event id was published before, on any day
 * (then neither writes). Seqs are given, not left to SQLite: the shard's
 * slice of the day's range (db/generations.ts, sliceBase; a rowid range read). event_seq is the
 * first delivery's seq, which is also the event's `seq` on a day's table.
 */
export function fanOutStatement(db: D1Database, g: number, f: FanOut): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `INSERT INTO ${DT} (${D.seq}, ${D.eventSeq}, ${D.eventId}, ${D.webhookId}, ${D.namespace}, ${D.eventType}, ${D.nextAttemptAt}, ${D.enqueuedAt}, ${D.createdAt}, ${D.updatedAt},
           ${D.orderingKey}, ${D.ordered})
         SELECT (SELECT coalesce(max(${D.seq}), ?9) FROM ${DT} WHERE ${D.seq} > ?9 AND ${D.seq} < ?11) + row_number() OVER (ORDER BY w.${W.id}),
           (SELECT coalesce(max(${D.seq}), ?9) + 1 FROM ${DT} WHERE ${D.seq} > ?9 AND ${D.seq} < ?11), ?4, w.${W.id}, w.${W.namespace}, ?1, ?5, ?5, ?5, ?5,
           -- Ordered only with a key, for a webhook ordered now (delivery/ordering.ts); the test ping never is.
           ?12, ?12 IS NOT NULL AND ?6 IS NULL AND w.${W.ordered} = 1
         FROM webhooks w
         WHERE NOT EXISTS (SELECT 1 FROM ${ALL_EVENTS} WHERE ${E.namespace} = ?3 AND ${E.id} = ?4) AND w.${W.namespace} = ?3 AND w.${W.active} = 1
           -- A polling webhook is served from the events themselves (pull/poll.ts): no delivery row at fan-out.
           AND w.${W.mode} = 'push'
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
    .bind(f.type, f.operational ? 1 : 0, f.namespace, f.eventId, f.now, f.onlyWebhookId, f.excludeWebhookId, f.data, sliceBase(g, f.slot), f.system, sliceEnd(g, f.slot), f.orderingKey);
}

/** The fan-out's RETURNING rows: the new deliveries' seqs. */
export const fannedOutSeqs = (rows: RawRow[]): number[] => decodeRows(deliveries, ["seq"], rows).map((r) => r.seq);
