/**
 * The event feed's reads (pull/feed.ts) and the polled deliveries' writes
 * (pull/poll.ts). A feed reads a day's events table in the order
 * (seq, created_at, id): a day's event `seq` is the day's largest delivery
 * seq + 1 when it was written (db/stores/events.ts), so it never goes down
 * in commit order, and the events that share one are those written while no
 * delivery was (pull/feed.ts explains when such a group is final). No index:
 * the read is the namespace's range of the day's (namespace, id) key, so an
 * event still costs the one row it writes today.
 */
import { storedDataSql } from "../../events/stored-data";
import { formatMatchSql, operationalTypeSql, patternMatchSql } from "../../events/subscription";
import { decodeRows, type RawRow } from "../columns";
import { DELIVERIES_T as DT, EVENTS_T as ET, forGeneration, sliceBase, sliceEnd } from "../generations";
import { events, type EventRow } from "../schema";
import { D, E, W } from "./names";

/** A feed's read on one day: after `after` (seq, created_at, id), at most `limit` rows. */
export type FeedRead = {
  namespace: string;
  after: { s: number; t: number; i: string };
  /** created_at at or after it (ms). */
  since: number;
  /** Type patterns (a JSON array as in subscriptions), or null for every type. */
  types: string | null;
  /** Events created at or before it are final whatever their group (pull/feed.ts). */
  settledBefore: number;
  /** Only the events this webhook's subscription and format take (a poll). */
  webhookId: string | null;
  limit: number;
};

const FEED_KEYS = ["seq", "id", "type", "createdAt", "deliveryCount", "orderingKey"] as const;

export type FeedRow = Pick<EventRow, (typeof FEED_KEYS)[number]> & { stored: string; settled: boolean };

const feedSql = (poll: boolean) => `SELECT e.${E.seq}, e.${E.id}, e.${E.type}, json_object(${storedDataSql("e")}) AS stored, e.${E.createdAt}, e.${E.deliveryCount}, e.${E.orderingKey},
    (e.${E.seq} <= (SELECT coalesce(max(d.${D.seq}), -1) FROM ${DT} d) OR e.${E.createdAt} <= ?6) AS settled
  FROM ${ET} e
  WHERE e.${E.namespace} = ?1 AND e.${E.test} = 0
    AND (e.${E.seq} > ?2 OR (e.${E.seq} = ?2 AND (e.${E.createdAt} > ?3 OR (e.${E.createdAt} = ?3 AND e.${E.id} > ?4))))
    AND e.${E.createdAt} >= ?5
    AND (?7 IS NULL OR ${patternMatchSql("?7", `e.${E.type}`, operationalTypeSql(`e.${E.type}`))})
    ${
      poll
        ? `AND EXISTS (SELECT 1 FROM webhooks w WHERE w.${W.id} = ?9 AND e.${E.createdAt} >= w.${W.createdAt}
        AND ${patternMatchSql(`w.${W.events}`, `e.${E.type}`, operationalTypeSql(`e.${E.type}`))} AND ${formatMatchSql(`e.${E.system}`)})`
        : ""
    }
  ORDER BY e.${E.seq}, e.${E.createdAt}, e.${E.id} LIMIT ?8`;

/** Day g's next events after the position, with whether each is final (`settled`). */
export async function feedPage(db: D1Database, g: number, r: FeedRead): Promise<FeedRow[]> {
  const poll = r.webhookId !== null;
  const args: unknown[] = [r.namespace, r.after.s, r.after.t, r.after.i, r.since, r.settledBefore, r.types, r.limit];
  if (poll) args.push(r.webhookId);
  const { results } = await db
    .prepare(forGeneration(feedSql(poll), g))
    .bind(...args)
    .all<RawRow>();
  const decoded = decodeRows(events, FEED_KEYS, results);
  return decoded.map((e, i) => ({ ...e, stored: results[i].stored as string, settled: results[i].settled === 1 }));
}

/** The webhook's payload filter (payload-filter.ts) over data texts: the indexes in `datas` that pass. */
export const filterPassSql = (filterSql: string) => `SELECT CAST(j.key AS INTEGER) AS k FROM json_each(?1) j JOIN webhooks w ON w.${W.id} = ?2 WHERE ${filterSql}`;

export async function passingFilter(db: D1Database, filterSql: string, webhookId: string, datas: string[]): Promise<Set<number>> {
  const { results } = await db.prepare(filterPassSql(filterSql)).bind(JSON.stringify(datas), webhookId).all<{ k: number }>();
  return new Set(results.map((r) => r.k));
}

/** A polled item to record: its event (id, type, created_at). */
export type PolledItem = { id: string; type: string; created_at: number };

/**
 * Records items of day g a poll handed out as succeeded deliveries of the
 * webhook (the delivery log shows them), once each: an item already recorded
 * is found by the log's own index (webhook_id, created_at = the event's).
 * Two rows written per item: the row and its log index entry.
 */
export function recordPolledStatement(
  db: D1Database,
  g: number,
  webhookId: string,
  namespace: string,
  items: readonly PolledItem[],
  now: number,
  slot: number,
): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `INSERT INTO ${DT} (${D.seq}, ${D.eventSeq}, ${D.eventId}, ${D.webhookId}, ${D.namespace}, ${D.eventType}, ${D.status}, ${D.attempts},
           ${D.nextAttemptAt}, ${D.enqueuedAt}, ${D.createdAt}, ${D.updatedAt}, ${D.firstTrigger}, ${D.firstStartedAt}, ${D.firstDurationMs}, ${D.firstUrl})
         SELECT n.seq, n.seq, n.id, ?2, ?3, n.type, 'succeeded', 1, ?4, ?4, n.created_at, ?4, 'automatic', ?4, 0, 'poll'
         FROM (SELECT (SELECT coalesce(max(${D.seq}), ?5) FROM ${DT} WHERE ${D.seq} > ?5 AND ${D.seq} < ?6) + row_number() OVER (ORDER BY CAST(j.key AS INTEGER)) AS seq,
                 j.value ->> '$.id' AS id, j.value ->> '$.type' AS type, j.value ->> '$.created_at' AS created_at
               FROM json_each(?1) j
               WHERE NOT EXISTS (SELECT 1 FROM ${DT} d WHERE d.${D.webhookId} = ?2 AND d.${D.createdAt} = j.value ->> '$.created_at'
                 AND d.${D.eventId} = j.value ->> '$.id')) n`,
        g,
      ),
    )
    .bind(JSON.stringify(items), webhookId, namespace, now, sliceBase(g, slot), sliceEnd(g, slot));
}

/** The delivery seqs of recorded items of day g (by the log's index), to name them. */
export function polledSeqsStatement(db: D1Database, g: number, webhookId: string, items: readonly PolledItem[]): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        // CROSS JOIN keeps json_each outside: one index lookup per item, not a scan of the webhook's rows per item.
        `SELECT d.${D.seq} AS seq, d.${D.eventId} AS event_id FROM json_each(?1) j
         CROSS JOIN ${DT} d ON d.${D.webhookId} = ?2 AND d.${D.createdAt} = j.value ->> '$.created_at' AND d.${D.eventId} = j.value ->> '$.id'`,
        g,
      ),
    )
    .bind(JSON.stringify(items), webhookId);
}
