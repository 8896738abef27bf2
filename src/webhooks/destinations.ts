/**
 * A webhook's destination on create and update: checked (endpoint through the
 * SSRF guard, region against the queue URL, the service account's key
 * importable), credentials sealed bound to the webhook
 * (destination_sealed), the rest stored as the view with credential hints.
 * A non-HTTP webhook's `url` is the URL its sender posts to (derived).
 */
import type { StoredDestination } from "../db/schema";
import { publishUrl } from "../delivery/destinations/targets";
import { parseServiceAccount, signingKey } from "../delivery/destinations/service-account";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { checkTargetUrl, type GuardOptions } from "../security/ssrf-guard";
import { openCredentials, sealCredentials } from "../delivery/destinations/credentials";
import {
  CREDENTIAL_FIELDS,
  type DestinationUpdateValue,
  type DestinationViewValue,
  type QueueDestination,
} from "./destination-schemas";

export type PreparedDestination = { url: string; destination: StoredDestination; destinationSealed: string };

type Stored = { destination: StoredDestination | null; destinationSealed: string | null };

const invalid = (field: string, message: string) =>
  new ApiError("validation_failed", `The destination's ${field} ${message}.`, [{ path: `destination.${field}`, message }]);

export function destinationView(destination: StoredDestination | null): DestinationViewValue {
  return (destination ?? { type: "http" }) as DestinationViewValue;
}

const hintOf = (value: string) => value.slice(-4);

/**
 * Checks and seals a non-HTTP destination for the webhook `webhookId`.
 * `stored`: the webhook's current destination, whose credentials an update of
 * the same type keeps where the input omits them.
 */
export async function prepareDestination(
  env: AppEnv,
  guard: GuardOptions,
  webhookId: string,
  input: Exclude<DestinationUpdateValue, { type: "http" }>,
  stored: Stored | null,
): Promise<PreparedDestination> {
  const { type } = input;
  const given = input as Record<string, unknown>;
  const kept = stored?.destination?.type === type && stored.destinationSealed ? await openCredentials(env, webhookId, stored.destinationSealed) : {};
  const credentials: Record<string, string> = {};
  for (const field of CREDENTIAL_FIELDS[type]) {
    const value = typeof given[field] === "string" ? (given[field] as string) : kept[field];
    if (value === undefined) throw invalid(field, "is required");
    credentials[field] = value;
  }
  const endpoint = input.endpoint === undefined ? null : checkEndpoint(input.endpoint, guard);
  let view: QueueDestination;
  switch (input.type) {
    case "cloudflare_queue":
      view = { type: "cloudflare_queue", account_id: input.account_id, queue_id: input.queue_id, endpoint, api_token_hint: hintOf(credentials.api_token) };
      break;
    case "sqs":
      checkQueueUrl(input.queue_url, input.region, endpoint !== null);
      view = { type: "sqs", queue_url: input.queue_url, region: input.region, endpoint, ...awsHints(credentials) };
      break;
    case "eventbridge":
      view = { type: "eventbridge", region: input.region, event_bus_name: input.event_bus_name, source: input.source, endpoint, ...awsHints(credentials) };
      break;
    case "pubsub": {
      const parsed = parseServiceAccount(credentials.service_account_json);
      if (!parsed.ok) throw invalid("service_account_json", parsed.problem);
      try {
        await signingKey(parsed.account);
      } catch {
        throw invalid("service_account_json", "has a private_key that is not an RSA private key");
      }
      view = { type: "pubsub", topic: input.topic, endpoint, client_email: parsed.account.clientEmail, service_account_json_hint: hintOf(parsed.account.privateKeyId) };
      break;
    }
  }
  const url = publishUrl(view);
  const verdict = checkTargetUrl(url, guard);
  if (!verdict.ok) throw new ApiError("url_not_allowed", `The destination's service URL ${verdict.reason}.`, [{ path: "destination", message: verdict.reason }]);
  return {
    url,
    destination: view,
    destinationSealed: await sealCredentials(env.SECRETS_KEY, webhookId, credentials),
  };
}

function awsHints(c: Record<string, string>) {
  return { access_key_id_hint: hintOf(c.access_key_id), secret_access_key_hint: hintOf(c.secret_access_key) };
}

/** The endpoint as a base URL (no query, fragment or trailing slash), through the SSRF guard. */
function checkEndpoint(endpoint: string, guard: GuardOptions): string {
  const verdict = checkTargetUrl(endpoint, guard);
  if (!verdict.ok) throw new ApiError("url_not_allowed", `The destination's endpoint ${verdict.reason}.`, [{ path: "destination.endpoint", message: verdict.reason }]);
  const u = verdict.url;
  if (u.search || u.hash || u.username || u.password) throw invalid("endpoint", "must be a base URL without query, fragment or user info");
  return u.toString().replace(/\/+$/, "");
}

/**
 * An SQS queue URL: https://sqs.<region>.amazonaws.com/<12-digit account>/<queue>
 * (the legacy <region>.queue.amazonaws.com host too). Behind an endpoint
 * (a compatible service) only the path's form is checked.
 */
function checkQueueUrl(queueUrl: string, region: string, hasEndpoint: boolean): void {
  let u: URL;
  try {
    u = new URL(queueUrl);
  } catch {
    throw invalid("queue_url", "is not a URL");
  }
  if (!/^\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(u.pathname)) throw invalid("queue_url", "must end in /<12-digit account id>/<queue name>");
  if (hasEndpoint) return;
  if (u.protocol !== "https:" || (u.host !== `sqs.${region}.amazonaws.com` && u.host !== `${region}.queue.amazonaws.com`)) {
    throw invalid("queue_url", `must be https://sqs.${region}.amazonaws.com/... (the queue's region is ${region})`);
  }
}
