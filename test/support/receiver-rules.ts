/**
 * Real receivers' parsing rules, restated (not copied) from their sources
 * (test/fixtures/real/SOURCES.md), so tests can judge deliveries the way
 * those receivers would. Pure functions over WebCrypto and standardwebhooks:
 * they run in Node (the loopback receiver's /rules/<set>/<key> paths) and in
 * workerd (unit tests of the rules themselves).
 *
 * A rule answers null when it accepts the request, else the reason it
 * refuses (the receiver answers 400 with it).
 */
import { Webhook } from "standardwebhooks";

export type Incoming = { headers: Record<string, string>; body: string };
export type Rule = (req: Incoming, secret: string) => Promise<string | null>;

/** Djinn CI's event names (djinn-ci/djinn event/event.go). */
export const DJINN_EVENT_NAMES = [
  "build.submitted",
  "build.started",
  "build.finished",
  "build.tagged",
  "build.pinned",
  "build.unpinned",
  "invite.sent",
  "invite.accepted",
  "invite.rejected",
  "namespaces",
  "cron",
  "images",
  "objects",
  "variables",
  "ssh_keys",
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function hmacHex(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Same-length strings compared without an early exit (what hmac.compare_digest / hmac.Equal do). */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Djinn CI's integration-test receiver: an event name outside Djinn's list is
 * 400; so is a missing signature; the signature is the hex after the
 * 7-character `sha256=` prefix, an HMAC-SHA256 of the raw body.
 */
export const djinnIntegrationReceiver: Rule = async (req, secret) => {
  const event = req.headers["x-djinn-ci-event"] ?? "";
  if (!DJINN_EVENT_NAMES.includes(event)) return `unknown webhook event ${event}`;
  const sig = req.headers["x-djinn-ci-signature"];
  if (!sig) return "expected X-Djinn-CI-Signature in webhook request";
  if (!sig.startsWith("sha256=") || !constantTimeEqual(sig.slice(7).toLowerCase(), await hmacHex(secret, req.body))) {
    return "invalid request signature for webhook request";
  }
  return null;
};

/** A typed Djinn CI receiver: the hook id parses as a positive int64, as Djinn's sender formats it. */
export const typedDjinnReceiver: Rule = async (req) => {
  const id = req.headers["x-djinn-ci-hook-id"] ?? "";
  return /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) <= 2n ** 63n - 1n ? null : `X-Djinn-CI-Hook-ID ${id} is not an int64`;
};

/**
 * CircleCI's documented Python check: the header's comma-separated pairs,
 * each split on `=`, become a map (a later `v1` overwrites an earlier one);
 * its `v1` is compared in constant time with the hex HMAC of the body.
 */
export const circleciDocumentedCheck: Rule = async (req, secret) => {
  const header = req.headers["circleci-signature"];
  if (header === undefined) return "no circleci-signature header";
  const pairs = new Map<string, string>();
  for (const pair of header.split(",")) {
    const parts = pair.split("=");
    if (parts.length !== 2) return `malformed pair "${pair}"`;
    pairs.set(parts[0], parts[1]);
  }
  const v1 = pairs.get("v1");
  if (v1 === undefined) return "no v1 signature";
  return constantTimeEqual(await hmacHex(secret, req.body), v1) ? null : "v1 signature does not match (last v1 wins)";
};

/** A strict parser: well-formed `name=value` entries only; the FIRST `v1` is the one checked. */
export const firstV1StrictCheck: Rule = async (req, secret) => {
  const header = req.headers["circleci-signature"] ?? "";
  if (!/^v\d+=[^,=\s]+(,v\d+=[^,=\s]+)*$/.test(header)) return "malformed circleci-signature";
  const first = header.split(",").find((e) => e.startsWith("v1="));
  if (!first || !/^v1=[0-9a-f]{64}$/.test(first)) return "no well-formed v1 signature";
  return constantTimeEqual(first.slice(3), await hmacHex(secret, req.body)) ? null : "v1 signature does not match (first v1 wins)";
};

/** A typed receiver: CircleCI's exact User-Agent, and the ids deserialise as UUIDs. */
export const typedCircleReceiver: Rule = async (req) => {
  if (req.headers["user-agent"] !== "CircleCI-Webhook/1.0") return `unexpected user-agent ${req.headers["user-agent"]}`;
  if (req.headers["content-type"] !== "application/json") return "not application/json";
  let body: { type?: unknown; id?: unknown; happened_at?: unknown; webhook?: { id?: unknown; name?: unknown } };
  try {
    body = JSON.parse(req.body);
  } catch {
    return "body is not JSON";
  }
  if (!["workflow-completed", "job-completed", "ping"].includes(String(body.type))) return `unknown type ${String(body.type)}`;
  if (body.type !== req.headers["circleci-event-type"]) return "circleci-event-type differs from the body's type";
  if (typeof body.id !== "string" || !UUID.test(body.id)) return `id is not a UUID: ${String(body.id)}`;
  if (typeof body.webhook?.id !== "string" || !UUID.test(body.webhook.id)) return `webhook.id is not a UUID: ${String(body.webhook?.id)}`;
  if (typeof body.happened_at !== "string" || Number.isNaN(Date.parse(body.happened_at))) return "happened_at is not a time";
  return null;
};

/** Standard Webhooks' own verifier; a secret that is not `whsec_` is keyed by its UTF-8 bytes. */
export const standardWebhooksReceiver: Rule = async (req, secret) => {
  const key = secret.startsWith("whsec_") ? secret : `whsec_${btoa(String.fromCharCode(...new TextEncoder().encode(secret)))}`;
  try {
    new Webhook(key).verify(req.body, req.headers);
    return null;
  } catch (err) {
    return `standard webhooks verification failed: ${String(err)}`;
  }
};

/** A Puppet Pipelines receiver: reads `app_name`, `status`, ... at the top level of a JSON body; checks Standard Webhooks headers. */
export const puppetReceiver: Rule = async (req, secret) => {
  if (req.headers["content-type"] !== "application/json") return "not application/json";
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return "body is not JSON";
  }
  if (typeof body !== "object" || body === null || typeof (body as { app_name?: unknown }).app_name !== "string") return "no app_name at the top level";
  return standardWebhooksReceiver(req, secret);
};

/** The receivers a format's deliveries must all satisfy. */
export const RULE_SETS: Record<string, Rule[]> = {
  djinn: [djinnIntegrationReceiver, typedDjinnReceiver, standardWebhooksReceiver],
  circleci: [circleciDocumentedCheck, firstV1StrictCheck, typedCircleReceiver, standardWebhooksReceiver],
  puppet: [puppetReceiver],
  standard: [standardWebhooksReceiver],
};

/** Every refusal of the set's receivers (empty: all accept). */
export async function judge(set: string, req: Incoming, secret: string): Promise<string[]> {
  const rules = RULE_SETS[set];
  if (!rules) return [`no rule set ${set}`];
  return (await Promise.all(rules.map((r) => r(req, secret)))).filter((v): v is string => v !== null);
}
