/**
 * events: an event's INSERT (batched with its fan-out, db/stores/deliveries.ts),
 * the reads of one event with its deliveries, and retention's bounds and deletes
 * of generation 0. An event's deliveries are a rowid range of its day's
 * deliveries table (schema.ts), so no index on deliveries.event_id is needed.
 */
import { storedDataSql } from "../../events/stored-data";
import { decodeRow, decodeRows, type RawRow } from "../columns";
import { ALL_EVENTS, DELIVERIES_T as DT, EVENTS_T as ET, forGeneration, generationOfSeq, sliceBase, sliceEnd } from "../generations";
import { deliveries, events, type DeliveryRow, type EventRow } from "../schema";
import { D, E } from "./names";

export type NewEvent = Pick<EventRow, "namespace" | "id" | "type" | "createdAt" | "system" | "test" | "orderingKey"> & { data: string | ArrayBuffer; slot: number };

/**
 * Inserts the event into generation g, batched right after its fan-out
 * (db/stores/deliveries.ts), unless its id was published before, on any day
 * (RETURNING nothing then). The fan-out's deliveries are the last
 * changes() rows of the day's table: its first_delivery_seq and
 * delivery_count. On a day's table (WITHOUT ROWID, db/generations.ts) the
 * event's `seq` is that first delivery's seq too.
 */
export function insertEventStatement(db: D1Database, g: number, e: NewEvent): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `INSERT INTO ${ET} (${E.seq}, ${E.namespace}, ${E.id}, ${E.type}, ${E.data}, ${E.createdAt}, ${E.system}, ${E.test}, ${E.firstDeliverySeq}, ${E.deliveryCount}, ${E.orderingKey})
         SELECT f.first, ?1, ?2, ?3, ?4, ?5, ?6, ?7, f.first, f.n, ?10
         FROM (SELECT (SELECT coalesce(max(${D.seq}), ?8) FROM ${DT} WHERE ${D.seq} > ?8 AND ${D.seq} < ?9) - changes() + 1 AS first, changes() AS n) f
         WHERE NOT EXISTS (SELECT 1 FROM ${ALL_EVENTS} WHERE ${E.namespace} = ?1 AND ${E.id} = ?2)
         RETURNING ${E.seq}`,
        g,
      ),
    )
    .bind(e.namespace, e.id, e.type, e.data, e.createdAt, e.system, e.test ? 1 : 0, sliceBase(g, e.slot), sliceEnd(g, e.slot), e.orderingKey);
}

/** One event by id, its data as a storedDataSql JSON object (`stored`), and where its deliveries are. */
export type EventWithCount = Pick<EventRow, "type" | "createdAt" | "firstDeliverySeq" | "deliveryCount" | "orderingKey"> & { stored: string };

/** Found on any day through the view, by each day's key (namespace, id). */
export async function eventById(db: D1Database, namespace: string, id: string): Promise<EventWithCount | null> {
  const row = await db
    .prepare(
      `SELECT e.${E.type}, json_object(${storedDataSql("e")}) AS stored, e.${E.createdAt}, e.${E.firstDeliverySeq}, e.${E.deliveryCount}, e.${E.orderingKey}
       FROM ${ALL_EVENTS} e WHERE e.${E.namespace} = ? AND e.${E.id} = ?`,
    )
    .bind(namespace, id)
    .first<RawRow>();
  const event = decodeRow(events, ["type", "createdAt", "firstDeliverySeq", "deliveryCount", "orderingKey"], row);
  return event && row ? { ...event, stored: row.stored as string } : null;
}

/** The deliveries of event (namespace, id), in order: a rowid range of its day's deliveries. */
export async function deliveriesOfEvent(
  db: D1Database,
  namespace: string,
  id: string,
  event: Pick<EventRow, "firstDeliverySeq" | "deliveryCount">,
): Promise<Pick<DeliveryRow, "seq" | "webhookId" | "status" | "attempts">[]> {
  if (event.deliveryCount === 0) return [];
  const { results } = await db
    .prepare(
      forGeneration(
        `SELECT d.${D.seq}, d.${D.webhookId}, d.${D.status}, d.${D.attempts} FROM ${DT} d
         WHERE d.${D.seq} >= ?1 AND d.${D.seq} < ?1 + ?2 AND d.${D.namespace} = ?3 AND d.${D.eventId} = ?4 ORDER BY d.${D.seq}`,
        generationOfSeq(event.firstDeliverySeq),
      ),
    )
    .bind(event.firstDeliverySeq, event.deliveryCount, namespace, id)
    .all<RawRow>();
  return decodeRows(deliveries, ["seq", "webhookId", "status", "attempts"], results);
}

/** Retention's rowid bounds in generation 0: everything below them is older than the cutoff (delivery/retention.ts). */
export type RetentionBounds = { eventBound: number; deliveryBound: number };

export async function retentionBounds(db: D1Database, cutoff: number): Promise<RetentionBounds | null> {
  const bounds = await db
    .prepare(
      `WITH keep AS (SELECT ${E.seq}, ${E.firstDeliverySeq} FROM events WHERE ${E.createdAt} >= ?1 ORDER BY ${E.seq} LIMIT 1)
       SELECT coalesce((SELECT ${E.seq} FROM keep), (SELECT coalesce(max(${E.seq}), 0) + 1 FROM events)) AS event_bound,
              coalesce((SELECT ${E.firstDeliverySeq} FROM keep), (SELECT coalesce(max(${D.seq}), 0) + 1 FROM deliveries)) AS delivery_bound`,
    )
    .bind(cutoff)
    .first<{ event_bound: number; delivery_bound: number }>();
  return bounds ? { eventBound: bounds.event_bound, deliveryBound: bounds.delivery_bound } : null;
}

/** Retention: deletes up to `limit` events with rowid below `bound` (their deliveries are gone already); answers how many. */
export async function deleteEventsBelow(db: D1Database, bound: number, limit: number): Promise<number> {
  const r = await db.prepare(`DELETE FROM events WHERE ${E.seq} IN (SELECT ${E.seq} FROM events WHERE ${E.seq} < ? ORDER BY ${E.seq} LIMIT ?)`).bind(bound, limit).run();
  return r.meta.changes ?? 0;
}

/** The first `?2` events of namespace ?1 on a day's (or the template's) events table, by key: the purge's chunk (namespaces/purge.ts). */
export const PURGE_CHUNK_EVENTS_SQL = `SELECT ${E.id}, ${E.firstDeliverySeq}, ${E.deliveryCount} FROM ${ET} WHERE ${E.namespace} = ?1 ORDER BY ${E.id} LIMIT ?2`;

/** Deletes the purge's chunk of events on day g (after its deliveries and attempts, in the same batch); `changes` is how many. */
export function purgeEventsStatement(db: D1Database, g: number, namespace: string, limit: number): D1PreparedStatement {
  return db
    .prepare(forGeneration(`DELETE FROM ${ET} WHERE ${E.namespace} = ?1 AND ${E.id} IN (SELECT ${E.id} FROM (${PURGE_CHUNK_EVENTS_SQL}))`, g))
    .bind(namespace, limit);
}

/** Up to `limit` events of the namespace on day g after id `after`, by key, with what the export shows (namespaces/export.ts). */
export async function eventsPage(
  db: D1Database,
  g: number,
  namespace: string,
  after: string,
  limit: number,
): Promise<(Pick<EventRow, "id" | "type" | "createdAt" | "firstDeliverySeq" | "deliveryCount" | "orderingKey"> & { stored: string })[]> {
  const { results } = await db
    .prepare(
      forGeneration(
        `SELECT e.${E.id}, e.${E.type}, json_object(${storedDataSql("e")}) AS stored, e.${E.createdAt}, e.${E.firstDeliverySeq}, e.${E.deliveryCount}, e.${E.orderingKey}
         FROM ${ET} e WHERE e.${E.namespace} = ?1 AND e.${E.id} > ?2 ORDER BY e.${E.id} LIMIT ?3`,
        g,
      ),
    )
    .bind(namespace, after, limit)
    .all<RawRow>();
  return decodeRows(events, ["id", "type", "createdAt", "firstDeliverySeq", "deliveryCount", "orderingKey"], results).map((e, i) => ({ ...e, stored: results[i].stored as string }));
}
