/**
 * Deliveries removed: retention of generation 0 (rows from before days) and
 * the size of a day it reads (delivery/retention.ts), and a deleted
 * namespace's purge, day by day (namespaces/purge.ts).
 */
import { DELIVERIES_T as DT, deliveriesTable, eventsTable, forGeneration, sliceBase, sliceEnd } from "../generations";
import { PURGE_LEFTOVER_SQL } from "./attempts";
import { PURGE_CHUNK_EVENTS_SQL } from "./events";
import { D, E } from "./names";

/** Retention of generation 0 (rows from before generations): deletes up to `limit` deliveries below both bounds (their attempts are gone already). */
export async function deleteDeliveriesBelow(db: D1Database, deliveryBound: number, eventBound: number, limit: number): Promise<number> {
  const r = await db
    .prepare(`DELETE FROM deliveries WHERE ${D.seq} IN (SELECT ${D.seq} FROM deliveries WHERE ${D.seq} < ? AND ${D.eventSeq} < ? ORDER BY ${D.seq} LIMIT ?)`)
    .bind(deliveryBound, eventBound, limit)
    .run();
  return r.meta.changes ?? 0;
}

/** How many events and deliveries generation g holds (the shard's own seqs are dense in its slice; a few moved-in rows are not counted). */
export async function generationSize(db: D1Database, g: number, slot: number): Promise<{ events: number; deliveries: number }> {
  const row = await db
    .prepare(
      `SELECT (SELECT count(*) FROM ${eventsTable(g)}) AS events,
         coalesce((SELECT max(${D.seq}) FROM ${deliveriesTable(g)} WHERE ${D.seq} > ?1 AND ${D.seq} < ?2), ?1) - ?1 AS deliveries`,
    )
    .bind(sliceBase(g, slot), sliceEnd(g, slot))
    .first<{ events: number; deliveries: number }>();
  return row ?? { events: 0, deliveries: 0 };
}

/**
 * Deletes the purge's chunk of deliveries of the namespace that no event
 * range covers (polled items, recorded outside their event's range): a scan
 * of the day's table, once per day of a deleted namespace. `changes` is how many.
 */
export function purgeLeftoverDeliveriesStatement(db: D1Database, g: number, namespace: string, limit: number): D1PreparedStatement {
  return db.prepare(forGeneration(`DELETE FROM ${DT} WHERE ${D.seq} IN (${PURGE_LEFTOVER_SQL})`, g)).bind(namespace, limit);
}

/** Deletes the deliveries of the purge's chunk of events on day g (their seq ranges), before the events (namespaces/purge.ts). */
export function purgeDeliveriesStatement(db: D1Database, g: number, namespace: string, limit: number): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `DELETE FROM ${DT} WHERE ${D.seq} IN (
           SELECT d.${D.seq} FROM (${PURGE_CHUNK_EVENTS_SQL}) e JOIN ${DT} d
             ON d.${D.seq} >= e.${E.firstDeliverySeq} AND d.${D.seq} < e.${E.firstDeliverySeq} + e.${E.deliveryCount}
           WHERE d.${D.namespace} = ?1)`,
        g,
      ),
    )
    .bind(namespace, limit);
}
