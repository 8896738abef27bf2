/**
 * attempts: attempt 2 on of each delivery, rowid `delivery_seq *
 * ATTEMPT_SLOTS + attempt` (attempt 1 lives in its delivery row:
 * delivery/attempt-log.ts). The attempt log's reader is here too, since it
 * answers one list from both places.
 */
import { ATTEMPT_FIELDS, ATTEMPT_ROW_NEEDED_SQL } from "../../delivery/attempt-log";
import { decodeRows, type RawRow } from "../columns";
import { DELIVERIES_T as DT, forGeneration, generationOfSeq, perGeneration } from "../generations";
import { ATTEMPT_SLOTS, attempts, type AttemptRow } from "../schema";
import { A, D, E } from "./names";
import { PURGE_CHUNK_EVENTS_SQL } from "./events";

/** Every attempt of a flush that needs a row (attempt-log.ts), in one statement: the rows come as one JSON array. */
const RECORD_ATTEMPTS_SQL = `INSERT INTO attempts (${A.seq}, ${A.deliverySeq}, ${A.attempt}, ${A.trigger}, ${A.startedAt}, ${A.durationMs}, ${A.url}, ${A.requestHeaders},
  ${A.responseStatus}, ${A.responseHeaders}, ${A.responseBody}, ${A.errorClass}, ${A.errorMessage})
SELECT a.value ->> '$.seq', a.value ->> '$.delivery_seq', a.value ->> '$.attempt', a.value ->> '$.trigger',
  a.value ->> '$.started_at', a.value ->> '$.duration_ms', a.value ->> '$.url', a.value ->> '$.request_headers',
  a.value ->> '$.response_status', a.value ->> '$.response_headers', a.value ->> '$.response_body',
  a.value ->> '$.error_class', a.value ->> '$.error_message'
FROM json_each(?1) a WHERE ${ATTEMPT_ROW_NEEDED_SQL}`;

/** The recorder's attempt rows (settle.ts attemptRow): one INSERT per generation of their deliveries. */
export function recordAttemptsStatements(db: D1Database, rows: readonly Record<string, unknown>[]): D1PreparedStatement[] {
  return perGeneration(rows, (r) => r.delivery_seq as number, (g, list) => db.prepare(forGeneration(RECORD_ATTEMPTS_SQL, g)).bind(JSON.stringify(list)));
}

/** Every attempt of delivery ?1, in order, in the attempts table's column names. */
export const ATTEMPTS_OF_SQL = `SELECT 1 AS ${A.attempt}, ${ATTEMPT_FIELDS.map((f) => `first_${f} AS ${f}`).join(", ")}
  FROM ${DT} WHERE ${D.seq} = ?1 AND ${D.firstStartedAt} IS NOT NULL
  UNION ALL
  SELECT ${A.attempt}, ${ATTEMPT_FIELDS.join(", ")} FROM attempts WHERE ${A.seq} >= ?1 * ${ATTEMPT_SLOTS} AND ${A.seq} < (?1 + 1) * ${ATTEMPT_SLOTS}
  ORDER BY ${A.attempt}`;

const LOGGED_KEYS = [
  "attempt",
  "trigger",
  "startedAt",
  "durationMs",
  "url",
  "requestHeaders",
  "responseStatus",
  "responseHeaders",
  "responseBody",
  "errorClass",
  "errorMessage",
] as const;

export type LoggedAttempt = Pick<AttemptRow, (typeof LOGGED_KEYS)[number]>;

/** The attempt log of one delivery (to batch with the delivery's own read); decode with loggedAttempts. */
export function attemptsOfStatement(db: D1Database, deliverySeq: number): D1PreparedStatement {
  return db.prepare(forGeneration(ATTEMPTS_OF_SQL, generationOfSeq(deliverySeq))).bind(deliverySeq);
}

export const loggedAttempts = (rows: RawRow[]): LoggedAttempt[] => decodeRows(attempts, LOGGED_KEYS, rows);

/** Retention: deletes up to `limit` attempts with rowid in [from, below); answers how many. */
export async function deleteAttemptsBetween(db: D1Database, from: number, below: number, limit: number): Promise<number> {
  const r = await db
    .prepare(`DELETE FROM attempts WHERE ${A.seq} IN (SELECT ${A.seq} FROM attempts WHERE ${A.seq} >= ? AND ${A.seq} < ? ORDER BY ${A.seq} LIMIT ?)`)
    .bind(from, below, limit)
    .run();
  return r.meta.changes ?? 0;
}

/** Deletes the attempts of the deliveries of the purge's chunk of events on day g (rowid ranges), first of the chunk's batch (namespaces/purge.ts). */
export function purgeAttemptsStatement(db: D1Database, g: number, namespace: string, limit: number): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `DELETE FROM attempts WHERE ${A.seq} IN (
           SELECT a.${A.seq} FROM (${PURGE_CHUNK_EVENTS_SQL}) e JOIN attempts a
             ON a.${A.seq} >= e.${E.firstDeliverySeq} * ${ATTEMPT_SLOTS} AND a.${A.seq} < (e.${E.firstDeliverySeq} + e.${E.deliveryCount}) * ${ATTEMPT_SLOTS})`,
        g,
      ),
    )
    .bind(namespace, limit);
}

/** The first `limit` deliveries of the namespace left on day g once its events are gone (polled items: pull/poll.ts), by seq. */
export const PURGE_LEFTOVER_SQL = `SELECT ${D.seq} FROM ${DT} WHERE ${D.namespace} = ?1 ORDER BY ${D.seq} LIMIT ?2`;

/** The attempts of the purge's chunk of leftover deliveries (PURGE_LEFTOVER_SQL), batched before the deliveries themselves. */
export function purgeLeftoverAttemptsStatement(db: D1Database, g: number, namespace: string, limit: number): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `DELETE FROM attempts WHERE ${A.seq} IN (
           SELECT a.${A.seq} FROM (${PURGE_LEFTOVER_SQL}) d JOIN attempts a ON a.${A.seq} >= d.${D.seq} * ${ATTEMPT_SLOTS} AND a.${A.seq} < (d.${D.seq} + 1) * ${ATTEMPT_SLOTS})`,
        g,
      ),
    )
    .bind(namespace, limit);
}
