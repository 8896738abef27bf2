/** Reading the delivery log: deliveries of a webhook, one delivery with its attempts. */
import { namespaceEnv, shardDb, type ShardEnv } from "../db/shards";
import type { DeliveryStatus } from "../db/schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { deliveryId } from "../ids";
import { ATTEMPTS_OF_SQL } from "./attempt-log";
import type { AttemptView, DeliverySummaryView } from "./schemas";
import { SENT_BODY_COLUMNS, sentBody, type SentBodyColumns } from "./sent-body";

type DeliveryRowSql = {
  seq: number;
  event_id: string | null;
  event_type: string;
  webhook_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_response_status: number | null;
  failure_reason: string | null;
  created_at: number;
  updated_at: number;
  next_attempt_at: number;
};

export const DELIVERY_COLUMNS = `d.seq, (SELECT e.id FROM events e WHERE e.seq = d.event_seq) AS event_id, d.event_type, d.webhook_id,
  d.status, d.attempts, d.last_response_status, d.failure_reason, d.created_at, d.updated_at, d.next_attempt_at`;

export function toSummary(r: DeliveryRowSql): DeliverySummaryView {
  return {
    id: deliveryId(r.seq),
    event_id: r.event_id,
    event_type: r.event_type,
    webhook_id: r.webhook_id,
    status: r.status,
    attempts: r.attempts,
    last_response_status: r.last_response_status,
    failure_reason: r.failure_reason,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
    next_attempt_at: r.status === "pending" ? new Date(r.next_attempt_at).toISOString() : null,
  };
}

export type DeliveryCursor = [createdAt: number, seq: number];
export const isDeliveryCursor = (v: unknown): v is DeliveryCursor =>
  Array.isArray(v) && v.length === 2 && v.every((n) => Number.isSafeInteger(n));

/** Newest first through the index (webhook_id, created_at); the rowid breaks ties. */
export async function listWebhookDeliveries(
  env: ShardEnv,
  webhookId: string,
  opts: { limit: number; status?: DeliveryStatus; cursor?: DeliveryCursor },
) {
  const where = ["d.webhook_id = ?1"];
  if (opts.status) where.push("d.status = ?2");
  if (opts.cursor) where.push("(d.created_at < ?3 OR (d.created_at = ?3 AND d.seq < ?4))");
  const { results } = await shardDb(env)
    .prepare(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE ${where.join(" AND ")}
       ORDER BY d.created_at DESC, d.seq DESC LIMIT ?5`,
    )
    .bind(webhookId, opts.status ?? null, opts.cursor?.[0] ?? null, opts.cursor?.[1] ?? null, opts.limit + 1)
    .all<DeliveryRowSql>();
  const page = results.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toSummary),
    next: results.length > opts.limit ? ([last.created_at, last.seq] as DeliveryCursor) : null,
  };
}

type AttemptRowSql = {
  attempt: number;
  trigger: "automatic" | "manual";
  started_at: number;
  duration_ms: number;
  url: string;
  request_headers: string;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
  error_class: string | null;
  error_message: string | null;
};

export async function getDelivery(env: AppEnv, namespace: string, seq: number) {
  const db = shardDb(await namespaceEnv(env, namespace));
  const [delivery, attempts] = await db.batch([
    db.prepare(`SELECT ${DELIVERY_COLUMNS}, ${SENT_BODY_COLUMNS} FROM deliveries d WHERE d.seq = ? AND d.namespace = ?`).bind(seq, namespace),
    // Attempt 1 from the delivery row, the rest a rowid range of attempts: no index needed.
    db.prepare(ATTEMPTS_OF_SQL).bind(seq),
  ]);
  const row = (delivery.results as (DeliveryRowSql & SentBodyColumns)[])[0];
  if (!row) throw new ApiError("not_found", "No such delivery.");
  const { attempts: count, ...summary } = toSummary(row);
  return {
    ...summary,
    attempt_count: count,
    request_body: await sentBody(row),
    attempts: (attempts.results as AttemptRowSql[]).map(
      (a): AttemptView => ({
        attempt: a.attempt,
        trigger: a.trigger,
        started_at: new Date(a.started_at).toISOString(),
        duration_ms: a.duration_ms,
        url: a.url,
        request_headers: JSON.parse(a.request_headers),
        response_status: a.response_status,
        response_headers: a.response_headers ? JSON.parse(a.response_headers) : null,
        response_body: a.response_body,
        error: a.error_class ? { class: a.error_class, message: a.error_message ?? "" } : null,
      }),
    ),
  };
}
