/**
 * The OpenAPI 3.1 `webhooks` map: what we *send*. One entry per catalog event
 * type and format that carries it, with the body a receiver gets (the catalog
 * schema of `data`, wrapped the way the format wraps it; see
 * src/delivery/formats.ts) and the headers it can verify. Receivers generate
 * their types from it the way clients do from `paths`.
 */
import { z } from "@hono/zod-openapi";
import { webhookFormats, type WebhookFormat } from "../delivery/formats";
import { formatsCarryingEventType } from "../events/carriage";
import { eventCatalog, type EventTypeDef } from "../events/catalog";

type Json = Record<string, unknown>;

const TAG_DESCRIPTIONS: Record<WebhookFormat, string> = {
  standard:
    "What a `standard` webhook receives: `{type, timestamp, data}`, signed per Standard Webhooks: `v1` (HMAC-SHA256 with the secret) by default, " +
    "`v1a` (Ed25519) when the webhook has `signature_scheme: ed25519`. Its `public_key` (`whpk_` + base64 of the raw 32-byte Ed25519 public key, " +
    "shown in every webhook answer and on the dashboard) verifies `v1a` signatures alone; no secret is shared (docs/formats.md has a node:crypto snippet).",
  djinn: "What a `djinn` webhook receives: the payload itself, as Djinn CI sends it (`X-Djinn-CI-Signature`).",
  circleci: "What a `circleci` webhook receives: CircleCI's envelope around the payload (`circleci-signature`).",
  puppet: "What a `puppet` webhook receives: the payload itself, as Puppet Pipelines sends it, signed per Standard Webhooks.",
  slack: "What a `slack` webhook receives: a message for a Slack incoming webhook (`text` and `blocks`).",
  discord: "What a `discord` webhook receives: a message for a Discord channel webhook (`content` and one embed).",
};

export const WEBHOOK_TAGS: { name: string; description: string }[] = webhookFormats.map((f) => ({
  name: formatTag(f),
  description: TAG_DESCRIPTIONS[f],
}));

function formatTag(format: WebhookFormat): string {
  return `Sent: ${format}`;
}

const header = (name: string, description: string, required = true, example?: string) => ({
  name,
  in: "header",
  required,
  description,
  schema: example === undefined ? { type: "string" } : { type: "string", example },
});

/** Standard Webhooks headers: every format sends them over the same bytes. */
function standardHeaders(signatureRequired: boolean, ed25519 = false) {
  return [
    header("webhook-id", "The event id: the same on every retry, so a receiver can drop duplicates.", true, "evt_2x7Kq9"),
    header("webhook-timestamp", "Unix seconds when this attempt was signed; refuse old ones to stop replays.", true, "1764633600"),
    header(
      "webhook-signature",
      "Space-separated `v1,<base64 HMAC-SHA256>` over `{webhook-id}.{webhook-timestamp}.{body}`; two entries while a secret rotates." +
        (ed25519
          ? " With `signature_scheme: ed25519`: `v1a,<base64 of the 64-byte Ed25519 signature>` over the same string instead, verified with the webhook's " +
            "`public_key` (`whpk_<base64 of the raw 32-byte key>`); two `v1a` entries while its key pair rotates."
          : ""),
      signatureRequired,
      "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    ),
  ];
}

function formatHeaders(format: WebhookFormat) {
  if (format === "djinn") {
    return [
      ...standardHeaders(false),
      header("x-djinn-ci-event", "The event type."),
      header("x-djinn-ci-hook-id", "The webhook's id as a decimal integer, as Djinn CI sends it (derived from the webhook id, stable)."),
      header("x-djinn-ci-signature", "`sha256=<hex HMAC-SHA256 of the body>`; absent when the webhook has no secret.", false),
    ];
  }
  if (format === "circleci") {
    return [
      ...standardHeaders(true),
      header("circleci-event-type", "The event type."),
      header("circleci-signature", "`v1=<hex HMAC-SHA256 of the body>`.", true),
    ];
  }
  // Chat webhooks have no secret unless one is given: then no webhook-signature.
  return standardHeaders(format !== "slack" && format !== "discord", format === "standard");
}

function bodySchema(format: WebhookFormat, type: string, dataRef: Json): Json {
  if (format === "djinn" || format === "puppet") return dataRef;
  if (format === "slack") {
    return {
      type: "object",
      required: ["text", "blocks"],
      description: "A message a person reads, built from the event (not its data): Block Kit, at most 50 blocks.",
      properties: { text: { type: "string", maxLength: 3000 }, blocks: { type: "array", maxItems: 50, items: { type: "object" } } },
    };
  }
  if (format === "discord") {
    return {
      type: "object",
      required: ["content", "embeds"],
      description: "A message a person reads, built from the event (not its data): one embed.",
      properties: { content: { type: "string", maxLength: 2000 }, embeds: { type: "array", maxItems: 1, items: { type: "object" } } },
    };
  }
  if (format === "circleci") {
    return {
      allOf: [
        dataRef,
        {
          type: "object",
          required: ["type", "id", "happened_at", "webhook"],
          properties: {
            type: { const: type },
            id: { type: "string", format: "uuid", description: "Stable across retries." },
            happened_at: { type: "string", format: "date-time" },
            webhook: { type: "object", required: ["id", "name"], properties: { id: { type: "string", format: "uuid" }, name: { type: "string" } } },
          },
        },
      ],
    };
  }
  return {
    type: "object",
    required: ["type", "timestamp", "data"],
    properties: { type: { const: type }, timestamp: { type: "string", format: "date-time" }, data: dataRef },
  };
}

/** `build.finished` → `BuildFinished`, a name fit for a component and an operationId. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}

/** The JSON Schema of an event's `data`, as GET /v1/event-types shows it (no `$schema` key inside a document). */
function dataSchema(type: EventTypeDef): Json {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(type.schema, { unrepresentable: "any" }) as Json;
  return { description: `\`data\` of \`${type.name}\`: ${type.description}`, ...schema };
}

export type WebhooksSection = { webhooks: Record<string, Json>; schemas: Record<string, Json> };

/** The `webhooks` map and the component schemas it references. */
export function buildWebhooksSection(): WebhooksSection {
  const webhooks: Record<string, Json> = {};
  const schemas: Record<string, Json> = {};
  for (const type of eventCatalog) {
    const component = `${pascal(type.name)}EventData`;
    schemas[component] = dataSchema(type);
    const dataRef = { $ref: `#/components/schemas/${component}` };
    for (const format of formatsCarryingEventType(type.name)) {
      webhooks[`${type.name} (${format})`] = {
        post: {
          operationId: `send${pascal(type.name)}${pascal(format)}`,
          tags: [formatTag(format)],
          summary: `${type.name} to a ${format} webhook`,
          description: `${type.description}${type.operational ? " Emitted by the dispatcher itself; subscribe to it by name." : ""}`,
          security: [],
          parameters: formatHeaders(format),
          requestBody: { required: true, content: { "application/json": { schema: bodySchema(format, type.name, dataRef) } } },
          responses: {
            "200": {
              description:
                "Any 2xx answer within the delivery timeout acknowledges the delivery; anything else is retried on the retry schedule.",
            },
          },
        },
      };
    }
  }
  return { webhooks, schemas };
}
