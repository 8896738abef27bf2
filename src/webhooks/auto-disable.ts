/**
 * Auto-disable, and the owner's notices that go with it. Run after every
 * attempt (a consumer reaction, webhooks/delivery-reactions.ts), from the webhook as it was when the attempt
 * was claimed:
 * - a 410 Gone disables the webhook at once (Standard Webhooks: "410 means
 *   disable the endpoint"), reason `receiver_gone`;
 * - for a chat webhook (slack, discord) a 404 does too, reason
 *   `chat_webhook_revoked`: Slack answers 404 `no_service` and Discord 404
 *   `Unknown Webhook` once the channel's webhook is deleted, and neither
 *   ever comes back;
 * - failures unbroken for AUTO_DISABLE_DAYS (webhooks.failing_since, reset by
 *   any success) disable it, reason `failing_too_long` (Svix: 5 days).
 * Disabling sets active = 0, disabled_reason, disabled_at, and ends the
 * webhook's pending deliveries `failed` with the same reason (one UPDATE
 * through deliveries_webhook_created). PATCH {"active": true} re-enables.
 *
 * Notices: `webhook.disabled` when this disabled it, `delivery.exhausted`
 * when an automatic schedule ran out; neither for a delivery of an
 * operational event (no notices about notices).
 *
 * Nothing here may throw into the consumer: the attempt is already recorded,
 * and a thrown error would make the queue retry a message that has nothing
 * left to do. Failures are logged.
 */
import type { RawRow } from "../db/columns";
import { shardDb, type ShardEnv } from "../db/shards";
import { withGenerations } from "../db/generations";
import { failPendingOfDisabledStatements } from "../db/stores/delivery-recovery";
import { attemptCount } from "../db/stores/delivery-reads";
import { disabledWebhook, disableStatement } from "../db/stores/webhooks";
import type { Config } from "../config";
import { isChatFormat } from "../delivery/chat/chat-format";
import type { SettledDelivery } from "../delivery/settle";
import type { AppEnv } from "../env";
import { emitDeliveryExhausted, emitWebhookDisabled, isOperationalType, type WebhookRef } from "../events/operational";

export const DISABLED_GONE = "receiver_gone";
export const DISABLED_FAILING = "failing_too_long";
export const DISABLED_CHAT_REVOKED = "chat_webhook_revoked";

/** An answer that disables at once: 410 Gone from any receiver, 404 from a chat service (its webhook was deleted). */
function answerDisableReason(format: string, status: number | undefined): string | null {
  if (status === 410) return DISABLED_GONE;
  if (status === 404 && isChatFormat(format)) return DISABLED_CHAT_REVOKED;
  return null;
}

/** The reason this settled attempt disables its webhook, or null. */
export function disableReason(cfg: Config, settled: SettledDelivery): string | null {
  const { webhook, attempt } = settled;
  if (!webhook || !attempt || !webhook.active || settled.status === "succeeded") return null;
  const answer = answerDisableReason(webhook.format, attempt.status);
  if (answer) return answer;
  const at = attempt.startedAt + attempt.durationMs;
  if (webhook.failing_since !== null && at - webhook.failing_since >= cfg.autoDisableMs) return DISABLED_FAILING;
  return null;
}

export async function applyAutoDisable(env: ShardEnv, cfg: Config, settled: SettledDelivery): Promise<void> {
  try {
    const reason = disableReason(cfg, settled);
    if (!reason || !settled.attempt) return;
    const at = settled.attempt.startedAt + settled.attempt.durationMs;
    const disabled = await disableWebhook(env, settled.webhook!.id, reason, at);
    if (disabled && !isOperationalType(settled.eventType)) {
      await emitWebhookDisabled(env, disabled.namespace, { id: disabled.id, name: disabled.name, url: disabled.url, format: settled.webhook!.format }, reason, at);
    }
  } catch (err) {
    console.error("auto-disable failed", { delivery: settled.seq, error: String(err) });
  }
}

/**
 * Disables the webhook and fails its pending deliveries, in one batch.
 * Answers the webhook if this call disabled it, null if it already was.
 */
export async function disableWebhook(
  env: ShardEnv,
  webhookId: string,
  reason: string,
  at: number,
): Promise<(WebhookRef & { namespace: string }) | null> {
  const db = shardDb(env);
  const [disabled] = await withGenerations(db, (gens) =>
    db.batch<RawRow>([disableStatement(db, reason, at, webhookId), ...failPendingOfDisabledStatements(db, gens, reason, at, webhookId)]),
  );
  return disabledWebhook(disabled.results);
}

/** `delivery.exhausted` for a delivery whose automatic attempts ran out. */
export async function reportExhaustion(env: ShardEnv, settled: SettledDelivery): Promise<void> {
  const { webhook, attempt } = settled;
  // An answer that disables the webhook (410, a chat 404) is reported as webhook.disabled, not also here.
  if (!webhook || !attempt || answerDisableReason(webhook.format, attempt.status)) return;
  if (settled.status !== "failed" || settled.failureReason !== "attempts_exhausted") return;
  if (isOperationalType(settled.eventType)) return;
  try {
    const attempts = await attemptCount(shardDb(env), settled.seq);
    await emitDeliveryExhausted(env, settled.namespace, {
      webhook: { id: webhook.id, name: webhook.name, url: webhook.url, format: webhook.format },
      deliverySeq: settled.seq,
      event: { id: settled.eventId, type: settled.eventType },
      attempts,
      lastResponseStatus: attempt.status ?? null,
      reason: settled.failureReason,
    });
  } catch (err) {
    console.error("delivery.exhausted notice failed", { delivery: settled.seq, error: String(err) });
  }
}
