/** Response schemas of the delivery log (also the OpenAPI document's). */
import { z } from "@hono/zod-openapi";
import { deliveryStatuses } from "../db/schema";

export const DeliverySummary = z
  .object({
    id: z.string(),
    event_id: z.string().nullable(),
    event_type: z.string(),
    webhook_id: z.string(),
    status: z.enum(deliveryStatuses),
    attempts: z.number().int(),
    last_response_status: z.number().int().nullable(),
    failure_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    next_attempt_at: z.string().nullable().openapi({
      description:
        "While pending, when the next attempt is due. While an attempt is running (its result not yet on record), the end of its lease instead: " +
        "when the delivery is taken up again should the Worker sending it never report back. Null once the delivery has ended.",
    }),
    ordering_key: z.string().nullable().openapi({ description: "Its event's ordering key; null if none." }),
  })
  .openapi("DeliverySummary");

export const Attempt = z
  .object({
    attempt: z.number().int(),
    trigger: z.enum(["automatic", "manual"]),
    started_at: z.string(),
    duration_ms: z.number().int(),
    url: z.string().openapi({
      description:
        "The URL the attempt was sent to. Masked for `slack` and `discord` webhooks, whose URL is their credential (`https://hooks.slack.com/services/…WXYZ`), and once the webhook is deleted.",
    }),
    request_headers: z.record(z.string(), z.string()),
    response_status: z.number().int().nullable(),
    response_headers: z.record(z.string(), z.string()).nullable(),
    response_body: z.string().nullable(),
    error: z.object({ class: z.string(), message: z.string() }).nullable(),
  })
  .openapi("Attempt");

export const DeliveryDetail = DeliverySummary.omit({ attempts: true })
  .extend({
    attempts: z.array(Attempt),
    attempt_count: z.number().int(),
    waiting_for: z.string().nullable().openapi({
      description:
        "For a delivery of an ordered webhook: the earlier delivery of the same ordering key it waits for (the latest one not ended yet); null when it waits for none.",
      example: "dlv_1x2y3z",
    }),
    request_body: z.string().nullable().openapi({
      description: "The exact body sent (every attempt sends the same bytes), rebuilt from the stored event in the webhook's format; null once the webhook is deleted.",
    }),
  })
  .openapi("DeliveryDetail");

export const DeliveryListQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
});

export type DeliverySummaryView = z.infer<typeof DeliverySummary>;
export type AttemptView = z.infer<typeof Attempt>;

const rfc3339 = (what: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: `RFC 3339 time; ${what}.`, example: "2026-01-31T12:00:00Z" });

export const DeliverySearchQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
  event_type: z.string().min(1).max(100).optional().openapi({ description: "Exact event type (aliases resolve to their current name)." }),
  webhook_id: z.string().min(1).max(64).optional().openapi({ description: "Only this webhook's deliveries (also finds those of a deleted webhook)." }),
  since: rfc3339("deliveries created at or after it"),
  until: rfc3339("deliveries created before it"),
});

export const RedeliverAccepted = z.object({ delivery_id: z.string() }).openapi("RedeliverAccepted");
