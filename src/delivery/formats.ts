/**
 * The wire formats (docs/formats.md): what a receiver gets
 * for an event. `djinn` and `puppet` send the payload itself as the body,
 * `circleci` wraps it in CircleCI's envelope, `standard` in Standard
 * Webhooks'. Every format also carries the Standard Webhooks headers over the
 * same bytes, so any receiver can add replay protection.
 */
import { ed25519Signature } from "../signing/ed25519";
import { hexBodySignature, standardSignature } from "../signing/signer";
import { chatBody, isChatFormat } from "./chat/chat-format";
import { circleEventId, circleWebhookId } from "./circleci-ids";
import { djinnHookId } from "./djinn-hook-id";

export const webhookFormats = ["standard", "djinn", "circleci", "puppet", "slack", "discord"] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

export const USER_AGENT = "ci-webhooks/1.0";
/** CircleCI's own, with a hyphen; some receivers match it exactly. */
export const CIRCLECI_USER_AGENT = "CircleCI-Webhook/1.0";
/**
 * Marks a test delivery (a test ping or "send example") in the payload-as-body
 * formats, whose receivers have no test event of their own; they ignore
 * headers they do not know.
 */
export const TEST_HEADER = "x-ci-webhooks-test";

export type OutgoingEvent = {
  id: string;
  namespace: string;
  type: string;
  data: string;
  createdAt: number;
  /** Sent by a test ping or "send example", not by a publisher. */
  test?: boolean;
};

export const signatureSchemes = ["hmac-sha256", "ed25519"] as const;
export type SignatureScheme = (typeof signatureSchemes)[number];

export type SigningSecrets = {
  current: string | null;
  /** The secret being rotated out, while its grace period lasts. */
  previous: string | null;
  /** `ed25519` (a `standard` webhook only): both secrets are `whsk_` private keys, signing `v1a`. */
  scheme?: SignatureScheme;
};

export type WebhookIdentity = { id: string; name: string };

export type OutgoingRequest = { headers: Record<string, string>; body: string };

function standardBody(event: OutgoingEvent): string {
  // `data` is spliced in as stored, so its bytes are exactly what was accepted.
  return `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(new Date(event.createdAt).toISOString())},"data":${event.data}}`;
}

async function circleciBody(event: OutgoingEvent, webhook: WebhookIdentity): Promise<string> {
  const data = JSON.parse(event.data) as unknown;
  const rest = data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  // The envelope keys win over keys of the same name in data (docs/formats.md).
  const { type: _t, id: _i, happened_at: _h, webhook: _w, ...entities } = rest;
  return JSON.stringify({
    type: event.type,
    id: await circleEventId(event.namespace, event.id),
    happened_at: new Date(event.createdAt).toISOString(),
    webhook: { id: await circleWebhookId(webhook.id), name: webhook.name },
    ...entities,
  });
}

/** The bytes a webhook of this format gets for the event (also what the delivery page shows). */
export async function requestBody(format: WebhookFormat, event: OutgoingEvent, webhook: WebhookIdentity): Promise<string> {
  if (isChatFormat(format)) return chatBody(format, event);
  if (format === "djinn" || format === "puppet") return event.data;
  return format === "circleci" ? circleciBody(event, webhook) : standardBody(event);
}

export async function buildRequest(
  format: WebhookFormat,
  event: OutgoingEvent,
  webhook: WebhookIdentity,
  secrets: SigningSecrets,
  timestampSeconds: number,
): Promise<OutgoingRequest> {
  const body = await requestBody(format, event, webhook);
  const headers: Record<string, string> = {
    "webhook-id": event.id,
    "webhook-timestamp": String(timestampSeconds),
  };
  // standard and puppet receivers check every webhook-signature entry, so a
  // rotation sends both. djinn and circleci receivers take one signature:
  // keep the old secret until the grace period ends, so no receiver breaks
  // before it has the new one.
  const oneSigner = format === "djinn" || format === "circleci";
  const signers = (oneSigner ? [secrets.previous ?? secrets.current] : [secrets.current, secrets.previous]).filter(
    (s): s is string => s !== null,
  );
  if (signers.length) {
    const sign = secrets.scheme === "ed25519" && format === "standard" ? ed25519Signature : standardSignature;
    headers["webhook-signature"] = (await Promise.all(signers.map((s) => sign(s, event.id, timestampSeconds, body)))).join(" ");
  }
  if (event.test && (format === "djinn" || format === "puppet")) headers[TEST_HEADER] = "true";

  if (format === "djinn") {
    Object.assign(headers, {
      "content-type": "application/json; charset=utf-8",
      accept: "*/*",
      "user-agent": "Djinn-CI-Hook",
      "x-djinn-ci-event": event.type,
      "x-djinn-ci-hook-id": await djinnHookId(webhook.id),
    });
    if (signers.length) headers["x-djinn-ci-signature"] = `sha256=${await hexBodySignature(signers[0], body)}`;
  } else if (format === "circleci") {
    Object.assign(headers, {
      "content-type": "application/json",
      "user-agent": CIRCLECI_USER_AGENT,
      "circleci-event-type": event.type,
      "circleci-signature": `v1=${await hexBodySignature(signers[0], body)}`,
    });
  } else {
    // standard, and puppet (Puppet Pipelines names no headers of its own).
    Object.assign(headers, { "content-type": "application/json", "user-agent": USER_AGENT });
  }
  return { headers, body };
}
