/**
 * attempts: attempt 2 on of each delivery, rowid `delivery_seq *
 * ATTEMPT_SLOTS + attempt` (attempt 1 lives in its delivery row:
 * delivery/attempt-log.ts). The attempt log's reader is here too, since it
 * answers one list from both places.
 */
import { ATTEMPT_FIELDS, ATTEMPT_ROW_NEEDED_SQL } from "../../delivery/attempt-log";
import { decodeRows, type RawRow } from "../columns";
import { ATTEMPT_SLOTS, attempts, type AttemptRow } from "../schema";
import { A, D } from "./names";

/** Every attempt of a flush that needs a row (attempt-log.ts), in one statement: the rows come as one JSON array. */
const RECORD_ATTEMPTS_SQL = `INSERT INTO attempts (${A.seq}, ${A.deliverySeq}, ${A.attempt}, ${A.trigger}, ${A.startedAt}, ${A.durationMs}, ${A.url}, ${A.requestHeaders},
  ${A.responseStatus}, ${A.responseHeaders}, ${A.responseBody}, ${A.errorClass}, ${A.errorMessage})
SELECT a.value ->> '$.seq', a.value ->> '$.delivery_seq', a.value ->> '$.attempt', a.value ->> '$.trigger',
  a.value ->> '$.started_at', a.value ->> '$.duration_ms', a.value ->> '$.url', a.value ->> '$.request_headers',
  a.value ->> '$.response_status', a.value ->> '$.response_headers', a.value ->> '$.response_body',
  a.value ->> '$.error_class', a.value ->> '$.error_message'
FROM json_each(?1) a WHERE ${ATTEMPT_ROW_NEEDED_SQL}`;

/** ?1 = the recorder's attempt rows (settle.ts attemptRow), as a JSON array. */
export function recordAttemptsStatement(db: D1Database, rowsJson: string): D1PreparedStatement {
  return db.prepare(RECORD_ATTEMPTS_SQL).bind(rowsJson);
}

/** Every attempt of delivery ?1, in order, in the attempts table's column names. */
export const ATTEMPTS_OF_SQL = `SELECT 1 AS ${A.attempt}, ${ATTEMPT_FIELDS.map((f) => `first_${f} AS ${f}`).join(", ")}
  FROM deliveries WHERE ${D.seq} = ?1 AND ${D.firstStartedAt} IS NOT NULL
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
  return db.prepare(ATTEMPTS_OF_SQL).bind(deliverySeq);
}

export const loggedAttempts = (rows: RawRow[]): LoggedAttempt[] => decodeRows(attempts, LOGGED_KEYS, rows);

/** Retention: deletes up to `limit` attempts with rowid below `bound`; answers how many. */
export async function deleteAttemptsBelow(db: D1Database, bound: number, limit: number): Promise<number> {
  const r = await db.prepare(`DELETE FROM attempts WHERE ${A.seq} IN (SELECT ${A.seq} FROM attempts WHERE ${A.seq} < ? ORDER BY ${A.seq} LIMIT ?)`).bind(bound, limit).run();
  return r.meta.changes ?? 0;
}
