/**
 * Settle: what an attempt's result means, as one pure decision from one
 * input object (no D1, no clock, no network), so retry and circuit decisions
 * are unit-testable. The recorder writes what it decides; reactions
 * (auto-disable, notices) read the SettledDelivery.
 */
import { ATTEMPT_SLOTS, type DeliveryStatus } from "../db/schema";
import { ATTEMPT_FIELDS } from "./attempt-log";
import { nextCircuit, type CircuitChange, type CircuitKnobs, type CircuitState } from "./circuit";
import type { Claim, ClaimedWebhook } from "./claim";
import type { OrderKey } from "../db/stores/delivery-order";
import type { AttemptResult } from "./http-attempt";
import { keptResponseHeaders } from "./kept-headers";
import { nextRetry } from "./retry-policy";
import type { Sent } from "./send";

export type Outcome =
  | { kind: "skipped" }
  | { kind: "waiting" }
  | { kind: "routed" }
  | { kind: "deferred"; delaySeconds: number; reason: string }
  | { kind: "settled"; status: DeliveryStatus; attempt?: AttemptResult }
  | { kind: "retry"; delaySeconds: number; attempt: AttemptResult };

/** What happened, for the reactions (auto-disable, operational events). */
export type SettledDelivery = {
  seq: number;
  namespace: string;
  eventType: string;
  eventId: string;
  webhook: ClaimedWebhook | null;
  status: DeliveryStatus;
  attempt?: AttemptResult;
  failureReason?: string;
  /** The webhook's circuit after this attempt, and whether this attempt opened or closed it. */
  circuit?: { state: CircuitState; change: CircuitChange };
};

export type SettleInput = {
  claim: Claim;
  /** The attempt; absent when the delivery ends without one (see endReason). */
  sent?: Sent;
  retrySchedule: number[];
  /** The webhook's circuit as last known (claimed row, or this invocation's newer result). */
  circuit: CircuitState;
  circuitKnobs: CircuitKnobs;
  random?: () => number;
};

export type Settlement = {
  settled: SettledDelivery;
  /**
   * The main lane gave up waiting (a slow receiver): the claim is released
   * without spending an attempt, and the webhook goes to the slow lane until then.
   */
  handedToSlowLane?: { until: number; attempt: number };
  outcome: Outcome;
  attemptRow?: Record<string, unknown>;
  stateRow?: Record<string, unknown>;
  /** Ended without an attempt (webhook gone or disabled, claims past the schedule). */
  endedWithoutAttempt?: string;
  /** An ordered delivery ended: the next of its (webhook, key) may go now (delivery/ordering.ts). */
  releases?: OrderKey;
};

/** How long a webhook whose receiver was too slow for the main lane stays on the slow lane. */
export const SLOW_LANE_STAY_MS = 10 * 60_000;

/** Why a claimed delivery ends without being sent, or null to send it. */
export function endReason(claim: Claim, retrySchedule: number[]): string | null {
  if (!claim.webhook) return "webhook_deleted";
  if (!claim.event) return "event_deleted";
  if (!claim.webhook.active) return "webhook_disabled";
  // Claims past the schedule come only from Workers that died mid-attempt
  // again and again: end the delivery instead of claiming it forever.
  if (!claim.manual && claim.attempts > retrySchedule.length + 1) return "attempts_exhausted";
  return null;
}

/** A destination service's throttling answer (whatever its status) is retried as a 429. */
const retryStatus = (a: AttemptResult) => (a.errorClass === "throttled" ? 429 : a.status);

export const isSuccess = (a: AttemptResult) => a.status !== undefined && a.status >= 200 && a.status < 300 && !a.errorClass;

export function settle(input: SettleInput): Settlement {
  const { claim, sent } = input;
  const base = { seq: claim.seq, namespace: claim.namespace, eventType: claim.eventType, eventId: claim.event?.id ?? "", webhook: claim.webhook };
  const ended = endReason(claim, input.retrySchedule);
  if (ended || !sent || !claim.webhook) {
    const reason = ended ?? "internal";
    return {
      settled: { ...base, status: "failed", failureReason: reason },
      outcome: { kind: "settled", status: "failed" },
      endedWithoutAttempt: reason,
      releases: claim.order ?? undefined,
    };
  }
  const { attempt, urlAllowed } = sent;
  if (attempt.errorClass === "slow_lane") {
    const at = attempt.startedAt + attempt.durationMs;
    return { settled: { ...base, status: "pending" }, outcome: { kind: "routed" }, handedToSlowLane: { until: at + SLOW_LANE_STAY_MS, attempt: claim.attempts } };
  }
  const ok = isSuccess(attempt);
  const finishedAt = attempt.startedAt + attempt.durationMs;
  let status: DeliveryStatus = "succeeded";
  let retryDelay: number | null = null;
  let failureReason: string | null = null;
  if (!ok) {
    const decision =
      claim.manual || !urlAllowed || attempt.status === 410
        ? ({ retry: false } as const)
        : nextRetry(input.retrySchedule, claim.attempts, { status: retryStatus(attempt), retryAfter: attempt.headers?.["retry-after"] }, finishedAt, input.random);
    if (decision.retry) {
      status = "pending";
      retryDelay = decision.delaySeconds;
    } else {
      status = "failed";
      failureReason = !urlAllowed ? "url_not_allowed" : claim.manual ? "manual_attempt_failed" : "attempts_exhausted";
    }
  }
  const circuit = nextCircuit(input.circuit, { ok, timeout: attempt.errorClass === "timeout", at: finishedAt }, input.circuitKnobs);

  // The due time sits a second before the queue's delay ends, so the retried
  // message always finds its delivery due.
  const nextAttemptAt = retryDelay !== null ? finishedAt + retryDelay * 1000 - 1000 : finishedAt;
  const attemptRow = {
    seq: claim.seq * ATTEMPT_SLOTS + claim.attempts,
    delivery_seq: claim.seq,
    attempt: claim.attempts,
    trigger: claim.manual ? "manual" : "automatic",
    started_at: attempt.startedAt,
    duration_ms: attempt.durationMs,
    url: claim.webhook.url,
    request_headers: JSON.stringify(sent.requestHeaders),
    response_status: attempt.status ?? null,
    response_headers: attempt.headers ? JSON.stringify(keptResponseHeaders(attempt.headers)) : null,
    response_body: attempt.body ?? null,
    error_class: attempt.errorClass ?? null,
    error_message: attempt.errorMessage ?? null,
  };
  return {
    settled: { ...base, status, attempt, failureReason: failureReason ?? undefined, circuit: { state: circuit.circuit, change: circuit.change } },
    outcome: retryDelay !== null ? { kind: "retry", delaySeconds: retryDelay, attempt } : { kind: "settled", status, attempt },
    releases: status !== "pending" ? (claim.order ?? undefined) : undefined,
    attemptRow,
    stateRow: {
      seq: claim.seq,
      attempt: claim.attempts,
      status,
      response_status: attempt.status ?? null,
      duration_ms: attempt.durationMs,
      next_attempt_at: nextAttemptAt,
      failure_reason: failureReason,
      updated_at: finishedAt,
      // Attempt 1 is stored in the delivery row by the same UPDATE (attempt-log.ts).
      ...(claim.attempts === 1 ? Object.fromEntries(ATTEMPT_FIELDS.map((f) => [`first_${f}`, attemptRow[f]])) : {}),
    },
  };
}
