/** Request and response schemas of the webhooks API (also the OpenAPI document's). */
import { z } from "@hono/zod-openapi";
import { signatureSchemes, webhookFormats } from "../delivery/formats";
import { PayloadFilterSchema } from "../events/payload-filter";
import { headerNameProblem, headerValueProblem } from "../security/custom-headers";
import { CircuitSchema } from "./circuit-view";
import { DestinationInput, DestinationUpdate, DestinationView } from "./destination-schemas";

export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** NAMESPACE_PATTERN in words, for the error a person reads. */
export const NAMESPACE_RULE = "use 1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit";

export const NamespaceParam = z.object({
  ns: z.string().regex(NAMESPACE_PATTERN, NAMESPACE_RULE).openapi({ param: { name: "ns", in: "path" }, example: "acme" }),
});

export const WebhookParams = NamespaceParam.extend({
  id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "wh_3kTMd9Qz" }),
});

const name = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, "use 1 to 100 letters, digits, - or _ (no spaces)")
  .openapi({ example: "deploy-notifier" });
const url = z
  .string()
  .min(1)
  .max(2048)
  .openapi({
    example: "https://hooks.example.com/ci",
    description:
      "Where deliveries are POSTed: http(s) on a public host name. Private, loopback and link-local addresses are refused; a deployed Worker cannot reach bare IP addresses at all. Required for an http destination, refused for any other.",
  });
const events = z
  .array(z.string().min(1).max(100))
  .min(1, "subscribe to at least one event")
  .max(100)
  .openapi({ example: ["build.*", "deploy.finished"] });
const headers = z
  .record(z.string(), z.string().max(1024))
  .refine((h) => Object.keys(h).length <= 20, "at most 20 custom headers")
  .superRefine((h, ctx) => {
    for (const [k, v] of Object.entries(h)) {
      const problem = headerNameProblem(k) ?? headerValueProblem(v);
      if (problem) ctx.addIssue({ code: "custom", path: [k], message: problem });
    }
  })
  .openapi({ description: "Extra request headers, e.g. a shared token a firewall checks. Values are never shown back." });

/** Per-webhook flow control (all optional; null or absent = no limit / DELIVERY_TIMEOUT_MS). */
const flowField = (min: number, max: number, description: string, example: number) =>
  z.number().int().min(min).max(max).nullable().openapi({ description, example });
const rateLimit = flowField(1, 1000, "At most this many deliveries per second to this webhook (1 to 1000); null for no limit.", 10);
const maxInFlight = flowField(1, 100, "At most this many requests to this webhook at once (1 to 100); null for no limit.", 5);
const signatureScheme = z.enum(signatureSchemes).openapi({
  description:
    "How a `standard` webhook signs: `hmac-sha256` (Standard Webhooks `v1`, with the secret) or `ed25519` (`v1a`: receivers verify with `public_key` alone; no secret is given or shown). Other formats take only `hmac-sha256`.",
  example: "ed25519",
});
const timeoutMs = flowField(1000, 15000, "HTTP timeout of one attempt in ms (1000 to 15000); null for the default DELIVERY_TIMEOUT_MS.", 5000);
const ORDERED_DESCRIPTION =
  "Deliveries of events that share an `ordering_key` go one at a time, in the order the events were accepted (docs/ordering.md). " +
  "A change applies to deliveries created after it.";

const mode = z
  .enum(["push", "poll"])
  .openapi({ description: "`push` (the default) POSTs to `url`; `poll` has no `url`: its receiver fetches `/poll` (docs/pull.md)." });
const expiresAt = z.iso
  .datetime({ offset: true })
  .nullable()
  .openapi({ description: "A temporary webhook: deleted once this passes (`npm run listen` sets and renews it); null keeps it." });

export const WebhookCreate = z
  .strictObject({
    name,
    url: url.optional(),
    destination: DestinationInput.optional(),
    mode: mode.default("push"),
    expires_at: expiresAt.optional(),
    events,
    format: z.enum(webhookFormats).default("standard"),
    signature_scheme: signatureScheme.default("hmac-sha256"),
    active: z.boolean().default(true),
    description: z.string().max(1000).default(""),
    secret: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "Omit to have one generated; null only for a djinn webhook without signing." }),
    headers: headers.optional(),
    filter: PayloadFilterSchema.nullable().optional(),
    rate_limit: rateLimit.optional(),
    max_in_flight: maxInFlight.optional(),
    timeout_ms: timeoutMs.optional(),
    ordered: z.boolean().default(false).openapi({ description: ORDERED_DESCRIPTION }),
    certificate_validation: z
      .literal(true)
      .optional()
      .openapi({ description: "Always on: Workers cannot skip TLS certificate validation." }),
  })
  .openapi("WebhookCreate");

export const WebhookUpdate = z
  .strictObject({
    name: name.optional(),
    url: url.optional(),
    destination: DestinationUpdate.optional(),
    expires_at: expiresAt.optional(),
    events: events.optional(),
    format: z.enum(webhookFormats).optional(),
    signature_scheme: signatureScheme
      .optional()
      .openapi({ description: "Changing it makes a new key (no grace period: use rotate-secret for that); a change to ed25519 answers `public_key`." }),
    active: z.boolean().optional(),
    description: z.string().max(1000).optional(),
    secret: z.string().nullable().optional(),
    headers: headers.optional(),
    filter: PayloadFilterSchema.nullable().optional().openapi({ description: "null removes the filter." }),
    rate_limit: rateLimit.optional(),
    max_in_flight: maxInFlight.optional(),
    timeout_ms: timeoutMs.optional(),
    ordered: z.boolean().optional().openapi({ description: ORDERED_DESCRIPTION }),
    certificate_validation: z.literal(true).optional(),
  })
  .openapi("WebhookUpdate");

export const Webhook = z
  .object({
    id: z.string(),
    namespace: z.string(),
    name: z.string(),
    url: z.string().openapi({ description: "Where deliveries are posted: the receiver, or for another destination its service's URL (derived); empty for a polling webhook (mode poll)." }),
    destination: DestinationView,
    mode: z.enum(["push", "poll"]),
    expires_at: z.string().nullable().openapi({ description: "When a temporary webhook is deleted; null when kept." }),
    description: z.string(),
    events: z.array(z.string()),
    format: z.enum(webhookFormats),
    active: z.boolean(),
    headers: z.array(z.string()).openapi({ description: "Names of the custom headers sent." }),
    filter: PayloadFilterSchema.nullable().openapi({ description: "The payload filter; null when every event of the subscribed types is sent." }),
    certificate_validation: z.literal(true),
    rate_limit: z.number().int().nullable().openapi({ description: "Deliveries per second at most; null when unset." }),
    max_in_flight: z.number().int().nullable().openapi({ description: "Requests at once at most; null when unset." }),
    timeout_ms: z.number().int().nullable().openapi({ description: "HTTP timeout in ms; null means DELIVERY_TIMEOUT_MS." }),
    ordered: z.boolean().openapi({ description: "Deliveries sharing an ordering_key go one at a time, in order." }),
    secret_hint: z.string().nullable().openapi({ description: "Last 4 characters of the HMAC secret; null when unsigned or ed25519." }),
    signature_scheme: z.enum(signatureSchemes),
    public_key: z
      .string()
      .nullable()
      .openapi({
        description: "For `ed25519`: `whpk_` + base64 of the raw 32-byte Ed25519 public key that verifies the `v1a` signatures (docs/formats.md); null otherwise.",
        example: "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
      }),
    disabled_reason: z.string().nullable(),
    disabled_at: z.string().nullable(),
    circuit: CircuitSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Webhook");

export const WebhookWithSecret = Webhook.extend({
  secret: z.string().nullable().openapi({ description: "Shown only in this answer; null without one, and for ed25519 (the private key is never shown)." }),
}).openapi("WebhookWithSecret");

export type WebhookCreateInput = z.infer<typeof WebhookCreate>;
export type WebhookUpdateInput = z.infer<typeof WebhookUpdate>;
export type WebhookView = z.infer<typeof Webhook>;

/** Longest rotation grace period: 30 days. */
export const MAX_GRACE_SECONDS = 2_592_000;
export const DEFAULT_GRACE_SECONDS = 86_400;

export const RotateSecret = z
  .strictObject({
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
  secret: z.string().nullable().openapi({ description: "The new secret, shown only in this answer; null for ed25519 (the new `public_key` is in this answer)." }),
  previous_secret_expires_at: z
    .string()
    .nullable()
    .openapi({ description: "Until when the previous secret also signs; null when none does." }),
}).openapi("RotatedWebhook");

export const RecoverRequest = z
  .strictObject({
    since: z.iso
      .datetime({ offset: true })
      .openapi({ description: "RFC 3339 time: failed deliveries created at or after it are re-sent.", example: "2026-01-01T00:00:00Z" }),
  })
  .openapi("RecoverRequest");

export const RecoverAccepted = z
  .object({ enqueued: z.number().int().openapi({ description: "How many failed deliveries are sent again." }) })
  .openapi("RecoverAccepted");

export type RotateSecretInput = z.infer<typeof RotateSecret>;
