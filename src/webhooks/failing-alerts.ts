/**
 * `webhook.failing`: the owner hears of a failing webhook before auto-disable
 * (auto-disable.ts) takes it out, at 50, 70 and 90 % of AUTO_DISABLE_DAYS of
 * unbroken failure, once each per failing run (Outpost's operator events warn
 * at such fractions: ../shared/reference/peers.md, "Operator alerts").
 *
 * A consumer reaction after a failed attempt, from the webhook as claimed:
 * its failing_since (the run's start, the one auto-disable measures) and
 * failing_alert_percent (the highest threshold already sent for the run). Only
 * when a new threshold is reached does anything happen: the event, then the
 * threshold written on the webhook row. The success that ends the run clears
 * it in the statement that clears failing_since (db/stores/webhooks.ts), so
 * the success path costs no extra query.
 *
 * Exactly once: the event id names the webhook, the run and the threshold,
 * so two deliveries that both see the threshold unsent (or a retried queue
 * message) store one event; the row's threshold only rises.
 * A threshold passed between two attempts is folded into the next one: only
 * the highest reached is sent (a 70 % alert is stale once 90 % is reached).
 * Deliveries of operational events never cause one.
 */
import type { Config } from "../config";
import { shardDb, type ShardEnv } from "../db/shards";
import { markFailingAlert } from "../db/stores/webhooks";
import type { SettledDelivery } from "../delivery/settle";
import { emitWebhookFailing, isOperationalType, type FailingAlert } from "../events/operational";

export const FAILING_ALERT_PERCENTS = [50, 70, 90] as const;

/** The alert this settled attempt is due to send, or null. */
export function failingAlertDue(cfg: Config, settled: SettledDelivery): FailingAlert | null {
  const { webhook, attempt } = settled;
  if (!webhook || !attempt || !webhook.active || settled.status === "succeeded" || webhook.failing_since === null) return null;
  const at = attempt.startedAt + attempt.durationMs;
  const elapsed = at - webhook.failing_since;
  // From 100 % on, auto-disable takes over (webhook.disabled).
  if (elapsed >= cfg.autoDisableMs) return null;
  const reached = FAILING_ALERT_PERCENTS.filter((p) => elapsed * 100 >= cfg.autoDisableMs * p);
  const percent = reached[reached.length - 1];
  if (percent === undefined || percent <= (webhook.failing_alert_percent ?? 0)) return null;
  return { percent, failingSince: webhook.failing_since, disablesAt: webhook.failing_since + cfg.autoDisableMs };
}

/**
 * Alerts this isolate has just sent: the other failed deliveries of the same
 * batch were claimed with the same (stale) threshold, and need not each ask
 * publish to find the event already stored. Bounded; losing it costs only that.
 */
const recentlySent = new Set<string>();

export async function alertFailing(env: ShardEnv, cfg: Config, settled: SettledDelivery): Promise<void> {
  const due = failingAlertDue(cfg, settled);
  if (!due || isOperationalType(settled.eventType)) return;
  const webhook = settled.webhook!;
  const key = `${webhook.id}_${due.failingSince}_${due.percent}`;
  if (recentlySent.has(key)) return;
  try {
    // The event first: if writing the threshold fails, the next failure sends it again under the same id (a no-op).
    await emitWebhookFailing(env, settled.namespace, { id: webhook.id, name: webhook.name, url: webhook.url, format: webhook.format }, due);
    await markFailingAlert(shardDb(env), webhook.id, due.failingSince, due.percent);
    if (recentlySent.size > 1000) recentlySent.clear();
    recentlySent.add(key);
  } catch (err) {
    console.error("webhook.failing notice failed", { delivery: settled.seq, error: String(err) });
  }
}
