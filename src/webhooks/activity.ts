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
import { generationsSince, withGenerations } from "../db/generations";
import { namespaceEnv, shardDb } from "../db/shards";
import { activitySql, activityStatement, type ActivityHourRow } from "../db/stores/delivery-reads";
import { existsStatement } from "../db/stores/webhooks";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

const HOUR_MS = 3_600_000;
export const ACTIVITY_HOURS = 168;

/** For the query-plan test: the statement over generations `gens`. */
export const activityQuery = (gens: readonly number[]) => activitySql(gens, HOUR_MS);

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

export async function webhookActivity(env: AppEnv, namespace: string, webhookId: string, now = Date.now()): Promise<WebhookActivity> {
  const db = shardDb(await namespaceEnv(env, namespace));
  // Whole hours, the current one last.
  const start = Math.floor(now / HOUR_MS) * HOUR_MS - (ACTIVITY_HOURS - 1) * HOUR_MS;
  const [hook, rows] = await withGenerations(db, (gens) =>
    db.batch([existsStatement(db, webhookId, namespace), activityStatement(db, generationsSince(gens, start), HOUR_MS, webhookId, start)]),
  );
  if (hook.results.length === 0) throw new ApiError("not_found", "No such webhook.");
  const byHour = new Map((rows.results as ActivityHourRow[]).map((r) => [r.h, r]));
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
