/**
 * deliveries, read for the API and the operators: the delivery log (one
 * webhook's list, one delivery, the namespace-wide search), a webhook's
 * stats and activity, and the consumer's look at deliveries its claim left.
 * Why these statements need no new index: delivery/search.ts, webhooks/health.ts.
 */
import { SENT_BODY_COLUMNS, type SentBodyColumns } from "../../delivery/sent-body";
import { attemptRecordedSql } from "../../delivery/attempt-log";
import type { Unclaimed } from "../../delivery/claim";
import { decodeRows, type RawRow, type SqlName } from "../columns";
import { deliveries, type DeliveryRow, type DeliveryStatus, type webhooks } from "../schema";
import { D, E, W } from "./names";

const SUMMARY_KEYS = ["seq", "eventType", "webhookId", "status", "attempts", "lastResponseStatus", "failureReason", "createdAt", "updatedAt", "nextAttemptAt"] as const;

/** A delivery as the log lists it, with its event's id (null once the event is gone). */
export type DeliverySummaryRow = Pick<DeliveryRow, (typeof SUMMARY_KEYS)[number]> & { eventId: string | null };

const DELIVERY_COLUMNS = `d.${D.seq}, (SELECT e.${E.id} FROM events e WHERE e.${E.seq} = d.${D.eventSeq}) AS event_id, d.${D.eventType}, d.${D.webhookId},
  d.${D.status}, d.${D.attempts}, d.${D.lastResponseStatus}, d.${D.failureReason}, d.${D.createdAt}, d.${D.updatedAt}, d.${D.nextAttemptAt}`;

const summaries = (rows: RawRow[]): DeliverySummaryRow[] =>
  decodeRows(deliveries, SUMMARY_KEYS, rows).map((d, i) => ({ ...d, eventId: rows[i].event_id as string | null }));

export type DeliveryCursor = [createdAt: number, seq: number];

/** Up to `limit` deliveries of a webhook, newest first through the index (webhook_id, created_at); the rowid breaks ties. */
export async function webhookDeliveries(
  db: D1Database,
  webhookId: string,
  opts: { limit: number; status?: DeliveryStatus; cursor?: DeliveryCursor },
): Promise<DeliverySummaryRow[]> {
  const where = [`d.${D.webhookId} = ?1`];
  if (opts.status) where.push(`d.${D.status} = ?2`);
  if (opts.cursor) where.push(`(d.${D.createdAt} < ?3 OR (d.${D.createdAt} = ?3 AND d.${D.seq} < ?4))`);
  const { results } = await db
    .prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE ${where.join(" AND ")}
       ORDER BY d.${D.createdAt} DESC, d.${D.seq} DESC LIMIT ?5`,
    )
    .bind(webhookId, opts.status ?? null, opts.cursor?.[0] ?? null, opts.cursor?.[1] ?? null, opts.limit)
    .all<RawRow>();
  return summaries(results);
}

/** The search's filters. The store fetches `limit` rows as given; delivery/search.ts asks for a page + 1 and resolves event-type aliases first. */
export type DeliveryFilter = {
  limit: number;
  status?: DeliveryStatus;
  eventType?: string;
  webhookId?: string;
  /** ms since epoch, inclusive */
  since?: number;
  /** ms since epoch, exclusive */
  until?: number;
  cursor?: DeliveryCursor;
};

/** The namespace-wide search (see delivery/search.ts for its plan); `limit` rows at most. */
export function searchSql(namespace: string, q: DeliveryFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `?${params.length}`;
  };
  const ns = p(namespace);
  const limit = p(q.limit);
  const where = (a: string) => {
    const w: string[] = [];
    if (q.since !== undefined) w.push(`${a}.${D.createdAt} >= ${p(q.since)}`);
    if (q.until !== undefined) w.push(`${a}.${D.createdAt} < ${p(q.until)}`);
    if (q.cursor) {
      const [createdAt, seq] = q.cursor;
      // The first term bounds the index range; the second breaks ties on seq.
      const c = p(createdAt);
      w.push(`${a}.${D.createdAt} <= ${c}`, `(${a}.${D.createdAt} < ${c} OR ${a}.${D.seq} < ${p(seq)})`);
    }
    if (q.status) w.push(`${a}.${D.status} = ${p(q.status)}`);
    if (q.eventType) w.push(`${a}.${D.eventType} = ${p(q.eventType)}`);
    return w.map((c) => ` AND ${c}`).join("");
  };
  const order = (a: string) => `ORDER BY ${a}.${D.createdAt} DESC, ${a}.${D.seq} DESC LIMIT ${limit}`;
  if (q.webhookId !== undefined) {
    const wh = p(q.webhookId);
    return { sql: `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.${D.webhookId} = ${wh} AND d.${D.namespace} = ${ns}${where("d")} ${order("d")}`, params };
  }
  return {
    sql: `SELECT ${DELIVERY_COLUMNS} FROM webhooks w JOIN deliveries d ON d.${D.seq} IN (
        SELECT d2.${D.seq} FROM deliveries d2 WHERE d2.${D.webhookId} = w.${W.id}${where("d2")} ${order("d2")}
      ) WHERE w.${W.namespace} = ${ns} ${order("d")}`,
    params,
  };
}

export async function searchDeliveryRows(db: D1Database, namespace: string, q: DeliveryFilter): Promise<DeliverySummaryRow[]> {
  const { sql, params } = searchSql(namespace, q);
  const { results } = await db
    .prepare(sql)
    .bind(...params)
    .all<RawRow>();
  return summaries(results);
}

/** One delivery of the namespace with what rebuilds its sent body (to batch with its attempts). */
export function deliveryStatement(db: D1Database, namespace: string, seq: number): D1PreparedStatement {
  return db.prepare(`SELECT ${DELIVERY_COLUMNS}, ${SENT_BODY_COLUMNS} FROM deliveries d WHERE d.${D.seq} = ? AND d.${D.namespace} = ?`).bind(seq, namespace);
}

export const deliveryWithBody = (rows: RawRow[]): (DeliverySummaryRow & SentBodyColumns) | null =>
  rows[0] ? { ...summaries(rows)[0], sent_event: rows[0].sent_event as string | null, sent_webhook: rows[0].sent_webhook as string | null } : null;

/** The attempts count of a delivery (0 when it is gone). */
export async function attemptCount(db: D1Database, seq: number): Promise<number> {
  const row = await db.prepare(`SELECT ${D.attempts} FROM deliveries WHERE ${D.seq} = ?`).bind(seq).first<RawRow>();
  return row ? decodeRows(deliveries, ["attempts"], [row])[0].attempts : 0;
}

/** Whether the delivery's first attempt is on record (the test ping waits for it). */
export async function firstAttemptRecorded(db: D1Database, seq: number): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS done FROM deliveries d WHERE d.${D.seq} = ? AND ${attemptRecordedSql("1")}`).bind(seq).first()) !== null;
}

/** The deliveries of a batch the claim left, with what the routing needs to know why (delivery/routing.ts). */
const UNCLAIMED_SQL = `SELECT d.${D.seq}, d.${D.status}, d.${D.attempts}, d.${D.manual}, d.${D.nextAttemptAt}, w.${W.id} AS wid, w.${W.consecutiveFailures},
  w.${W.circuitState}, w.${W.circuitNextProbeAt}, w.${W.rateLimit}, w.${W.rateTat}, w.${W.maxInFlight}, w.${W.slowUntil}
FROM deliveries d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
WHERE d.${D.seq} IN (SELECT value FROM json_each(?1))`;

/** Unclaimed (delivery/claim.ts) is keyed by the SQL names this statement selects: a renamed column fails to compile here. */
const unclaimedKeysAreColumns: Exclude<keyof Unclaimed, "wid"> extends SqlName<typeof deliveries> | SqlName<typeof webhooks> ? true : never = true;

export async function unclaimedRows(db: D1Database, seqs: number[]): Promise<Unclaimed[]> {
  const { results } = await db.prepare(UNCLAIMED_SQL).bind(JSON.stringify(seqs)).all<Unclaimed>();
  return results;
}

/**
 * A webhook's stats windows (webhooks/health.ts): ?1 webhook, ?2 start of
 * the 7-day window, ?3 of the 24-hour one. Percentiles by nearest rank: the
 * ceil(p/100 * n)-th smallest duration among the deliveries that have one
 * (NULLS LAST keeps untimed ones out of the ranks). `timed * p + 99) / 100`
 * is that ceiling in integer arithmetic.
 */
const WINDOW_SQL = `
WITH w AS MATERIALIZED (
  SELECT ${D.status}, ${D.lastDurationMs} AS ms, ${D.updatedAt}, ${D.createdAt} >= ?3 AS recent
  FROM deliveries WHERE ${D.webhookId} = ?1 AND ${D.createdAt} >= ?2
),
x AS (
  SELECT '7d' AS win, ${D.status}, ms, ${D.updatedAt} FROM w
  UNION ALL
  SELECT '24h' AS win, ${D.status}, ms, ${D.updatedAt} FROM w WHERE recent
),
r AS (
  SELECT win, ${D.status}, ms, ${D.updatedAt},
    ROW_NUMBER() OVER (PARTITION BY win ORDER BY ms NULLS LAST) AS rn,
    COUNT(ms) OVER (PARTITION BY win) AS timed
  FROM x
)
SELECT win, COUNT(*) AS deliveries,
  SUM(${D.status} = 'succeeded') AS succeeded, SUM(${D.status} = 'failed') AS failed, SUM(${D.status} = 'pending') AS pending,
  MAX(CASE WHEN rn = (timed * 50 + 99) / 100 THEN ms END) AS p50_ms,
  MAX(CASE WHEN rn = (timed * 95 + 99) / 100 THEN ms END) AS p95_ms,
  MAX(CASE WHEN ${D.status} = 'failed' THEN ${D.updatedAt} END) AS last_failure_at
FROM r GROUP BY win`;

const LAST_SUCCESS_SQL = `SELECT ${D.updatedAt} FROM deliveries WHERE ${D.webhookId} = ?1 AND ${D.status} = 'succeeded'
  ORDER BY ${D.createdAt} DESC LIMIT 1`;

/** The SQL of the stats statements, for the query-plan test. */
export const HEALTH_QUERIES = { window: WINDOW_SQL, lastSuccess: LAST_SUCCESS_SQL };

export type StatsWindowRow = {
  win: "24h" | "7d";
  deliveries: number;
  succeeded: number;
  failed: number;
  pending: number;
  p50_ms: number | null;
  p95_ms: number | null;
  last_failure_at: number | null;
};

export function statsWindowsStatement(db: D1Database, webhookId: string, since7d: number, since24h: number): D1PreparedStatement {
  return db.prepare(WINDOW_SQL).bind(webhookId, since7d, since24h);
}

export function lastSuccessStatement(db: D1Database, webhookId: string): D1PreparedStatement {
  return db.prepare(LAST_SUCCESS_SQL).bind(webhookId);
}

/** The newest success's updated_at from lastSuccessStatement's rows. */
export const lastSuccessAt = (rows: RawRow[]): number | undefined => decodeRows(deliveries, ["updatedAt"], rows)[0]?.updatedAt;

/** A webhook's deliveries per hour since ?2 (webhooks/activity.ts), by outcome, with each hour's p95 (as in WINDOW_SQL). */
export const activitySql = (hourMs: number) => `
WITH w AS MATERIALIZED (
  SELECT CAST((${D.createdAt} - ?2) / ${hourMs} AS INTEGER) AS h, ${D.status}, ${D.lastDurationMs} AS ms
  FROM deliveries WHERE ${D.webhookId} = ?1 AND ${D.createdAt} >= ?2
),
r AS (
  SELECT h, ${D.status}, ms,
    ROW_NUMBER() OVER (PARTITION BY h ORDER BY ms NULLS LAST) AS rn,
    COUNT(ms) OVER (PARTITION BY h) AS timed
  FROM w
)
SELECT h, SUM(${D.status} = 'succeeded') AS succeeded, SUM(${D.status} = 'failed') AS failed, SUM(${D.status} = 'pending') AS pending,
  MAX(CASE WHEN rn = (timed * 95 + 99) / 100 THEN ms END) AS p95_ms
FROM r GROUP BY h ORDER BY h`;

export function activityStatement(db: D1Database, hourMs: number, webhookId: string, start: number): D1PreparedStatement {
  return db.prepare(activitySql(hourMs)).bind(webhookId, start);
}

export type ActivityHourRow = { h: number; succeeded: number; failed: number; pending: number; p95_ms: number | null };
