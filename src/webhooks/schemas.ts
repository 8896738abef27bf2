/** Request and response schemas of the webhooks API (also the OpenAPI document's). */
import { z } from "@hono/zod-openapi";
import { webhookFormats } from "../delivery/formats";
import { CircuitSchema } from "./circuit-view";

export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const NamespaceParam = z.object({
  ns: z.string().regex(NAMESPACE_PATTERN).openapi({ param: { name: "ns", in: "path" }, example: "acme" }),
});

export const WebhookParams = NamespaceParam.extend({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "wh_3kTMd9Qz" }),
});

const name = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, "use 1 to 100 letters, digits, - or _ (no spaces)")
  .openapi({ example: "deploy-notifier" });
const url = z.string().min(1).max(2048).openapi({ example: "https://hooks.example.com/ci" });
const events = z
  .array(z.string().min(1).max(100))
  .min(1, "subscribe to at least one event")
  .max(100)
  .openapi({ example: ["build.*", "deploy.finished"] });
const headers = z
  .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "not a valid header name"), z.string().max(1024))
  .refine((h) => Object.keys(h).length <= 20, "at most 20 custom headers")
  .openapi({ description: "Extra request headers, e.g. a shared token a firewall checks. Values are never shown back." });

export const WebhookCreate = z
  .object({
    name,
    url,
    events,
    format: z.enum(webhookFormats).default("standard"),
    active: z.boolean().default(true),
    description: z.string().max(1000).default(""),
    secret: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "Omit to have one generated; null only for a djinn webhook without signing." }),
    headers: headers.optional(),
    certificate_validation: z
      .literal(true)
      .optional()
      .openapi({ description: "Always on: Workers cannot skip TLS certificate validation." }),
  })
  .openapi("WebhookCreate");

export const WebhookUpdate = z
  .object({
    name: name.optional(),
    url: url.optional(),
    events: events.optional(),
    format: z.enum(webhookFormats).optional(),
    active: z.boolean().optional(),
    description: z.string().max(1000).optional(),
    secret: z.string().nullable().optional(),
    headers: headers.optional(),
    certificate_validation: z.literal(true).optional(),
  })
  .openapi("WebhookUpdate");

export const Webhook = z
  .object({
    id: z.string(),
    namespace: z.string(),
    name: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()),
    format: z.enum(webhookFormats),
    active: z.boolean(),
    headers: z.array(z.string()).openapi({ description: "Names of the custom headers sent." }),
    certificate_validation: z.literal(true),
    secret_hint: z.string().nullable(),
    disabled_reason: z.string().nullable(),
    disabled_at: z.string().nullable(),
    circuit: CircuitSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Webhook");

export const WebhookWithSecret = Webhook.extend({
  secret: z.string().nullable().openapi({ description: "Shown only in this answer." }),
}).openapi("WebhookWithSecret");

export type WebhookCreateInput = z.infer<typeof WebhookCreate>;
export type WebhookUpdateInput = z.infer<typeof WebhookUpdate>;
export type WebhookView = z.infer<typeof Webhook>;

/** Longest rotation grace period: 30 days. */
export const MAX_GRACE_SECONDS = 2_592_000;
export const DEFAULT_GRACE_SECONDS = 86_400;

export const RotateSecret = z
  .object({
    secret: z
      .string()
      .optional()
      .openapi({ description: "The new secret; omit to have one generated. It must suit the webhook's format." }),
    grace_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .optional()
      .openapi({ description: "How long the previous secret keeps signing too (default 86400 = 24 h; 0 ends it now)." }),
  })
  .openapi("RotateSecret");

export const RotatedWebhook = WebhookWithSecret.extend({
  secret: z.string().openapi({ description: "The new secret, shown only in this answer." }),
  previous_secret_expires_at: z
    .string()
    .nullable()
    .openapi({ description: "Until when the previous secret also signs; null when none does." }),
}).openapi("RotatedWebhook");

export const RecoverRequest = z
  .object({
    since: z.iso
      .datetime({ offset: true })
      .openapi({ description: "RFC 3339 time: failed deliveries created at or after it are re-sent.", example: "2026-01-01T00:00:00Z" }),
  })
  .openapi("RecoverRequest");

export const RecoverAccepted = z
  .object({ enqueued: z.number().int().openapi({ description: "How many failed deliveries are sent again." }) })
  .openapi("RecoverAccepted");

export type RotateSecretInput = z.infer<typeof RotateSecret>;
