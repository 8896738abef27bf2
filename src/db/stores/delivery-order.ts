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
import { acrossDays, ALL_DELIVERIES, deliveriesTable, generationOfSeq, unionAll } from "../generations";
import { deliveries, type DeliveryRow } from "../schema";
import { D } from "./names";

/**
 * The deliveries `o` that have not ended and come before delivery `x` in its
 * key's order, on any day (an earlier one may be on yesterday's table). A
 * manual attempt (redeliver, recover) is outside the order and never holds it.
 */
const EARLIER_NOT_ENDED = (x: string) => `FROM ${ALL_DELIVERIES} o WHERE o.${D.ordered} = 1 AND o.${D.status} = 'pending'
  AND o.${D.webhookId} = ${x}.${D.webhookId} AND o.${D.orderingKey} = ${x}.${D.orderingKey} AND o.${D.seq} < ${x}.${D.seq} AND o.${D.manual} = 0`;

/**
 * Delivery `x` (a row with seq, webhook_id, ordering_key, ordered, manual) must
 * wait for an earlier one of its key. Only for `x` on one day's table (the
 * claim, the unclaimed read): over the views it would nest views in views.
 */
export const heldSql = (x: string) => `(${x}.${D.ordered} = 1 AND ${x}.${D.manual} = 0 AND EXISTS (SELECT 1 ${EARLIER_NOT_ENDED(x)}))`;

/**
 * The delivery `d` waits for: the latest earlier delivery of its key that
 * has not ended, or null. Read day by day (each day's index by key), not
 * through the views: a subquery over the views inside another over them
 * compiles one per pair of days, too much at the longest retention.
 */
export async function waitingFor(db: D1Database, gens: readonly number[], d: Pick<DeliveryRow, "seq" | "webhookId" | "orderingKey">): Promise<number | null> {
  const arm = (g: number) =>
    `SELECT max(${D.seq}) AS ${D.seq} FROM ${deliveriesTable(g)} WHERE ${D.ordered} = 1 AND ${D.status} = 'pending'
       AND ${D.webhookId} = ?1 AND ${D.orderingKey} = ?2 AND ${D.seq} < ?3 AND ${D.manual} = 0`;
  const days = gens.filter((g) => g <= generationOfSeq(d.seq));
  const rows = await acrossDays<RawRow>(db, days, (ds) => db.prepare(unionAll(ds, arm)).bind(d.webhookId, d.orderingKey, d.seq));
  const seqs = decodeRows(deliveries, ["seq"], rows.filter((r) => r[D.seq] !== null)).map((r) => r.seq);
  return seqs.length ? Math.max(...seqs) : null;
}

/** A (webhook, ordering key) whose delivery just ended. */
export type OrderKey = { w: string; k: string };

/**
 * The head of each key of ?1 (JSON [{w, k}]): its earliest pending ordered
 * delivery, not a manual one. The keys' pending deliveries are read through
 * each day's index (a key has few), numbered in order, the first kept.
 * Batched right after the settle that ended the one before it
 * (delivery/record.ts), so it sees that end.
 */
const HEADS_SQL = `SELECT ${D.seq} FROM (
  SELECT h.${D.seq}, row_number() OVER (PARTITION BY h.${D.webhookId}, h.${D.orderingKey} ORDER BY h.${D.seq}) AS pos
  FROM ${ALL_DELIVERIES} h
  WHERE h.${D.ordered} = 1 AND h.${D.status} = 'pending' AND h.${D.manual} = 0
    AND h.${D.orderingKey} IN (SELECT value ->> '$.k' FROM json_each(?1))
    -- \`+\`: found by key through deliveries_ordered, not by webhook through every delivery it ever had.
    AND (+h.${D.webhookId}, h.${D.orderingKey}) IN (SELECT value ->> '$.w', value ->> '$.k' FROM json_each(?1))
) WHERE pos = 1`;

export function keyHeadsStatement(db: D1Database, keys: readonly OrderKey[]): D1PreparedStatement {
  return db.prepare(HEADS_SQL).bind(JSON.stringify(keys));
}

/** The heads found (a key with nothing pending left has none). */
export const keyHeads = (rows: RawRow[]): number[] => decodeRows(deliveries, ["seq"], rows).map((r) => r.seq);
