/**
 * Endpoint health: how a webhook's receiver has fared over the last 24 hours
 * and 7 days.
 *
 * Cost: one D1 batch of three statements, none of which scans a table.
 * - the webhook row, by primary key (its failure streak and last failure are
 *   kept there by the consumer);
 * - one aggregate over the index range deliveries_webhook_created
 *   (webhook_id = ? AND created_at >= now - 7 d): it reads that webhook's
 *   deliveries of the week once (MATERIALIZED), counts both windows from that
 *   one pass, and ranks the durations with a window function for p50/p95.
 *   Rows read = that webhook's deliveries of the last 7 days, whatever the
 *   size of the table;
 * - the newest succeeded delivery, walking the same index backwards from now
 *   and stopping at the first success (1 row for a healthy endpoint; at most
 *   the current failing run, which auto-disable bounds). The consumer only
 *   records last_success_at when a success ends a failing run, to keep a
 *   healthy webhook free of writes, so the deliveries are the truth here.
 * Nothing is written: reading stats costs no rows written. No covering index
 * either: status and duration change as a delivery settles, so an index over
 * them would cost extra rows written on every attempt to save cheap reads.
 */
import type { RawRow } from "../db/columns";
import { generationsSince, withGenerations } from "../db/generations";
import { namespaceEnv, shardDb } from "../db/shards";
import { healthQueries, lastSuccessAt, lastSuccessStatement, statsWindowsStatement, type StatsWindowRow } from "../db/stores/delivery-reads";
import { healthRow, healthStatement } from "../db/stores/webhooks";
import { z } from "@hono/zod-openapi";
import { config } from "../config";
import type { AppEnv } from "../env";
import { circuitOf, circuitView } from "../delivery/circuit";
import { ApiError } from "../errors";
import { CircuitSchema } from "./circuit-view";

const HOUR_MS = 3_600_000;
export const HEALTH_WINDOWS = { "24h": 24 * HOUR_MS, "7d": 7 * 24 * HOUR_MS } as const;
export type HealthWindowName = keyof typeof HEALTH_WINDOWS;

const WindowStatsSchema = z
  .object({
    since: z.string().openapi({ description: "Start of the window (deliveries created since then)." }),
    deliveries: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    success_rate: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .openapi({ description: "succeeded / (succeeded + failed); null while nothing in the window has settled." }),
    p50_ms: z.number().int().nullable().openapi({ description: "Median response time of the latest attempt, by nearest rank." }),
    p95_ms: z.number().int().nullable().openapi({ description: "95th percentile response time of the latest attempt, by nearest rank." }),
  })
  .openapi("HealthWindow");

export const WebhookHealthSchema = z
  .object({
    webhook_id: z.string(),
    generated_at: z.string(),
    consecutive_failures: z.number().int().openapi({ description: "Failed attempts in a row since the last success." }),
    failing_since: z.string().nullable().openapi({ description: "Start of the current unbroken run of failures." }),
    disables_at: z
      .string()
      .nullable()
      .openapi({ description: "When the current run of failures disables the webhook unless a delivery succeeds first (failing_since + AUTO_DISABLE_DAYS); null when not failing." }),
    failing_alert_percent: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The last `webhook.failing` alert sent for the current run (50, 70 or 90 % of AUTO_DISABLE_DAYS); null when none.", example: 70 }),
    last_success_at: z.string().nullable(),
    last_failure_at: z.string().nullable(),
    circuit: CircuitSchema,
    windows: z.object({ "24h": WindowStatsSchema, "7d": WindowStatsSchema }),
  })
  .openapi("WebhookHealth");

export type WindowStats = z.infer<typeof WindowStatsSchema>;
export type WebhookHealth = z.infer<typeof WebhookHealthSchema>;

export { healthQueries };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const latest = (...ms: (number | null | undefined)[]) => {
  const known = ms.filter((m): m is number => typeof m === "number");
  return known.length ? Math.max(...known) : null;
};

export async function webhookHealth(env: AppEnv, namespace: string, webhookId: string, now = Date.now()): Promise<WebhookHealth> {
  const db = shardDb(await namespaceEnv(env, namespace));
  const since = { "24h": now - HEALTH_WINDOWS["24h"], "7d": now - HEALTH_WINDOWS["7d"] };
  const [hook, windows, lastSuccess] = await withGenerations(db, (gens) =>
    db.batch<RawRow>([
      healthStatement(db, webhookId, namespace),
      statsWindowsStatement(db, generationsSince(gens, since["7d"]), webhookId, since["7d"], since["24h"]),
      lastSuccessStatement(db, gens, webhookId),
    ]),
  );
  const row = healthRow(hook.results);
  if (!row) throw new ApiError("not_found", "No such webhook.");
  const byWindow = new Map((windows.results as StatsWindowRow[]).map((w) => [w.win, w]));
  const view = (name: HealthWindowName): WindowStats => {
    const w = byWindow.get(name);
    const succeeded = w?.succeeded ?? 0;
    const failed = w?.failed ?? 0;
    return {
      since: new Date(since[name]).toISOString(),
      deliveries: w?.deliveries ?? 0,
      succeeded,
      failed,
      pending: w?.pending ?? 0,
      success_rate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
      p50_ms: w?.p50_ms ?? null,
      p95_ms: w?.p95_ms ?? null,
    };
  };
  const newestSuccess = lastSuccessAt(lastSuccess.results);
  return {
    webhook_id: webhookId,
    generated_at: new Date(now).toISOString(),
    consecutive_failures: row.consecutiveFailures,
    failing_since: iso(row.failingSince),
    disables_at: row.failingSince === null ? null : iso(row.failingSince + config(env).autoDisableMs),
    failing_alert_percent: row.failingAlertPercent,
    last_success_at: iso(latest(row.lastSuccessAt, newestSuccess)),
    last_failure_at: iso(latest(row.lastFailureAt, byWindow.get("7d")?.last_failure_at)),
    circuit: circuitView(
      circuitOf({
        circuit_state: row.circuitState,
        circuit_since: row.circuitSince,
        circuit_next_probe_at: row.circuitNextProbeAt,
        circuit_failures: row.circuitFailures,
      }),
      now,
    ),
    windows: { "24h": view("24h"), "7d": view("7d") },
  };
}
