/**
 * The three wire formats (docs/formats.md): what a receiver
 * gets for an event. Every format also carries the Standard Webhooks headers
 * over the same bytes, so any receiver can add replay protection.
 */
import { hexBodySignature, standardSignature } from "../signing/signer";

export const webhookFormats = ["standard", "djinn", "circleci"] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

export const USER_AGENT = "ci-webhooks/1.0";

export type OutgoingEvent = { id: string; type: string; data: string; createdAt: number };

export type SigningSecrets = {
  current: string | null;
  /** The secret being rotated out, while its grace period lasts. */
  previous: string | null;
};

export type WebhookIdentity = { id: string; name: string };

export type OutgoingRequest = { headers: Record<string, string>; body: string };

function standardBody(event: OutgoingEvent): string {
  // `data` is spliced in as stored, so its bytes are exactly what was accepted.
  return `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(new Date(event.createdAt).toISOString())},"data":${event.data}}`;
}

function circleciBody(event: OutgoingEvent, webhook: WebhookIdentity): string {
  const data = JSON.parse(event.data) as unknown;
  const rest = data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  // The envelope keys win over keys of the same name in data (docs/formats.md).
  const { type: _t, id: _i, happened_at: _h, webhook: _w, ...entities } = rest;
  return JSON.stringify({
    type: event.type,
    id: event.id,
    happened_at: new Date(event.createdAt).toISOString(),
    webhook: { id: webhook.id, name: webhook.name },
    ...entities,
  });
}

export async function buildRequest(
  format: WebhookFormat,
  event: OutgoingEvent,
  webhook: WebhookIdentity,
  secrets: SigningSecrets,
  timestampSeconds: number,
): Promise<OutgoingRequest> {
  const body = format === "djinn" ? event.data : format === "circleci" ? circleciBody(event, webhook) : standardBody(event);
  const active = [secrets.current, secrets.previous].filter((s): s is string => s !== null);
  const headers: Record<string, string> = {
    "webhook-id": event.id,
    "webhook-timestamp": String(timestampSeconds),
  };

  if (format === "djinn") {
    // One signature only: during a rotation keep the old secret until the grace
    // period ends, so no receiver breaks before it has the new one.
    const signer = secrets.previous ?? secrets.current;
    Object.assign(headers, {
      "content-type": "application/json; charset=utf-8",
      accept: "*/*",
      "user-agent": "Djinn-CI-Hook",
      "x-djinn-ci-event": event.type,
      "x-djinn-ci-hook-id": webhook.id,
    });
    if (signer) {
      headers["x-djinn-ci-signature"] = `sha256=${await hexBodySignature(signer, body)}`;
      headers["webhook-signature"] = await standardSignature(signer, event.id, timestampSeconds, body);
    }
    return { headers, body };
  }

  headers["webhook-signature"] = (
    await Promise.all(active.map((s) => standardSignature(s, event.id, timestampSeconds, body)))
  ).join(" ");
  if (format === "circleci") {
    const v1 = await Promise.all(active.map(async (s) => `v1=${await hexBodySignature(s, body)}`));
    Object.assign(headers, {
      "content-type": "application/json",
      "user-agent": "CircleCI/Webhook/1.0",
      "circleci-event-type": event.type,
      "circleci-signature": v1.join(","),
    });
  } else {
    Object.assign(headers, { "content-type": "application/json", "user-agent": USER_AGENT });
  }
  return { headers, body };
}
