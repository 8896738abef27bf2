/**
 * Finding deliveries across a namespace: filters by status, event type,
 * webhook and time, newest first, cursor (created_at, seq) as in log.ts.
 *
 * Why no new index. deliveries already carries (webhook_id, created_at).
 * An index (namespace, created_at) would make this list one range read, but
 * it costs a row written on every delivery insert and again on every
 * retention delete: +2 rows written per delivery, against a target of 4 for
 * the whole delivery (see the benchmark). D1 bills $1.00 per million rows
 * written and $0.001 per million read, so those 2 writes, paid by every
 * delivery, buy 2,000 reads; listing is rare next to delivering.
 *
 * So the namespace list goes through the namespace's webhooks instead, one
 * statement, no scans (asserted with EXPLAIN QUERY PLAN in the tests):
 *   SEARCH w USING INDEX webhooks_namespace_name (namespace=?)
 *   per webhook, a correlated list subquery:
 *     SEARCH d2 USING INDEX deliveries_webhook_created (webhook_id=? AND created_at<?...)
 *     newest first, LIMIT page+1: at most page+1 entries per webhook
 *   SEARCH d USING INTEGER PRIMARY KEY (rowid=?) for the rows picked
 *   then the merge of W lists of page+1 seqs, sorted, LIMIT page+1.
 * Rows read per page: at most W x (page+1) index entries plus as many rows,
 * when only time filters apply (the per-webhook subquery is then covered by
 * the index: seq is the index's rowid). status and event_type are not in the
 * index, so with them each webhook's range is read until page+1 match, at
 * worst its deliveries between since/until (retention bounds that). Nothing
 * is written. With `webhook_id` the list is one range of that same index.
 *
 * Deliveries of a deleted webhook (its row is gone) drop out of the
 * namespace-wide list; they stay findable with `webhook_id` and by id.
 */
import { namespaceEnv, shardDb } from "../db/shards";
import type { DeliveryStatus } from "../db/schema";
import type { AppEnv } from "../env";
import { eventAliases } from "../events/catalog";
import { DELIVERY_COLUMNS, toSummary, type DeliveryCursor } from "./log";

export type DeliverySearch = {
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

type Row = Parameters<typeof toSummary>[0];

/** The statement and its parameters; exported for the query-plan test. */
export function searchStatement(namespace: string, q: DeliverySearch): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `?${params.length}`;
  };
  const ns = p(namespace);
  const limit = p(q.limit + 1);
  const where = (a: string) => {
    const w: string[] = [];
    if (q.since !== undefined) w.push(`${a}.created_at >= ${p(q.since)}`);
    if (q.until !== undefined) w.push(`${a}.created_at < ${p(q.until)}`);
    if (q.cursor) {
      const [createdAt, seq] = q.cursor;
      // The first term bounds the index range; the second breaks ties on seq.
      const c = p(createdAt);
      w.push(`${a}.created_at <= ${c}`, `(${a}.created_at < ${c} OR ${a}.seq < ${p(seq)})`);
    }
    if (q.status) w.push(`${a}.status = ${p(q.status)}`);
    if (q.eventType) w.push(`${a}.event_type = ${p(eventAliases[q.eventType] ?? q.eventType)}`);
    return w.map((c) => ` AND ${c}`).join("");
  };
  const order = (a: string) => `ORDER BY ${a}.created_at DESC, ${a}.seq DESC LIMIT ${limit}`;
  if (q.webhookId !== undefined) {
    const wh = p(q.webhookId);
    return { sql: `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.webhook_id = ${wh} AND d.namespace = ${ns}${where("d")} ${order("d")}`, params };
  }
  return {
    sql: `SELECT ${DELIVERY_COLUMNS} FROM webhooks w JOIN deliveries d ON d.seq IN (
        SELECT d2.seq FROM deliveries d2 WHERE d2.webhook_id = w.id${where("d2")} ${order("d2")}
      ) WHERE w.namespace = ${ns} ${order("d")}`,
    params,
  };
}

export async function searchDeliveries(env: AppEnv, namespace: string, q: DeliverySearch) {
  const { sql, params } = searchStatement(namespace, q);
  const { results } = await shardDb(await namespaceEnv(env, namespace))
    .prepare(sql)
    .bind(...params)
    .all<Row>();
  const page = results.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toSummary),
    next: results.length > q.limit ? ([last.created_at, last.seq] as DeliveryCursor) : null,
  };
}
