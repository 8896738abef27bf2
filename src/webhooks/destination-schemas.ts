/**
 * A webhook's destination (docs/destinations.md): where its deliveries go.
 * `http` (the default) posts to the webhook's `url`; the others put the same
 * message on a queue or bus. These schemas are the source of truth for the
 * API's bodies and answers; credentials are write-only (the answers show
 * hints), every other field shows.
 */
import { z } from "@hono/zod-openapi";

export const destinationTypes = ["http", "cloudflare_queue", "sqs", "eventbridge", "pubsub"] as const;
export type DestinationType = (typeof destinationTypes)[number];

/** The write-only fields of each type: sealed at rest, answered only as `<field>_hint`. */
export const CREDENTIAL_FIELDS = {
  http: [],
  cloudflare_queue: ["api_token"],
  sqs: ["access_key_id", "secret_access_key"],
  eventbridge: ["access_key_id", "secret_access_key"],
  pubsub: ["service_account_json"],
} as const satisfies Record<DestinationType, readonly string[]>;

const hex32 = (what: string, example: string) =>
  z.string().regex(/^[0-9a-f]{32}$/, `a Cloudflare ${what} is 32 lowercase hex characters`).openapi({ example });
/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1. */
const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, "an AWS region such as us-east-1")
  .openapi({ example: "eu-west-1" });
const endpoint = z
  .string()
  .max(2048)
  .optional()
  .openapi({
    description:
      "Overrides the service's URL (a compatible service, or a test stand-in); it must pass the same URL checks as a webhook URL. For pubsub it serves both the token exchange (/token) and the publish call.",
    example: "https://queue-proxy.example.com",
  });
const accessKeyId = z
  .string()
  .regex(/^[A-Z0-9]{16,128}$/, "an AWS access key id is 16 to 128 upper-case letters and digits")
  .openapi({ description: "Write-only; answered as access_key_id_hint.", example: "AKIAIOSFODNN7EXAMPLE" });
const secretAccessKey = z
  .string()
  .regex(/^[A-Za-z0-9/+=]{16,128}$/, "an AWS secret access key is 16 to 128 characters of A-Z, a-z, 0-9, /, + and =")
  .openapi({ description: "Write-only; answered as secret_access_key_hint.", example: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" });
const apiToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{20,200}$/, "a Cloudflare API token is 20 to 200 letters, digits, - or _")
  .openapi({ description: "A token with Queues Edit on the account. Write-only; answered as api_token_hint.", example: "Jx8TqE3yNvLr6WbUf2HdKs9PmZc4AaGo7BiYeQ1t" });
const serviceAccountJson = z
  .string()
  .min(2)
  .max(16384)
  .openapi({
    description: "The service account's JSON key file, as Google gives it (type service_account, client_email, private_key). Write-only.",
    example: '{"type":"service_account","client_email":"ci-events@my-project.iam.gserviceaccount.com","private_key_id":"…","private_key":"-----BEGIN PRIVATE KEY-----\\n…"}',
  });

const queueUrl = z
  .string()
  .max(2048)
  .openapi({ description: "The queue's URL, as SQS shows it.", example: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events" });
const eventBusName = z
  .string()
  .regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, "an event bus name or ARN")
  .openapi({ example: "ci-events" });
const source = z
  .string()
  .regex(/^(?!aws\.)[A-Za-z0-9._-]{1,256}$/, "1 to 256 letters, digits, ., - or _, not starting with aws.")
  .openapi({ description: "The events' Source field.", example: "com.example.ci" });
const topic = z
  .string()
  .regex(/^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/, "projects/<project>/topics/<topic>")
  .openapi({ example: "projects/my-project/topics/ci-events" });

/** The input schemas; on update a credential may be omitted to keep the stored one (same type only). */
function inputs(keepCredentials: boolean) {
  const cred = <T extends z.ZodString>(s: T) => (keepCredentials ? s.optional() : s);
  return [
    z.strictObject({ type: z.literal("http") }),
    z.strictObject({
      type: z.literal("cloudflare_queue"),
      account_id: hex32("account id", "023e105f4ecef8ad9ca31a8372d0c353"),
      queue_id: hex32("queue id", "5c1f9e8e3a2b4d7f9c0e1a2b3c4d5e6f"),
      api_token: cred(apiToken),
      endpoint,
    }),
    z.strictObject({
      type: z.literal("sqs"),
      queue_url: queueUrl,
      region,
      access_key_id: cred(accessKeyId),
      secret_access_key: cred(secretAccessKey),
      endpoint,
    }),
    z.strictObject({
      type: z.literal("eventbridge"),
      region,
      event_bus_name: eventBusName,
      source,
      access_key_id: cred(accessKeyId),
      secret_access_key: cred(secretAccessKey),
      endpoint,
    }),
    z.strictObject({ type: z.literal("pubsub"), topic, service_account_json: cred(serviceAccountJson), endpoint }),
  ] as const;
}

export const DestinationInput = z
  .discriminatedUnion("type", inputs(false))
  .openapi("DestinationInput", {
    description: "Where deliveries go. Default `{ \"type\": \"http\" }` (the webhook's `url`). Other types take no `url`.",
    example: { type: "sqs", queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events", region: "eu-west-1", access_key_id: "AKIAIOSFODNN7EXAMPLE", secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });

export const DestinationUpdate = z
  .discriminatedUnion("type", inputs(true))
  .openapi("DestinationUpdate", {
    description: "Replaces the destination. With the same type, an omitted credential keeps the stored one; a new type needs all of its credentials.",
    example: { type: "sqs", queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events-2", region: "eu-west-1" },
  });

const hint = (field: string) => z.string().openapi({ description: `The last 4 characters of ${field}.`, example: "MPLE" });
const shownEndpoint = z.string().nullable().openapi({ description: "The service URL override; null for the service's own.", example: null });

export const DestinationView = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("http") }),
    z.object({
      type: z.literal("cloudflare_queue"),
      account_id: z.string(),
      queue_id: z.string(),
      endpoint: shownEndpoint,
      api_token_hint: hint("api_token"),
    }),
    z.object({
      type: z.literal("sqs"),
      queue_url: z.string(),
      region: z.string(),
      endpoint: shownEndpoint,
      access_key_id_hint: hint("access_key_id"),
      secret_access_key_hint: hint("secret_access_key"),
    }),
    z.object({
      type: z.literal("eventbridge"),
      region: z.string(),
      event_bus_name: z.string(),
      source: z.string(),
      endpoint: shownEndpoint,
      access_key_id_hint: hint("access_key_id"),
      secret_access_key_hint: hint("secret_access_key"),
    }),
    z.object({
      type: z.literal("pubsub"),
      topic: z.string(),
      endpoint: shownEndpoint,
      client_email: z.string().openapi({ description: "The service account the key belongs to.", example: "ci-events@my-project.iam.gserviceaccount.com" }),
      service_account_json_hint: hint("the key's private_key_id"),
    }),
  ])
  .openapi("Destination", {
    description: "Where deliveries go; credentials appear only as hints.",
    example: { type: "sqs", queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events", region: "eu-west-1", endpoint: null, access_key_id_hint: "MPLE", secret_access_key_hint: "EKEY" },
  });

export type DestinationInputValue = z.infer<typeof DestinationInput>;
export type DestinationUpdateValue = z.infer<typeof DestinationUpdate>;
export type DestinationViewValue = z.infer<typeof DestinationView>;
/** A stored (non-HTTP) destination: its view. */
export type QueueDestination = Exclude<DestinationViewValue, { type: "http" }>;
