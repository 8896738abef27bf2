/** Reading the delivery log: deliveries of a webhook, one delivery with its attempts. */
import { byGeneration, unlessDayMissing, withGenerations } from "../db/generations";
import { namespaceEnv, shardDb, type ShardEnv } from "../db/shards";
import type { DeliveryStatus } from "../db/schema";
import type { RawRow } from "../db/columns";
import { attemptsOfStatement, loggedAttempts } from "../db/stores/attempts";
import { waitingFor } from "../db/stores/delivery-order";
import { deliveryStatement, deliveryWithBody, webhookDeliveries, type DeliveryCursor, type DeliverySummaryRow } from "../db/stores/delivery-reads";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { deliveryId } from "../ids";
import type { AttemptView, DeliverySummaryView } from "./schemas";
import { sentBody, sentWebhookFormat } from "./sent-body";
import { shownUrl } from "../security/url-mask";

export type { DeliveryCursor };

export function toSummary(r: DeliverySummaryRow): DeliverySummaryView {
  return {
    id: deliveryId(r.seq),
    event_id: r.eventId,
    event_type: r.eventType,
    webhook_id: r.webhookId,
    status: r.status,
    attempts: r.attempts,
    last_response_status: r.lastResponseStatus,
    failure_reason: r.failureReason,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
    next_attempt_at: r.status === "pending" ? new Date(r.nextAttemptAt).toISOString() : null,
    ordering_key: r.orderingKey,
  };
}

export const isDeliveryCursor = (v: unknown): v is DeliveryCursor =>
  Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n));

/** One page of rows fetched as limit + 1: the page, and the cursor after it if there is more. */
export function page(rows: DeliverySummaryRow[], limit: number) {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    data: shown.map(toSummary),
    next: rows.length > limit ? ([last.createdAt, last.seq] as DeliveryCursor) : null,
  };
}

/** Newest first through the index (webhook_id, created_at); the rowid breaks ties. */
export async function listWebhookDeliveries(
  env: ShardEnv,
  webhookId: string,
  opts: { limit: number; status?: DeliveryStatus; cursor?: DeliveryCursor },
) {
  const db = shardDb(env);
  return page(await withGenerations(db, (gens) => webhookDeliveries(db, gens, webhookId, { ...opts, limit: opts.limit + 1 })), opts.limit);
}

export async function getDelivery(env: AppEnv, namespace: string, seq: number) {
  const [detail] = await deliveryDetails(shardDb(await namespaceEnv(env, namespace)), namespace, [seq]);
  if (!detail) throw new ApiError("not_found", "No such delivery.");
  return detail;
}

/**
 * The detail of each delivery of `seqs` that exists (a page of them, in
 * order), read in one batch: the delivery row and its attempts (attempt 1
 * from the row, the rest a rowid range of attempts: no index needed). A
 * delivery of a dropped day is absent.
 */
export async function deliveryDetails(db: D1Database, namespace: string, seqs: readonly number[]) {
  if (seqs.length === 0) return [];
  const reads = await Promise.all(
    byGeneration(seqs, (s) => s).map(([, list]) =>
      unlessDayMissing(db.batch<RawRow>(list.flatMap((seq) => [deliveryStatement(db, namespace, seq), attemptsOfStatement(db, seq)])), []),
    ),
  );
  const details = [];
  for (const results of reads) {
    for (let i = 0; i < results.length; i += 2) {
      const row = deliveryWithBody(results[i].results);
      if (row) details.push(await toDetail(db, row, results[i + 1].results));
    }
  }
  const byId = new Map(details.map((d) => [d.id, d]));
  return seqs.flatMap((seq) => byId.get(deliveryId(seq)) ?? []);
}

async function toDetail(db: D1Database, row: NonNullable<ReturnType<typeof deliveryWithBody>>, attemptRows: RawRow[]) {
  const { attempts: count, ...summary } = toSummary(row);
  // What it waits for, read only for a pending ordered delivery (docs/ordering.md).
  const waiting = row.inOrder && row.orderingKey !== null ? await withGenerations(db, (gens) => waitingFor(db, gens, row)) : null;
  // The webhook's format, from the same read; null for a webhook deleted since (then every URL is masked).
  const format = sentWebhookFormat(row);
  return {
    ...summary,
    waiting_for: waiting === null ? null : deliveryId(waiting),
    attempt_count: count,
    request_body: await sentBody(row),
    attempts: loggedAttempts(attemptRows).map(
      (a): AttemptView => ({
        attempt: a.attempt,
        trigger: a.trigger,
        started_at: new Date(a.startedAt).toISOString(),
        duration_ms: a.durationMs,
        // A Slack or Discord URL is its credential: shown masked (security/url-mask.ts).
        url: shownUrl(a.url, format),
        request_headers: a.requestHeaders,
        response_status: a.responseStatus,
        response_headers: a.responseHeaders,
        response_body: a.responseBody,
        error: a.errorClass ? { class: a.errorClass, message: a.errorMessage ?? "" } : null,
      }),
    ),
  };
}
