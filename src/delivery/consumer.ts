/**
 * The queue consumer: one message = one delivery = at most one HTTP attempt,
 * handled a whole queue batch at a time so D1 sees a few statements per
 * batch, not per delivery:
 *
 * 1. Claim every due delivery of the batch in ONE conditional UPDATE that also
 *    returns each one's event and webhook, so a duplicate or concurrent
 *    message never sends twice. While an attempt runs, next_attempt_at holds
 *    its lease expiry; if this Worker dies, the sweep picks the delivery up
 *    once the lease has passed.
 * 2. Build, sign and POST the requests, concurrently.
 * 3. Record every attempt and every delivery's new state in ONE D1 batch
 *    (one multi-row INSERT, one or two multi-row UPDATEs), then ack or retry
 *    each message. A failure is never acked as if it were delivered.
 */
import { config, type Config } from "../config";
import { d1 } from "../db/client";
import { ATTEMPT_SLOTS, type DeliveryStatus } from "../db/schema";
import type { AppEnv, DeliveryMessage } from "../env";
import { sendableCustomHeaders } from "../security/custom-headers";
import { checkTargetUrl } from "../security/ssrf-guard";
import { currentSecretOf, previousSecretOf, unseal } from "../security/secret-box";
import { usage } from "../usage";
import { applyAutoDisable, reportExhaustion } from "../webhooks/auto-disable";
import { buildRequest, type WebhookFormat } from "./formats";
import { postOnce, type AttemptResult } from "./http-attempt";
import { redactSignatures } from "./redact";
import { continueRecovery } from "./recover";
import { nextRetry } from "./retry-policy";

/** Extra time past the HTTP timeout before a claimed attempt counts as abandoned. */
const LEASE_MARGIN_MS = 60_000;
/** Seconds to wait before retrying a message whose processing threw. */
const ERROR_RETRY_SECONDS = 10;

type ClaimedDelivery = {
  seq: number;
  attempts: number;
  manual: number;
  namespace: string;
  event_type: string;
  webhook_id: string;
  event: string | null;
  webhook: string | null;
};

export type ClaimedWebhook = {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  active: number;
  headers: string;
  secret_sealed: string | null;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  failing_since: number | null;
  consecutive_failures: number;
};

type ClaimedEvent = { id: string; type: string; data: string; created_at: number; test: number };

export type Outcome =
  | { kind: "skipped" }
  | { kind: "settled"; status: DeliveryStatus; attempt?: AttemptResult }
  | { kind: "retry"; delaySeconds: number; attempt: AttemptResult };

/** What happened, for hooks that react to settled deliveries (auto-disable, operational events). */
export type SettledDelivery = {
  seq: number;
  namespace: string;
  eventType: string;
  eventId: string;
  webhook: ClaimedWebhook | null;
  status: DeliveryStatus;
  attempt?: AttemptResult;
  failureReason?: string;
};

/**
 * Test seams: a hook that throws simulates the Worker dying at that point
 * (after the claim, after the POSTs but before anything is recorded).
 */
export type ConsumerHooks = {
  afterClaim?: (claimed: number[]) => void | Promise<void>;
  afterFetch?: (attempted: number[]) => void | Promise<void>;
};

export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: AppEnv, hooks?: ConsumerHooks): Promise<void> {
  const deliveries: Message<DeliveryMessage>[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      if (!message.body.recover) return deliveries.push(message);
      try {
        await continueRecovery(env, message.body.recover);
        usage.queueAcks++;
        message.ack();
      } catch (err) {
        console.error("recovery continuation failed; retrying the message", { error: String(err) });
        usage.queueRetries++;
        message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
      }
    }),
  );
  if (deliveries.length === 0) return;
  let outcomes: Map<number, Outcome>;
  try {
    outcomes = await processDeliveries(env, deliveries.map((m) => m.body.d), Date.now(), hooks);
  } catch (err) {
    console.error("delivery batch failed; retrying its messages", { count: deliveries.length, error: String(err) });
    for (const m of deliveries) {
      usage.queueRetries++;
      m.retry({ delaySeconds: ERROR_RETRY_SECONDS });
    }
    return;
  }
  for (const message of deliveries) {
    const outcome = outcomes.get(message.body.d);
    if (outcome?.kind === "retry") {
      usage.queueRetries++;
      message.retry({ delaySeconds: outcome.delaySeconds });
    } else {
      usage.queueAcks++;
      message.ack();
    }
  }
}

const CLAIM_SQL = `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?3, updated_at = ?2
WHERE seq IN (SELECT value FROM json_each(?1)) AND status = 'pending' AND next_attempt_at <= ?2
RETURNING seq, attempts, manual, namespace, event_type, webhook_id,
  (SELECT json_object('id', e.id, 'type', e.type, 'data', e.data, 'created_at', e.created_at, 'test', e.test)
     FROM events e WHERE e.seq = deliveries.event_seq) AS event,
  (SELECT json_object('id', w.id, 'name', w.name, 'url', w.url, 'format', w.format, 'active', w.active,
          'headers', w.headers, 'secret_sealed', w.secret_sealed, 'previous_secret_sealed', w.previous_secret_sealed,
          'previous_secret_expires_at', w.previous_secret_expires_at, 'failing_since', w.failing_since,
          'consecutive_failures', w.consecutive_failures)
     FROM webhooks w WHERE w.id = deliveries.webhook_id) AS webhook`;

/** Every attempt of a batch, in one statement: the rows come as one JSON array. */
const RECORD_ATTEMPTS_SQL = `INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers,
  response_status, response_headers, response_body, error_class, error_message)
SELECT a.value ->> '$.seq', a.value ->> '$.delivery_seq', a.value ->> '$.attempt', a.value ->> '$.trigger',
  a.value ->> '$.started_at', a.value ->> '$.duration_ms', a.value ->> '$.url', a.value ->> '$.request_headers',
  a.value ->> '$.response_status', a.value ->> '$.response_headers', a.value ->> '$.response_body',
  a.value ->> '$.error_class', a.value ->> '$.error_message'
FROM json_each(?1) a`;

/**
 * New delivery states, one statement per kind. A delivery that stays pending
 * keeps `status` out of the SET list: assigning it, even unchanged, re-inserts
 * the partial pending-index entry (a billed row; bench/README.md measures it).
 */
const settleSql = (withStatus: boolean) => `UPDATE deliveries SET ${withStatus ? "status = r.value ->> '$.status', " : ""}
  last_response_status = r.value ->> '$.response_status', last_duration_ms = r.value ->> '$.duration_ms',
  next_attempt_at = r.value ->> '$.next_attempt_at', manual = 0, failure_reason = r.value ->> '$.failure_reason',
  updated_at = r.value ->> '$.updated_at'
FROM json_each(?1) r
WHERE deliveries.seq = r.value ->> '$.seq' AND deliveries.attempts = r.value ->> '$.attempt'`;

type Settlement = {
  settled: SettledDelivery;
  outcome: Outcome;
  attemptRow?: Record<string, unknown>;
  stateRow?: Record<string, unknown>;
  /** Ended without an attempt (webhook gone or disabled). */
  endedWithoutAttempt?: string;
};

export async function processDelivery(env: AppEnv, seq: number, now = Date.now(), hooks?: ConsumerHooks): Promise<Outcome> {
  return (await processDeliveries(env, [seq], now, hooks)).get(seq) ?? { kind: "skipped" };
}

export async function processDeliveries(
  env: AppEnv,
  seqs: number[],
  now = Date.now(),
  hooks?: ConsumerHooks,
): Promise<Map<number, Outcome>> {
  const cfg = config(env);
  const db = d1(env);
  const { results: claimed } = await db
    .prepare(CLAIM_SQL)
    .bind(JSON.stringify([...new Set(seqs)]), now, now + cfg.deliveryTimeoutMs + LEASE_MARGIN_MS)
    .all<ClaimedDelivery>();
  // Unclaimed: not pending, not yet due, or claimed by another consumer.
  const outcomes = new Map<number, Outcome>(seqs.map((s) => [s, { kind: "skipped" }]));
  if (claimed.length === 0) return outcomes;
  await hooks?.afterClaim?.(claimed.map((c) => c.seq));

  const settlements = await Promise.all(claimed.map((c) => attemptClaimedSafely(env, cfg, c, now)));
  await hooks?.afterFetch?.(settlements.filter((s) => s.attemptRow).map((s) => s.settled.seq));

  const attemptRows = settlements.flatMap((s) => (s.attemptRow ? [s.attemptRow] : []));
  const states = settlements.flatMap((s) => (s.stateRow ? [s.stateRow] : []));
  const settledRows = states.filter((r) => r.status !== "pending");
  const pendingRows = states.filter((r) => r.status === "pending");
  const ended = settlements.filter((s) => s.endedWithoutAttempt);
  const statements = [
    attemptRows.length ? db.prepare(RECORD_ATTEMPTS_SQL).bind(JSON.stringify(attemptRows)) : null,
    settledRows.length ? db.prepare(settleSql(true)).bind(JSON.stringify(settledRows)) : null,
    pendingRows.length ? db.prepare(settleSql(false)).bind(JSON.stringify(pendingRows)) : null,
    ...ended.map((s) =>
      db
        .prepare(
          `UPDATE deliveries SET status = 'failed', attempts = attempts - 1, failure_reason = ?, next_attempt_at = ?, updated_at = ?
           WHERE seq = ? AND status = 'pending'`,
        )
        .bind(s.endedWithoutAttempt, now, now, s.settled.seq),
    ),
    ...webhookHealthUpdates(db, settlements),
  ].filter((st): st is D1PreparedStatement => st !== null);
  await db.batch(statements);

  for (const s of settlements) {
    outcomes.set(s.settled.seq, s.outcome);
    await applyAutoDisable(env, cfg, s.settled);
    await reportExhaustion(env, s.settled);
  }
  return outcomes;
}

async function attemptClaimed(env: AppEnv, cfg: Config, claimed: ClaimedDelivery, now: number): Promise<Settlement> {
  const seq = claimed.seq;
  const webhook = claimed.webhook ? (JSON.parse(claimed.webhook) as ClaimedWebhook) : null;
  const event = claimed.event ? (JSON.parse(claimed.event) as ClaimedEvent) : null;
  const trigger = claimed.manual ? "manual" : "automatic";
  const base = { seq, namespace: claimed.namespace, eventType: claimed.event_type, eventId: event?.id ?? "", webhook };

  // Claims past the schedule come only from Workers that died mid-attempt
  // again and again: end the delivery instead of claiming it forever.
  const crashLooped = !claimed.manual && claimed.attempts > cfg.retrySchedule.length + 1;
  if (!webhook || !event || !webhook.active || crashLooped) {
    const reason = !webhook ? "webhook_deleted" : !event ? "event_deleted" : !webhook.active ? "webhook_disabled" : "attempts_exhausted";
    return {
      settled: { ...base, status: "failed", failureReason: reason },
      outcome: { kind: "settled", status: "failed" },
      endedWithoutAttempt: reason,
    };
  }

  const verdict = checkTargetUrl(webhook.url, cfg.guard);
  let attempt: AttemptResult;
  let requestHeaders: Record<string, string> = {};
  if (!verdict.ok) {
    attempt = { startedAt: now, durationMs: 0, errorClass: "url_not_allowed", errorMessage: `The webhook URL ${verdict.reason}.` };
  } else {
    const secrets = {
      current: webhook.secret_sealed ? await unseal(env, webhook.secret_sealed, currentSecretOf(webhook.id)) : null,
      previous:
        webhook.previous_secret_sealed && (webhook.previous_secret_expires_at ?? 0) > now
          ? await unseal(env, webhook.previous_secret_sealed, previousSecretOf(webhook.id))
          : null,
    };
    const custom = sendableCustomHeaders(JSON.parse(webhook.headers || "{}") as Record<string, string>);
    const request = await buildRequest(
      webhook.format,
      { id: event.id, namespace: claimed.namespace, type: event.type, data: event.data, createdAt: event.created_at, test: event.test === 1 },
      { id: webhook.id, name: webhook.name },
      secrets,
      Math.floor(Date.now() / 1000),
    );
    // Custom headers never override ours; their values stay out of the log.
    const sent = { ...custom, ...request.headers };
    requestHeaders = redactSignatures(request.headers);
    for (const k of Object.keys(custom)) if (!(k.toLowerCase() in request.headers)) requestHeaders[k] = "[redacted]";
    usage.deliveryAttempts++;
    attempt = await postOnce(webhook.url, sent, request.body, cfg.deliveryTimeoutMs);
  }
  return settle(cfg, claimed, webhook, base, verdict.ok, trigger, requestHeaders, attempt);
}

/**
 * A delivery whose request could not even be prepared (say, a secret that no
 * longer unseals) fails this attempt on record and follows the schedule,
 * instead of failing the whole batch.
 */
async function attemptClaimedSafely(env: AppEnv, cfg: Config, claimed: ClaimedDelivery, now: number): Promise<Settlement> {
  try {
    return await attemptClaimed(env, cfg, claimed, now);
  } catch (err) {
    console.error("could not prepare a delivery", { delivery: claimed.seq, error: String(err) });
    const webhook = claimed.webhook ? (JSON.parse(claimed.webhook) as ClaimedWebhook) : null;
    const eventId = claimed.event ? (JSON.parse(claimed.event) as ClaimedEvent).id : "";
    if (!webhook) throw err;
    const base = { seq: claimed.seq, namespace: claimed.namespace, eventType: claimed.event_type, eventId, webhook };
    const attempt: AttemptResult = { startedAt: now, durationMs: 0, errorClass: "internal", errorMessage: "The request could not be prepared." };
    return settle(cfg, claimed, webhook, base, true, claimed.manual ? "manual" : "automatic", {}, attempt);
  }
}

function settle(
  cfg: Config,
  claimed: ClaimedDelivery,
  webhook: ClaimedWebhook,
  base: Omit<SettledDelivery, "status">,
  urlAllowed: boolean,
  trigger: "manual" | "automatic",
  requestHeaders: Record<string, string>,
  attempt: AttemptResult,
): Settlement {
  const seq = claimed.seq;

  const ok = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300 && !attempt.errorClass;
  const finishedAt = attempt.startedAt + attempt.durationMs;
  let status: DeliveryStatus;
  let retryDelay: number | null = null;
  let failureReason: string | null = null;
  if (ok) {
    status = "succeeded";
    usage.deliverySuccesses++;
  } else {
    const decision =
      claimed.manual || !urlAllowed || attempt.status === 410
        ? ({ retry: false } as const)
        : nextRetry(cfg.retrySchedule, claimed.attempts, { status: attempt.status, retryAfter: attempt.headers?.["retry-after"] }, finishedAt);
    if (decision.retry) {
      status = "pending";
      retryDelay = decision.delaySeconds;
    } else {
      status = "failed";
      failureReason = !urlAllowed ? "url_not_allowed" : claimed.manual ? "manual_attempt_failed" : "attempts_exhausted";
    }
  }

  // The due time sits a second before the queue's delay ends, so the retried
  // message always finds its delivery due.
  const nextAttemptAt = retryDelay !== null ? finishedAt + retryDelay * 1000 - 1000 : finishedAt;
  return {
    settled: { ...base, status, attempt, failureReason: failureReason ?? undefined },
    outcome: retryDelay !== null ? { kind: "retry", delaySeconds: retryDelay, attempt } : { kind: "settled", status, attempt },
    attemptRow: {
      seq: seq * ATTEMPT_SLOTS + claimed.attempts,
      delivery_seq: seq,
      attempt: claimed.attempts,
      trigger,
      started_at: attempt.startedAt,
      duration_ms: attempt.durationMs,
      url: webhook.url,
      request_headers: JSON.stringify(requestHeaders),
      response_status: attempt.status ?? null,
      response_headers: attempt.headers ? JSON.stringify(attempt.headers) : null,
      response_body: attempt.body ?? null,
      error_class: attempt.errorClass ?? null,
      error_message: attempt.errorMessage ?? null,
    },
    stateRow: {
      seq,
      attempt: claimed.attempts,
      status,
      response_status: attempt.status ?? null,
      duration_ms: attempt.durationMs,
      next_attempt_at: nextAttemptAt,
      failure_reason: failureReason,
      updated_at: finishedAt,
    },
  };
}

/**
 * The webhooks' health records, one statement per webhook that changed: a
 * failure, or the first success after failures. A healthy webhook costs no
 * writes. Attempts of one batch are folded together per webhook.
 */
function webhookHealthUpdates(db: D1Database, settlements: Settlement[]): D1PreparedStatement[] {
  const byWebhook = new Map<string, { webhook: ClaimedWebhook; failures: number; firstFailure: number; lastFailure: number; lastSuccess: number | null }>();
  for (const { settled } of settlements) {
    const { webhook, attempt } = settled;
    if (!webhook || !attempt) continue;
    const at = attempt.startedAt + attempt.durationMs;
    const entry = byWebhook.get(webhook.id) ?? { webhook, failures: 0, firstFailure: Infinity, lastFailure: 0, lastSuccess: null };
    if (settled.status === "succeeded") entry.lastSuccess = Math.max(entry.lastSuccess ?? 0, at);
    else {
      entry.failures++;
      entry.firstFailure = Math.min(entry.firstFailure, at);
      entry.lastFailure = Math.max(entry.lastFailure, at);
    }
    byWebhook.set(webhook.id, entry);
  }
  const statements: D1PreparedStatement[] = [];
  for (const { webhook, failures, firstFailure, lastFailure, lastSuccess } of byWebhook.values()) {
    if (failures === 0) {
      if (webhook.consecutive_failures === 0 && webhook.failing_since === null) continue;
      statements.push(
        db.prepare("UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL, last_success_at = ? WHERE id = ?").bind(lastSuccess, webhook.id),
      );
    } else {
      // A success in the same batch as failures: the newest outcome decides the streak.
      const recovered = lastSuccess !== null && lastSuccess > lastFailure;
      statements.push(
        recovered
          ? db.prepare("UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL, last_success_at = ?, last_failure_at = ? WHERE id = ?").bind(lastSuccess, lastFailure, webhook.id)
          : db
              .prepare(
                "UPDATE webhooks SET consecutive_failures = consecutive_failures + ?, failing_since = coalesce(failing_since, ?), last_failure_at = ? WHERE id = ?",
              )
              .bind(failures, firstFailure, lastFailure, webhook.id),
      );
    }
  }
  return statements;
}
