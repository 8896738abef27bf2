/**
 * deliveries in their key's order (delivery/ordering.ts, docs/ordering.md):
 * the SQL that says whether an earlier delivery of the same (webhook,
 * ordering key) has not ended yet, and which delivery is a key's head.
 * Only ordered deliveries (their webhook was ordered and their event had a
 * key) are in the partial index deliveries_ordered, and only while pending,
 * so these read a key's few pending deliveries on each day and an unordered
 * delivery never pays a row for them.
 */
import { decodeRows, type RawRow } from "../columns";
import { ALL_DELIVERIES } from "../generations";
import { deliveries } from "../schema";
import { D } from "./names";

/**
 * The deliveries `o` that have not ended and come before delivery `x` in its
 * key's order, on any day (an earlier one may be on yesterday's table). A
 * manual attempt (redeliver, recover) is outside the order and never holds it.
 */
const EARLIER_NOT_ENDED = (x: string) => `FROM ${ALL_DELIVERIES} o WHERE o.${D.ordered} = 1 AND o.${D.status} = 'pending'
  AND o.${D.webhookId} = ${x}.${D.webhookId} AND o.${D.orderingKey} = ${x}.${D.orderingKey} AND o.${D.seq} < ${x}.${D.seq} AND o.${D.manual} = 0`;

/** Delivery `x` (a row with seq, webhook_id, ordering_key, ordered, manual) must wait for an earlier one of its key. */
export const heldSql = (x: string) => `(${x}.${D.ordered} = 1 AND ${x}.${D.manual} = 0 AND EXISTS (SELECT 1 ${EARLIER_NOT_ENDED(x)}))`;

/**
 * The delivery `x` waits for: the latest earlier one of its key that has not
 * ended (none such between it and `x`), or NULL. Said without max(): an
 * aggregate over the views would read every day's pending ordered deliveries
 * instead of the key's.
 */
export const waitingForSql = (x: string) =>
  `(CASE WHEN ${x}.${D.ordered} = 1 AND ${x}.${D.manual} = 0 AND ${x}.${D.status} = 'pending' THEN (SELECT o.${D.seq} ${EARLIER_NOT_ENDED(x)}
    AND NOT EXISTS (SELECT 1 FROM ${ALL_DELIVERIES} q WHERE q.${D.ordered} = 1 AND q.${D.status} = 'pending' AND q.${D.webhookId} = ${x}.${D.webhookId}
      AND q.${D.orderingKey} = ${x}.${D.orderingKey} AND q.${D.seq} > o.${D.seq} AND q.${D.seq} < ${x}.${D.seq} AND q.${D.manual} = 0)) END)`;

/** A (webhook, ordering key) whose delivery just ended. */
export type OrderKey = { w: string; k: string };

/**
 * The head of each key of ?1 (JSON [{w, k}]): its pending ordered delivery
 * that nothing holds (the earliest; a manual one is outside the order).
 * Batched right after the settle that ended the one before it
 * (delivery/record.ts), so it sees that end.
 */
const HEADS_SQL = `SELECT h.${D.seq} FROM ${ALL_DELIVERIES} h
WHERE h.${D.ordered} = 1 AND h.${D.status} = 'pending' AND h.${D.manual} = 0
  AND (h.${D.webhookId}, h.${D.orderingKey}) IN (SELECT value ->> '$.w', value ->> '$.k' FROM json_each(?1))
  AND NOT ${heldSql("h")}`;

export function keyHeadsStatement(db: D1Database, keys: readonly OrderKey[]): D1PreparedStatement {
  return db.prepare(HEADS_SQL).bind(JSON.stringify(keys));
}

/** The heads found (a key with nothing pending left has none). */
export const keyHeads = (rows: RawRow[]): number[] => decodeRows(deliveries, ["seq"], rows).map((r) => r.seq);
