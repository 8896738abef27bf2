/**
 * What becomes of a delivery of the batch the claim left (a pure decision):
 * - settled, not yet due, or held by another consumer's lease: nothing to do
 *   (the message is acked; whoever holds it, or the sweep, carries it on);
 * - waiting for an earlier delivery of its ordering key: acked too (parked;
 *   delivery/ordering.ts);
 * - on the main lane, a retry or a delivery of a failing or slow webhook:
 *   moved to the slow lane, without spending an attempt;
 * - an open circuit, a probe in flight, max_in_flight or rate_limit: the
 *   message comes back later on its lane (no attempt, no row written).
 */
import type { Unclaimed } from "./claim";
import { IN_FLIGHT_RETRY_SECONDS, rateDelaySeconds } from "./flow-control";
import type { Lane } from "./lanes";

export type Route =
  | { kind: "skipped" }
  | { kind: "waiting" }
  | { kind: "routed" }
  | { kind: "deferred"; delaySeconds: number; reason: "circuit_open" | "probe_in_flight" | "flow_control" };

/** How long deliveries wait on a probe in flight before they look again. */
const PROBE_WAIT_SECONDS = 5;

export function routeUnclaimed(lane: Lane, rows: Unclaimed[], now: number): Map<number, Route> {
  const routes = new Map<number, Route>();
  const heldBack = new Map<string, number>();
  for (const r of rows) {
    if (r.status !== "pending" || r.next_attempt_at > now || r.wid === null) {
      routes.set(r.seq, { kind: "skipped" });
      continue;
    }
    // Parked behind an earlier delivery of its key: whatever else holds the webhook, the end of
    // that one sends it again (delivery/ordering.ts), so its message is acked, not retried on a timer.
    if (r.held) {
      routes.set(r.seq, { kind: "waiting" });
      continue;
    }
    const open = r.circuit_state !== "closed";
    if (lane === "main" && (r.attempts > 0 || (r.consecutive_failures ?? 0) > 0 || open || (r.slow_until ?? 0) > now)) {
      routes.set(r.seq, { kind: "routed" });
      continue;
    }
    if (open && !r.manual) {
      const probeDue = r.circuit_next_probe_at === null || r.circuit_next_probe_at <= now;
      routes.set(
        r.seq,
        r.circuit_state === "open" && !probeDue
          ? { kind: "deferred", delaySeconds: Math.max(1, Math.ceil((r.circuit_next_probe_at! - now) / 1000)), reason: "circuit_open" }
          : { kind: "deferred", delaySeconds: PROBE_WAIT_SECONDS, reason: "probe_in_flight" },
      );
      continue;
    }
    let delaySeconds = IN_FLIGHT_RETRY_SECONDS;
    if (r.rate_limit) {
      const j = heldBack.get(r.wid) ?? 0;
      heldBack.set(r.wid, j + 1);
      delaySeconds = Math.max(delaySeconds, rateDelaySeconds(r.rate_limit, r.rate_tat, j, now));
    }
    routes.set(r.seq, { kind: "deferred", delaySeconds, reason: "flow_control" });
  }
  return routes;
}
