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
import { namespaceEnv, shardDb } from "../db/shards";
import { z } from "@hono/zod-openapi";
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
    last_success_at: z.string().nullable(),
    last_failure_at: z.string().nullable(),
    circuit: CircuitSchema,
    windows: z.object({ "24h": WindowStatsSchema, "7d": WindowStatsSchema }),
  })
  .openapi("WebhookHealth");

export type WindowStats = z.infer<typeof WindowStatsSchema>;
export type WebhookHealth = z.infer<typeof WebhookHealthSchema>;

type WebhookHealthRow = {
  consecutive_failures: number;
  circuit_state: string;
  circuit_since: number | null;
  circuit_next_probe_at: number | null;
  circuit_failures: number;
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
};

type WindowRow = {
  win: HealthWindowName;
  deliveries: number;
  succeeded: number;
  failed: number;
  pending: number;
  p50_ms: number | null;
  p95_ms: number | null;
  last_failure_at: number | null;
};

/**
 * Percentiles by nearest rank: the ceil(p/100 * n)-th smallest duration
 * among the deliveries that have one (NULLS LAST keeps untimed ones out of
 * the ranks). `timed * p + 99) / 100` is that ceiling in integer arithmetic.
 */
const WINDOW_SQL = `
WITH w AS MATERIALIZED (
  SELECT status, last_duration_ms AS ms, updated_at, created_at >= ?3 AS recent
  FROM deliveries WHERE webhook_id = ?1 AND created_at >= ?2
),
x AS (
  SELECT '7d' AS win, status, ms, updated_at FROM w
  UNION ALL
  SELECT '24h' AS win, status, ms, updated_at FROM w WHERE recent
),
r AS (
  SELECT win, status, ms, updated_at,
    ROW_NUMBER() OVER (PARTITION BY win ORDER BY ms NULLS LAST) AS rn,
    COUNT(ms) OVER (PARTITION BY win) AS timed
  FROM x
)
SELECT win, COUNT(*) AS deliveries,
  SUM(status = 'succeeded') AS succeeded, SUM(status = 'failed') AS failed, SUM(status = 'pending') AS pending,
  MAX(CASE WHEN rn = (timed * 50 + 99) / 100 THEN ms END) AS p50_ms,
  MAX(CASE WHEN rn = (timed * 95 + 99) / 100 THEN ms END) AS p95_ms,
  MAX(CASE WHEN status = 'failed' THEN updated_at END) AS last_failure_at
FROM r GROUP BY win`;

const LAST_SUCCESS_SQL = `SELECT updated_at FROM deliveries WHERE webhook_id = ?1 AND status = 'succeeded'
  ORDER BY created_at DESC LIMIT 1`;

/** The SQL of the stats statements, for the query-plan test. */
export const HEALTH_QUERIES = { window: WINDOW_SQL, lastSuccess: LAST_SUCCESS_SQL };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const latest = (...ms: (number | null | undefined)[]) => {
  const known = ms.filter((m): m is number => typeof m === "number");
  return known.length ? Math.max(...known) : null;
};

export async function webhookHealth(env: AppEnv, namespace: string, webhookId: string, now = Date.now()): Promise<WebhookHealth> {
  const db = shardDb(await namespaceEnv(env, namespace));
  const since = { "24h": now - HEALTH_WINDOWS["24h"], "7d": now - HEALTH_WINDOWS["7d"] };
  const [hook, windows, lastSuccess] = await db.batch([
    db
      .prepare(`SELECT consecutive_failures, failing_since, last_success_at, last_failure_at,
          circuit_state, circuit_since, circuit_next_probe_at, circuit_failures FROM webhooks WHERE id = ? AND namespace = ?`)
      .bind(webhookId, namespace),
    db.prepare(WINDOW_SQL).bind(webhookId, since["7d"], since["24h"]),
    db.prepare(LAST_SUCCESS_SQL).bind(webhookId),
  ]);
  const row = (hook.results as WebhookHealthRow[])[0];
  if (!row) throw new ApiError("not_found", "No such webhook.");
  const byWindow = new Map((windows.results as WindowRow[]).map((w) => [w.win, w]));
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
  const newestSuccess = (lastSuccess.results as { updated_at: number }[])[0]?.updated_at;
  return {
    webhook_id: webhookId,
    generated_at: new Date(now).toISOString(),
    consecutive_failures: row.consecutive_failures,
    failing_since: iso(row.failing_since),
    last_success_at: iso(latest(row.last_success_at, newestSuccess)),
    last_failure_at: iso(latest(row.last_failure_at, byWindow.get("7d")?.last_failure_at)),
    circuit: circuitView(circuitOf(row), now),
    windows: { "24h": view("24h"), "7d": view("7d") },
  };
}
