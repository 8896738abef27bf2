/**
 * deliveries, read for the API and the operators: the delivery log (one
 * webhook's list, one delivery, the namespace-wide search), a webhook's
 * stats and activity, and the consumer's look at deliveries its claim left.
 * Why these statements need no new index: delivery/search.ts, webhooks/health.ts.
 * A read over time takes the generations that exist (db/generations.ts,
 * listGenerations) and reads each day's table with its own ORDER BY and
 * LIMIT, so no read sorts more than a page per day.
 */
import { SENT_BODY_COLUMNS, type SentBodyColumns } from "../../delivery/sent-body";
import { attemptRecordedSql } from "../../delivery/attempt-log";
import type { Unclaimed } from "../../delivery/claim";
import { decodeRows, type RawRow, type SqlName } from "../columns";
import { acrossDays, DELIVERIES_T as DT, deliveriesTable, forGeneration, generationAt, generationEnd, generationOfSeq, perGeneration, unionAll, unlessDayMissing } from "../generations";
import { deliveries, type DeliveryRow, type DeliveryStatus, type webhooks } from "../schema";
import { heldSql } from "./delivery-order";
import { D, W } from "./names";

const SUMMARY_KEYS = ["seq", "eventType", "webhookId", "status", "attempts", "lastResponseStatus", "failureReason", "createdAt", "updatedAt", "nextAttemptAt", "orderingKey"] as const;

/** A delivery as the log lists it, with its event's id (null once the event is gone). */
export type DeliverySummaryRow = Pick<DeliveryRow, (typeof SUMMARY_KEYS)[number]> & { eventId: string | null };

/** Over deliveries `d` of one generation. */
const DELIVERY_COLUMNS = `d.${D.seq}, nullif(d.${D.eventId}, '') AS event_id, d.${D.eventType}, d.${D.webhookId},
  d.${D.status}, d.${D.attempts}, d.${D.lastResponseStatus}, d.${D.failureReason}, d.${D.createdAt}, d.${D.updatedAt}, d.${D.nextAttemptAt}, d.${D.orderingKey}`;

const summaries = (rows: RawRow[]): DeliverySummaryRow[] =>
  decodeRows(deliveries, SUMMARY_KEYS, rows).map((d, i) => ({ ...d, eventId: rows[i].event_id as string | null }));

export type DeliveryCursor = [createdAt: number, seq: number];

/** Newest first, the rowid breaking ties: in one day's arm (alias d) and over the union of arms. */
const NEWEST_FIRST = `ORDER BY d.${D.createdAt} DESC, d.${D.seq} DESC`;
const NEWEST_FIRST_UNION = `ORDER BY ${D.createdAt} DESC, ${D.seq} DESC`;

/** Generations that can hold rows created before the cursor's: none that starts after it. */
const beforeCursor = (gens: readonly number[], cursor: DeliveryCursor | undefined) => (cursor ? gens.filter((g) => g === 0 || generationEnd(g - 1) <= cursor[0]) : gens);

/** Up to `limit` deliveries of a webhook, newest first through each day's index (webhook_id, created_at); the rowid breaks ties. */
export async function webhookDeliveries(
  db: D1Database,
  gens: readonly number[],
  webhookId: string,
  opts: { limit: number; status?: DeliveryStatus; cursor?: DeliveryCursor },
): Promise<DeliverySummaryRow[]> {
  const where = [`d.${D.webhookId} = ?1`];
  if (opts.status) where.push(`d.${D.status} = ?2`);
  if (opts.cursor) where.push(`(d.${D.createdAt} < ?3 OR (d.${D.createdAt} = ?3 AND d.${D.seq} < ?4))`);
  const arm = (g: number) => forGeneration(`SELECT ${DELIVERY_COLUMNS} FROM ${DT} d WHERE ${where.join(" AND ")} ${NEWEST_FIRST} LIMIT ?5`, g);
  const rows = await acrossDays<RawRow>(db, beforeCursor(gens, opts.cursor), (days) =>
    db
      .prepare(`${unionAll(days, arm)} ${NEWEST_FIRST_UNION} LIMIT ?5`)
      .bind(webhookId, opts.status ?? null, opts.cursor?.[0] ?? null, opts.cursor?.[1] ?? null, opts.limit),
  );
  return newestFirst(summaries(rows), opts.limit);
}

/** The first `limit` of rows merged from several statements' pages, newest first as each page is. */
const newestFirst = (rows: DeliverySummaryRow[], limit: number) => rows.sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq).slice(0, limit);

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

/** The namespace-wide search over generations `gens` (see delivery/search.ts for its plan); `limit` rows at most. */
export function searchSql(gens: readonly number[], namespace: string, q: DeliveryFilter): { sql: string; params: unknown[] } {
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
  // One day's arm; every arm binds the same parameters.
  let arm: (g: number) => string;
  const days = searchDays(gens, q);
  if (q.webhookId !== undefined) {
    const wh = p(q.webhookId);
    const whereD = where("d");
    arm = (g) => forGeneration(`SELECT ${DELIVERY_COLUMNS} FROM ${DT} d WHERE d.${D.webhookId} = ${wh} AND d.${D.namespace} = ${ns}${whereD} ${order("d")}`, g);
  } else {
    const whereD2 = where("d2");
    arm = (g) =>
      forGeneration(
        `SELECT ${DELIVERY_COLUMNS} FROM webhooks w JOIN ${DT} d ON d.${D.seq} IN (
        SELECT d2.${D.seq} FROM ${DT} d2 WHERE d2.${D.webhookId} = w.${W.id}${whereD2} ${order("d2")}
      ) WHERE w.${W.namespace} = ${ns} ${order("d")}`,
        g,
      );
  }
  return { sql: `${unionAll(days, arm)} ${NEWEST_FIRST_UNION} LIMIT ${limit}`, params };
}

/** The days of `gens` that can hold a row the search's filter takes. */
const searchDays = (gens: readonly number[], q: DeliveryFilter) =>
  beforeCursor(q.since === undefined ? gens : gens.filter((g) => g === 0 || g >= generationAt(q.since!)), q.cursor);

export async function searchDeliveryRows(db: D1Database, gens: readonly number[], namespace: string, q: DeliveryFilter): Promise<DeliverySummaryRow[]> {
  const rows = await acrossDays<RawRow>(db, searchDays(gens, q), (days) => {
    const { sql, params } = searchSql(days, namespace, q);
    return db.prepare(sql).bind(...params);
  });
  return newestFirst(summaries(rows), q.limit);
}

/** One delivery of the namespace with what rebuilds its sent body (to batch with its attempts). */
export function deliveryStatement(db: D1Database, namespace: string, seq: number): D1PreparedStatement {
  return db
    .prepare(
      forGeneration(
        `SELECT ${DELIVERY_COLUMNS}, ${SENT_BODY_COLUMNS}, d.${D.ordered}, d.${D.manual} FROM ${DT} d WHERE d.${D.seq} = ? AND d.${D.namespace} = ?`,
        generationOfSeq(seq),
      ),
    )
    .bind(seq, namespace);
}

/** Whether the delivery may be waiting for an earlier one of its ordering key (pending, ordered, not manual: db/stores/delivery-order.ts). */
export type InOrder = { inOrder: boolean };

export const deliveryWithBody = (rows: RawRow[]): (DeliverySummaryRow & SentBodyColumns & InOrder) | null => {
  if (!rows[0]) return null;
  const summary = summaries(rows)[0];
  const [flags] = decodeRows(deliveries, ["ordered", "manual"], rows);
  return {
    ...summary,
    sent_event: rows[0].sent_event as string | null,
    sent_webhook: rows[0].sent_webhook as string | null,
    inOrder: summary.status === "pending" && flags.ordered && !flags.manual,
  };
};

/** The attempts count of a delivery (0 when it is gone). */
export async function attemptCount(db: D1Database, seq: number): Promise<number> {
  const row = await unlessDayMissing(db.prepare(`SELECT ${D.attempts} FROM ${deliveriesTable(generationOfSeq(seq))} WHERE ${D.seq} = ?`).bind(seq).first<RawRow>(), null);
  return row ? decodeRows(deliveries, ["attempts"], [row])[0].attempts : 0;
}

/** Whether the delivery's first attempt is on record (the test ping waits for it). */
export async function firstAttemptRecorded(db: D1Database, seq: number): Promise<boolean> {
  return (await unlessDayMissing(db.prepare(`SELECT 1 AS done FROM ${deliveriesTable(generationOfSeq(seq))} d WHERE d.${D.seq} = ? AND ${attemptRecordedSql("1")}`).bind(seq).first(), null)) !== null;
}

/** The deliveries of a batch the claim left, with what the routing needs to know why (delivery/routing.ts). */
const UNCLAIMED_SQL = `SELECT d.${D.seq}, d.${D.status}, d.${D.attempts}, d.${D.manual}, d.${D.nextAttemptAt}, w.${W.id} AS wid, w.${W.consecutiveFailures},
  w.${W.circuitState}, w.${W.circuitNextProbeAt}, w.${W.rateLimit}, w.${W.rateTat}, w.${W.maxInFlight}, w.${W.slowUntil},
  d.${D.status} = 'pending' AND ${heldSql("d")} AS held
FROM ${DT} d LEFT JOIN webhooks w ON w.${W.id} = d.${D.webhookId}
WHERE d.${D.seq} IN (SELECT value FROM json_each(?1))`;

/** Unclaimed (delivery/claim.ts) is keyed by the SQL names this statement selects: a renamed column fails to compile here. */
const unclaimedKeysAreColumns: Exclude<keyof Unclaimed, "wid" | "held"> extends SqlName<typeof deliveries> | SqlName<typeof webhooks> ? true : never = true;

export async function unclaimedRows(db: D1Database, seqs: number[]): Promise<Unclaimed[]> {
  const reads = perGeneration(seqs, (s) => s, (g, list) => db.prepare(forGeneration(UNCLAIMED_SQL, g)).bind(JSON.stringify(list)));
  // A dropped day's deliveries are simply not there.
  const found = await Promise.all(reads.map((read) => unlessDayMissing(read.all<Unclaimed>().then((r) => r.results), [])));
  return found.flat();
}

/**
 * A webhook's stats windows (webhooks/health.ts): ?1 webhook, ?2 start of
 * the 7-day window, ?3 of the 24-hour one. Percentiles by nearest rank: the
 * ceil(p/100 * n)-th smallest duration among the deliveries that have one
 * (NULLS LAST keeps untimed ones out of the ranks). `timed * p + 99) / 100`
 * is that ceiling in integer arithmetic.
 */
const windowSql = (gens: readonly number[]) => `
WITH w AS MATERIALIZED (
  ${unionAll(gens, (g) => `SELECT ${D.status}, ${D.lastDurationMs} AS ms, ${D.updatedAt}, ${D.createdAt} >= ?3 AS recent FROM ${deliveriesTable(g)} WHERE ${D.webhookId} = ?1 AND ${D.createdAt} >= ?2`)}
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

const lastSuccessSql = (gens: readonly number[]) =>
  `${unionAll(gens, (g) => `SELECT ${D.updatedAt}, ${D.createdAt} FROM ${deliveriesTable(g)} WHERE ${D.webhookId} = ?1 AND ${D.status} = 'succeeded' ORDER BY ${D.createdAt} DESC LIMIT 1`)}
  ORDER BY ${D.createdAt} DESC LIMIT 1`;

/** The SQL of the stats statements over generations `gens` (the window's, for `window`), for the query-plan test. */
export const healthQueries = (gens: readonly number[]) => ({ window: windowSql(gens), lastSuccess: lastSuccessSql(gens) });

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

/** `gens`: the generations since since7d. */
export function statsWindowsStatement(db: D1Database, gens: readonly number[], webhookId: string, since7d: number, since24h: number): D1PreparedStatement {
  return db.prepare(windowSql(gens)).bind(webhookId, since7d, since24h);
}

export function lastSuccessStatement(db: D1Database, gens: readonly number[], webhookId: string): D1PreparedStatement {
  return db.prepare(lastSuccessSql(gens)).bind(webhookId);
}

/** The newest success's updated_at from lastSuccessStatement's rows. */
export const lastSuccessAt = (rows: RawRow[]): number | undefined => decodeRows(deliveries, ["updatedAt"], rows)[0]?.updatedAt;

/** A webhook's deliveries per hour since ?2 (webhooks/activity.ts), by outcome, with each hour's p95 (as in WINDOW_SQL). */
export const activitySql = (gens: readonly number[], hourMs: number) => `
WITH w AS MATERIALIZED (
  ${unionAll(gens, (g) => `SELECT CAST((${D.createdAt} - ?2) / ${hourMs} AS INTEGER) AS h, ${D.status}, ${D.lastDurationMs} AS ms FROM ${deliveriesTable(g)} WHERE ${D.webhookId} = ?1 AND ${D.createdAt} >= ?2`)}
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

/** `gens`: the generations since `start`. */
export function activityStatement(db: D1Database, gens: readonly number[], hourMs: number, webhookId: string, start: number): D1PreparedStatement {
  return db.prepare(activitySql(gens, hourMs)).bind(webhookId, start);
}

export type ActivityHourRow = { h: number; succeeded: number; failed: number; pending: number; p95_ms: number | null };
