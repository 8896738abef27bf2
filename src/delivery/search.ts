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
import { withGenerations } from "../db/generations";
import { namespaceEnv, shardDb } from "../db/shards";
import { searchDeliveryRows, searchSql, type DeliveryFilter } from "../db/stores/delivery-reads";
import type { AppEnv } from "../env";
import { eventAliases } from "../events/catalog";
import { page, type DeliveryCursor } from "./log";

/** The filters as the API takes them (since inclusive, until exclusive, ms since epoch). */
export type DeliverySearch = DeliveryFilter;

/** The statement over generations `gens` and its parameters; exported for the query-plan test. */
export function searchStatement(gens: readonly number[], namespace: string, q: DeliverySearch): { sql: string; params: unknown[] } {
  return searchSql(gens, namespace, filterOf(q));
}

/** One more row than the page, to know whether there is a next one; the event type's alias resolved. */
const filterOf = (q: DeliverySearch): DeliveryFilter => ({
  ...q,
  limit: q.limit + 1,
  eventType: q.eventType === undefined ? undefined : (eventAliases[q.eventType] ?? q.eventType),
});

export async function searchDeliveries(env: AppEnv, namespace: string, q: DeliverySearch) {
  const db = shardDb(await namespaceEnv(env, namespace));
  return page(await withGenerations(db, (gens) => searchDeliveryRows(db, gens, namespace, filterOf(q))), q.limit);
}
