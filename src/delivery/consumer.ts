/**
 * The queue consumer: one message = one delivery = at most one HTTP attempt.
 *
 * 1. Claim the attempt in D1 (a conditional UPDATE that also returns the event
 *    and webhook), so a duplicate or concurrent message never sends twice.
 *    While the attempt runs, next_attempt_at holds its lease expiry; if this
 *    Worker dies, the sweep picks the delivery up once the lease has passed.
 * 2. Build, sign and POST the request.
 * 3. Record the attempt and the delivery's new state in one batch, then ack
 *    or retry the message. A failure is never acked as if it were delivered.
 */
import { config, type Config } from "../config";
import { d1 } from "../db/client";
import { ATTEMPT_SLOTS, type DeliveryStatus } from "../db/schema";
import type { AppEnv, DeliveryMessage } from "../env";
import { checkTargetUrl } from "../security/ssrf-guard";
import { unseal } from "../security/secret-box";
import { usage } from "../usage";
import { applyAutoDisable, reportExhaustion } from "../webhooks/auto-disable";
import { buildRequest, type WebhookFormat } from "./formats";
import { postOnce, type AttemptResult } from "./http-attempt";
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

type ClaimedEvent = { id: string; type: string; data: string; created_at: number };

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

export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: AppEnv): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        if (message.body.recover) {
          await continueRecovery(env, message.body.recover);
          usage.queueAcks++;
          message.ack();
          return;
        }
        const outcome = await processDelivery(env, message.body.d);
        if (outcome.kind === "retry") {
          usage.queueRetries++;
          message.retry({ delaySeconds: outcome.delaySeconds });
        } else {
          usage.queueAcks++;
          message.ack();
        }
      } catch (err) {
        console.error("delivery processing failed; retrying the message", { d: message.body.d, error: String(err) });
        usage.queueRetries++;
        message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
      }
    }),
  );
}

const CLAIM_SQL = `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?3, updated_at = ?2
WHERE seq = ?1 AND status = 'pending' AND next_attempt_at <= ?2
RETURNING seq, attempts, manual, namespace, event_type, webhook_id,
  (SELECT json_object('id', e.id, 'type', e.type, 'data', e.data, 'created_at', e.created_at)
     FROM events e WHERE e.seq = deliveries.event_seq) AS event,
  (SELECT json_object('id', w.id, 'name', w.name, 'url', w.url, 'format', w.format, 'active', w.active,
          'headers', w.headers, 'secret_sealed', w.secret_sealed, 'previous_secret_sealed', w.previous_secret_sealed,
          'previous_secret_expires_at', w.previous_secret_expires_at, 'failing_since', w.failing_since,
          'consecutive_failures', w.consecutive_failures)
     FROM webhooks w WHERE w.id = deliveries.webhook_id) AS webhook`;

export async function processDelivery(env: AppEnv, seq: number, now = Date.now()): Promise<Outcome> {
  const cfg = config(env);
  const db = d1(env);
  const claimed = await db
    .prepare(CLAIM_SQL)
    .bind(seq, now, now + cfg.deliveryTimeoutMs + LEASE_MARGIN_MS)
    .first<ClaimedDelivery>();
  // Not pending, not yet due, or claimed by another consumer: nothing to do.
  if (!claimed) return { kind: "skipped" };

  const webhook = claimed.webhook ? (JSON.parse(claimed.webhook) as ClaimedWebhook) : null;
  const event = claimed.event ? (JSON.parse(claimed.event) as ClaimedEvent) : null;
  const trigger = claimed.manual ? "manual" : "automatic";
  const base = { seq, namespace: claimed.namespace, eventType: claimed.event_type, eventId: event?.id ?? "", webhook };

  if (!webhook || !event || !webhook.active) {
    const reason = !webhook ? "webhook_deleted" : !event ? "event_deleted" : "webhook_disabled";
    await settleWithoutAttempt(env, seq, reason, now);
    await onSettled(env, cfg, { ...base, status: "failed", failureReason: reason });
    return { kind: "settled", status: "failed" };
  }

  const verdict = checkTargetUrl(webhook.url, { allowLoopback: cfg.allowLoopback });
  let attempt: AttemptResult;
  let requestHeaders: Record<string, string> = {};
  if (!verdict.ok) {
    attempt = { startedAt: now, durationMs: 0, errorClass: "url_not_allowed", errorMessage: `The webhook URL ${verdict.reason}.` };
  } else {
    const secrets = {
      current: webhook.secret_sealed ? await unseal(env, webhook.secret_sealed) : null,
      previous:
        webhook.previous_secret_sealed && (webhook.previous_secret_expires_at ?? 0) > now
          ? await unseal(env, webhook.previous_secret_sealed)
          : null,
    };
    const custom = JSON.parse(webhook.headers || "{}") as Record<string, string>;
    const request = await buildRequest(
      webhook.format,
      { id: event.id, type: event.type, data: event.data, createdAt: event.created_at },
      { id: webhook.id, name: webhook.name },
      secrets,
      Math.floor(Date.now() / 1000),
    );
    // Custom headers never override ours; their values stay out of the log.
    const sent = { ...custom, ...request.headers };
    requestHeaders = { ...request.headers };
    for (const k of Object.keys(custom)) if (!(k.toLowerCase() in request.headers)) requestHeaders[k] = "[redacted]";
    usage.deliveryAttempts++;
    attempt = await postOnce(webhook.url, sent, request.body, cfg.deliveryTimeoutMs);
  }

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
      claimed.manual || verdict.ok === false || attempt.status === 410
        ? ({ retry: false } as const)
        : nextRetry(cfg.retrySchedule, claimed.attempts, { status: attempt.status, retryAfter: attempt.headers?.["retry-after"] }, finishedAt);
    if (decision.retry) {
      status = "pending";
      retryDelay = decision.delaySeconds;
    } else {
      status = "failed";
      failureReason = verdict.ok === false ? "url_not_allowed" : claimed.manual ? "manual_attempt_failed" : "attempts_exhausted";
    }
  }

  // The due time sits a second before the queue's delay ends, so the retried
  // message always finds its delivery due.
  const nextAttemptAt = retryDelay !== null ? finishedAt + retryDelay * 1000 - 1000 : finishedAt;
  await db.batch([
    db
      .prepare(
        `INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers,
           response_status, response_headers, response_body, error_class, error_message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        seq * ATTEMPT_SLOTS + claimed.attempts,
        seq,
        claimed.attempts,
        trigger,
        attempt.startedAt,
        attempt.durationMs,
        webhook.url,
        JSON.stringify(requestHeaders),
        attempt.status ?? null,
        attempt.headers ? JSON.stringify(attempt.headers) : null,
        attempt.body ?? null,
        attempt.errorClass ?? null,
        attempt.errorMessage ?? null,
      ),
    db
      // A delivery that stays pending keeps `status` out of the SET list: assigning
      // it, even unchanged, re-inserts the partial pending-index entry (a billed
      // row; bench/README.md measures it).
      .prepare(
        `UPDATE deliveries SET ${status === "pending" ? "" : "status = ?8, "}last_response_status = ?1, last_duration_ms = ?2,
           next_attempt_at = ?3, manual = 0, failure_reason = ?4, updated_at = ?5 WHERE seq = ?6 AND attempts = ?7`,
      )
      .bind(
        ...[attempt.status ?? null, attempt.durationMs, nextAttemptAt, failureReason, finishedAt, seq, claimed.attempts],
        ...(status === "pending" ? [] : [status]),
      ),
  ]);

  await onSettled(env, cfg, { ...base, status, attempt, failureReason: failureReason ?? undefined });
  return retryDelay !== null ? { kind: "retry", delaySeconds: retryDelay, attempt } : { kind: "settled", status, attempt };
}

async function settleWithoutAttempt(env: AppEnv, seq: number, reason: string, now: number): Promise<void> {
  await d1(env)
    .prepare(
      `UPDATE deliveries SET status = 'failed', attempts = attempts - 1, failure_reason = ?, next_attempt_at = ?, updated_at = ?
       WHERE seq = ? AND status = 'pending'`,
    )
    .bind(reason, now, now, seq)
    .run();
}

/**
 * Applies the owner's policies (auto-disable, operational notices: see
 * webhooks/auto-disable.ts), then keeps the webhook's health record: written
 * only when it changes (a failure,
 * or the first success after failures), so a healthy webhook costs no writes.
 */
async function onSettled(env: AppEnv, cfg: Config, settled: SettledDelivery): Promise<void> {
  await applyAutoDisable(env, cfg, settled);
  await reportExhaustion(env, settled);
  const { webhook, attempt } = settled;
  if (!webhook || !attempt) return;
  const now = attempt.startedAt + attempt.durationMs;
  const ok = settled.status === "succeeded";
  if (ok && webhook.consecutive_failures === 0 && webhook.failing_since === null) return;
  const db = d1(env);
  if (ok) {
    await db
      .prepare("UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL, last_success_at = ? WHERE id = ?")
      .bind(now, webhook.id)
      .run();
  } else {
    await db
      .prepare(
        "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, ?), last_failure_at = ? WHERE id = ?",
      )
      .bind(now, now, webhook.id)
      .run();
  }
}
