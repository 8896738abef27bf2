/**
 * events: an event's INSERT (batched with its fan-out, db/stores/deliveries.ts),
 * the reads of one event with its deliveries, and retention's bounds and deletes.
 * An event's deliveries are the rowid range from its first_delivery_seq to
 * the next event's (schema.ts), so no index on deliveries.event_seq is needed.
 */
import { storedDataSql } from "../../events/stored-data";
import { decodeRow, decodeRows, type RawRow } from "../columns";
import { deliveries, events, type DeliveryRow, type EventRow } from "../schema";
import { D, E } from "./names";

/** Upper bound of event `e`'s delivery rowids (see events.first_delivery_seq). */
const NEXT_EVENT_FIRST_SEQ = `coalesce((SELECT n.${E.firstDeliverySeq} FROM events n WHERE n.${E.seq} > e.${E.seq} ORDER BY n.${E.seq} LIMIT 1), 9007199254740991)`;

export type NewEvent = Pick<EventRow, "namespace" | "id" | "type" | "createdAt" | "system" | "test"> & { data: string | ArrayBuffer };

/**
 * Inserts the event unless its id was published before (RETURNING nothing
 * then); its first_delivery_seq is the next delivery rowid, which the
 * fan-out batched after it takes.
 */
export function insertEventStatement(db: D1Database, e: NewEvent): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO events (${E.namespace}, ${E.id}, ${E.type}, ${E.data}, ${E.createdAt}, ${E.system}, ${E.test}, ${E.firstDeliverySeq})
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(${D.seq}), 0) + 1 FROM deliveries))
         ON CONFLICT (${E.namespace}, ${E.id}) DO NOTHING RETURNING ${E.seq}`,
    )
    .bind(e.namespace, e.id, e.type, e.data, e.createdAt, e.system, e.test ? 1 : 0);
}

/** One event by id, its data as a storedDataSql JSON object (`stored`), and its delivery count. */
export type EventWithCount = Pick<EventRow, "seq" | "type" | "createdAt"> & { stored: string; deliveries: number };

export async function eventById(db: D1Database, namespace: string, id: string): Promise<EventWithCount | null> {
  const row = await db
    .prepare(
      `SELECT e.${E.seq}, e.${E.type}, json_object(${storedDataSql("e")}) AS stored, e.${E.createdAt},
         (SELECT count(*) FROM deliveries d WHERE d.${D.seq} >= e.${E.firstDeliverySeq} AND d.${D.seq} < ${NEXT_EVENT_FIRST_SEQ} AND d.${D.eventSeq} = e.${E.seq}) AS deliveries
       FROM events e WHERE e.${E.namespace} = ? AND e.${E.id} = ?`,
    )
    .bind(namespace, id)
    .first<RawRow>();
  const event = decodeRow(events, ["seq", "type", "createdAt"], row);
  return event && row ? { ...event, stored: row.stored as string, deliveries: row.deliveries as number } : null;
}

/** The deliveries of event `seq`, in order. */
export async function deliveriesOfEvent(db: D1Database, seq: number): Promise<Pick<DeliveryRow, "seq" | "webhookId" | "status" | "attempts">[]> {
  const { results } = await db
    .prepare(
      `SELECT d.${D.seq}, d.${D.webhookId}, d.${D.status}, d.${D.attempts} FROM events e JOIN deliveries d
             ON d.${D.seq} >= e.${E.firstDeliverySeq} AND d.${D.seq} < ${NEXT_EVENT_FIRST_SEQ} AND d.${D.eventSeq} = e.${E.seq}
           WHERE e.${E.seq} = ? ORDER BY d.${D.seq}`,
    )
    .bind(seq)
    .all<RawRow>();
  return decodeRows(deliveries, ["seq", "webhookId", "status", "attempts"], results);
}

/** Retention's rowid bounds: everything below them is older than the cutoff (delivery/retention.ts). */
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
