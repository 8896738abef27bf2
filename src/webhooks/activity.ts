/**
 * A webhook's last 7 days hour by hour: deliveries created per hour by
 * outcome, and the p95 response time of each hour, for the webhook page's
 * chart (a person sees at a glance when a receiver started failing).
 *
 * Cost: one aggregate over the index range deliveries_webhook_created
 * (webhook_id = ? AND created_at >= start), in the same batch as the
 * webhook's own row (by primary key, so another namespace's webhook is a
 * 404). Rows read = this webhook's deliveries of the week; nothing written.
 * Percentiles by nearest rank, as in health.ts.
 */
import { namespaceEnv, shardDb } from "../db/shards";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

const HOUR_MS = 3_600_000;
export const ACTIVITY_HOURS = 168;

const ACTIVITY_SQL = `
WITH w AS MATERIALIZED (
  SELECT CAST((created_at - ?2) / ${HOUR_MS} AS INTEGER) AS h, status, last_duration_ms AS ms
  FROM deliveries WHERE webhook_id = ?1 AND created_at >= ?2
),
r AS (
  SELECT h, status, ms,
    ROW_NUMBER() OVER (PARTITION BY h ORDER BY ms NULLS LAST) AS rn,
    COUNT(ms) OVER (PARTITION BY h) AS timed
  FROM w
)
SELECT h, SUM(status = 'succeeded') AS succeeded, SUM(status = 'failed') AS failed, SUM(status = 'pending') AS pending,
  MAX(CASE WHEN rn = (timed * 95 + 99) / 100 THEN ms END) AS p95_ms
FROM r GROUP BY h ORDER BY h`;

/** For the query-plan test. */
export const ACTIVITY_QUERY = ACTIVITY_SQL;

const HourSchema = z.object({
  hour: z.string().openapi({ description: "Start of the hour (UTC)." }),
  succeeded: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int(),
  p95_ms: z.number().int().nullable(),
});

export const WebhookActivitySchema = z
  .object({
    webhook_id: z.string(),
    since: z.string(),
    hours: z.array(HourSchema).openapi({ description: `${ACTIVITY_HOURS} hours, oldest first, the current hour last; empty hours are zeros.` }),
  })
  .openapi("WebhookActivity");

export type WebhookActivity = z.infer<typeof WebhookActivitySchema>;
type HourRow = { h: number; succeeded: number; failed: number; pending: number; p95_ms: number | null };

export async function webhookActivity(env: AppEnv, namespace: string, webhookId: string, now = Date.now()): Promise<WebhookActivity> {
  const db = shardDb(await namespaceEnv(env, namespace));
  // Whole hours, the current one last.
  const start = Math.floor(now / HOUR_MS) * HOUR_MS - (ACTIVITY_HOURS - 1) * HOUR_MS;
  const [hook, rows] = await db.batch([
    db.prepare("SELECT id FROM webhooks WHERE id = ? AND namespace = ?").bind(webhookId, namespace),
    db.prepare(ACTIVITY_SQL).bind(webhookId, start),
  ]);
  if (hook.results.length === 0) throw new ApiError("not_found", "No such webhook.");
  const byHour = new Map((rows.results as HourRow[]).map((r) => [r.h, r]));
  return {
    webhook_id: webhookId,
    since: new Date(start).toISOString(),
    hours: Array.from({ length: ACTIVITY_HOURS }, (_, h) => {
      const r = byHour.get(h);
      return {
        hour: new Date(start + h * HOUR_MS).toISOString(),
        succeeded: r?.succeeded ?? 0,
        failed: r?.failed ?? 0,
        pending: r?.pending ?? 0,
        p95_ms: r?.p95_ms ?? null,
      };
    }),
  };
}
