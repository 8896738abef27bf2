/**
 * Payloads of the events the dispatcher itself emits (src/events/operational.ts
 * builds them; docs/formats.md, Event catalog).
 */
import { z } from "@hono/zod-openapi";
import { int, strictEntity, time } from "./common";

const WebhookRef = strictEntity({
  id: z.string(),
  name: z.string(),
  url: z.string().openapi({ description: "The webhook's URL; masked for `slack` and `discord` webhooks, whose URL is their credential (`https://hooks.slack.com/services/…WXYZ`)." }),
});

export const WebhookDisabled = strictEntity({
  webhook: WebhookRef,
  reason: z.string(),
  disabled_at: time().optional(),
});

export const WebhookFailing = strictEntity({
  webhook: WebhookRef,
  /** The share of AUTO_DISABLE_DAYS the failures have lasted: 50, 70 or 90. */
  percent: int().openapi({ description: "How far towards auto-disable, in percent of AUTO_DISABLE_DAYS: 50, 70 or 90.", example: 50 }),
  failing_since: time().openapi({ description: "Start of the unbroken run of failures." }),
  disables_at: time().openapi({ description: "When the run, unless a delivery succeeds first, disables the webhook (at its first failed attempt from then on)." }),
});

export const DeliveryExhausted = strictEntity({
  webhook: WebhookRef,
  delivery_id: z.string().optional(),
  event: strictEntity({ id: z.string(), type: z.string() }),
  attempts: int().optional(),
  last_response_status: int().nullable().optional(),
  reason: z.string(),
});

export const WebhookCircuitOpened = strictEntity({
  webhook: WebhookRef,
  /** Weighted failed attempts in a row (a timeout counts 2). */
  failures: int(),
  opened_at: time(),
  next_probe_at: time(),
});

export const WebhookRecovered = strictEntity({
  webhook: WebhookRef,
  recovered_at: time(),
  opened_at: time().nullable().optional(),
});
