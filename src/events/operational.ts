/**
 * Operational events: what the dispatcher itself reports about a namespace's
 * webhooks (docs/formats.md, Event catalog). They go through the normal
 * fan-out with `operational: true`, so only webhooks subscribed to the exact
 * name receive them (`*` and prefixes do not match), and never the webhook the
 * event is about. Deliveries of operational events never cause further ones
 * (callers check isOperationalType).
 *
 * Event ids are derived from what happened, so if the same report is made
 * twice (a queue message processed again), publishEvent's idempotency turns
 * the second into a no-op. Being predictable, their prefixes are reserved:
 * a publisher may not take them first (operational-ids.ts).
 */
import type { AppEnv } from "../env";
import { deliveryId } from "../ids";
import { resolveEventType } from "./catalog";
import { OPERATIONAL_ID_PREFIX } from "./operational-ids";
import { publishEvent } from "./publish";
import { shownUrl } from "../security/url-mask";

export type WebhookRef = { id: string; name: string; url: string };
/** The webhook a notice is about, as its caller knows it: the format decides whether its URL is shown masked. */
export type NoticeWebhook = WebhookRef & { format: string };

/**
 * The webhook as the notice names it to the namespace's other webhooks (and
 * the people reading them): a Slack or Discord URL masked (security/url-mask.ts).
 */
function shownRef(w: NoticeWebhook): WebhookRef {
  return { id: w.id, name: w.name, url: shownUrl(w.url, w.format) };
}

export function isOperationalType(type: string): boolean {
  return resolveEventType(type)?.operational === true;
}

export async function emitWebhookDisabled(
  env: AppEnv,
  namespace: string,
  webhook: NoticeWebhook,
  reason: string,
  disabledAt: number,
): Promise<void> {
  await publishEvent(
    env,
    namespace,
    {
      id: `${OPERATIONAL_ID_PREFIX.disabled}${webhook.id}_${disabledAt}`,
      type: "webhook.disabled",
      data: { webhook: shownRef(webhook), reason, disabled_at: new Date(disabledAt).toISOString() },
    },
    { operational: true, excludeWebhookId: webhook.id },
  );
}

export type ExhaustedDelivery = {
  webhook: NoticeWebhook;
  deliverySeq: number;
  event: { id: string; type: string };
  attempts: number;
  lastResponseStatus: number | null;
  reason: string;
};

export async function emitDeliveryExhausted(env: AppEnv, namespace: string, x: ExhaustedDelivery): Promise<void> {
  const id = deliveryId(x.deliverySeq);
  await publishEvent(
    env,
    namespace,
    {
      id: `${OPERATIONAL_ID_PREFIX.exhausted}${id}`,
      type: "delivery.exhausted",
      data: {
        webhook: shownRef(x.webhook),
        delivery_id: id,
        event: x.event,
        attempts: x.attempts,
        last_response_status: x.lastResponseStatus,
        reason: x.reason,
      },
    },
    { operational: true, excludeWebhookId: x.webhook.id },
  );
}

/** An operational event about one webhook, never sent to that webhook. */
function emitAbout(env: AppEnv, namespace: string, webhook: NoticeWebhook, event: { id: string; type: string; data: Record<string, unknown> }) {
  return publishEvent(env, namespace, event, { operational: true, excludeWebhookId: webhook.id });
}

export async function emitCircuitOpened(
  env: AppEnv,
  namespace: string,
  webhook: NoticeWebhook,
  x: { failures: number; openedAt: number; nextProbeAt: number },
): Promise<void> {
  await emitAbout(env, namespace, webhook, {
    id: `${OPERATIONAL_ID_PREFIX.circuitOpened}${webhook.id}_${x.openedAt}`,
    type: "webhook.circuit_opened",
    data: { webhook: shownRef(webhook), failures: x.failures, opened_at: new Date(x.openedAt).toISOString(), next_probe_at: new Date(x.nextProbeAt).toISOString() },
  });
}

export async function emitRecovered(env: AppEnv, namespace: string, webhook: NoticeWebhook, x: { recoveredAt: number; openedAt: number | null }): Promise<void> {
  await emitAbout(env, namespace, webhook, {
    id: `${OPERATIONAL_ID_PREFIX.recovered}${webhook.id}_${x.recoveredAt}`,
    type: "webhook.recovered",
    data: { webhook: shownRef(webhook), recovered_at: new Date(x.recoveredAt).toISOString(), opened_at: x.openedAt === null ? null : new Date(x.openedAt).toISOString() },
  });
}

export type FailingAlert = { percent: number; failingSince: number; disablesAt: number };

/** `webhook.failing`; its id names the run and the threshold, so the same alert is stored once however often it is made. */
export async function emitWebhookFailing(env: AppEnv, namespace: string, webhook: NoticeWebhook, x: FailingAlert): Promise<void> {
  await emitAbout(env, namespace, webhook, {
    id: `${OPERATIONAL_ID_PREFIX.failing}${webhook.id}_${x.failingSince}_${x.percent}`,
    type: "webhook.failing",
    data: {
      webhook: shownRef(webhook),
      percent: x.percent,
      failing_since: new Date(x.failingSince).toISOString(),
      disables_at: new Date(x.disablesAt).toISOString(),
    },
  });
}
