/**
 * Per-webhook flow control, enforced at claim time (delivery/claim.ts) from
 * the webhook row, without writing a row per delivery:
 * - max_in_flight: the claim counts the webhook's leases (pending deliveries
 *   whose attempt is running: claimed, lease not yet over, no result yet) and
 *   claims only as many as fit.
 * - rate_limit (deliveries per second): a GCRA clock on the webhook row,
 *   `rate_tat` (the time the next send is due at the steady rate). A claim
 *   may run up to one second ahead of it (a burst of rate_limit deliveries),
 *   and each claimed batch moves it on by n / rate_limit seconds: one webhook
 *   row written per claimed batch of a rate-limited webhook, none per delivery
 *   held back. Over a window of W seconds at most rate_limit * (W + 1) are
 *   sent, whatever the window.
 * Deliveries held back stay pending and untouched; their message comes back
 * after the wait computed here (deferredDelays).
 */
import { ALL_DELIVERIES } from "../db/generations";
import { D, SM, W } from "../db/stores/names";

/** The claim SQL's count of deliveries of candidate `c` the rate allows now (?2 = now), k-th candidate first. */
export const RATE_ALLOWED_SQL = `(CASE WHEN (?2 + 1000.0 - 1000.0 / c.${W.rateLimit} - max(coalesce(c.${W.rateTat}, 0), ?2)) < 0 THEN 0
  ELSE CAST((?2 + 1000.0 - 1000.0 / c.${W.rateLimit} - max(coalesce(c.${W.rateTat}, 0), ?2)) * c.${W.rateLimit} / 1000.0 + 1e-9 AS INTEGER) + 1 END)`;

/** Delivery `f` has an attempt running (?2 = now). */
const RUNNING = `f.${D.attempts} > 0 AND f.${D.lastDurationMs} IS NULL AND f.${D.nextAttemptAt} > ?2`;

/**
 * Deliveries the claim found running (counted against max_in_flight), for
 * candidate `c`, on every day: a pending delivery is either watched (through
 * deliveries_watched) or above the sweep's watermark (a rowid range), never
 * both. `+` keeps the planner off the per-webhook index, which would read
 * every delivery the webhook ever had.
 */
export const IN_FLIGHT_SQL = `((SELECT count(*) FROM ${ALL_DELIVERIES} f
    WHERE f.${D.status} = 'pending' AND f.${D.watched} = 1 AND +f.${D.webhookId} = c.wid AND ${RUNNING})
  + (SELECT count(*) FROM ${ALL_DELIVERIES} f
    WHERE f.${D.seq} > coalesce((SELECT ${SM.seq} FROM sweep_marks WHERE ${SM.id} = 1), 0) AND f.${D.watched} = 0
      AND f.${D.status} = 'pending' AND +f.${D.webhookId} = c.wid AND ${RUNNING}))`;

/** Seconds to wait before a held-back delivery is offered again when the cause is unknown or in-flight. */
export const IN_FLIGHT_RETRY_SECONDS = 1;

/**
 * When the j-th (0-based) held-back delivery of a rate-limited webhook can go:
 * spread over the coming slots instead of all coming back at once.
 */
export function rateDelaySeconds(rateLimit: number, rateTat: number | null, j: number, now: number): number {
  const interval = 1000 / rateLimit;
  const due = Math.max(rateTat ?? 0, now) + j * interval - (1000 - interval);
  return Math.max(1, Math.ceil((due - now) / 1000));
}
