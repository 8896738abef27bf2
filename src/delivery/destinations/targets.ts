/**
 * The URLs a destination's sender calls: the service's own, or under the
 * destination's `endpoint` (a compatible service, a test stand-in). The
 * publish URL is also the webhook's `url` (what the SSRF guard checks before
 * every send and the attempt log shows).
 */
import type { QueueDestination } from "../../webhooks/destination-schemas";

const trim = (base: string) => base.replace(/\/+$/, "");

/** Where the message is sent. */
export function publishUrl(d: QueueDestination): string {
  const base = d.endpoint ? trim(d.endpoint) : null;
  switch (d.type) {
    case "cloudflare_queue":
      // Cloudflare's API, "Publish to a Queue via HTTP".
      return `${base ?? "https://api.cloudflare.com"}/client/v4/accounts/${d.account_id}/queues/${d.queue_id}/messages`;
    case "sqs":
      // The AWS JSON protocol posts to the service's root; the queue is named in the body.
      return `${base ?? `https://sqs.${d.region}.amazonaws.com`}/`;
    case "eventbridge":
      return `${base ?? `https://events.${d.region}.amazonaws.com`}/`;
    case "pubsub":
      return `${base ?? "https://pubsub.googleapis.com"}/v1/${d.topic}:publish`;
  }
}

/** Google's OAuth token endpoint (the key file's token_uri is not followed: it would be a URL nobody checked). */
export function tokenUrl(d: Extract<QueueDestination, { type: "pubsub" }>): string {
  return d.endpoint ? `${trim(d.endpoint)}/token` : "https://oauth2.googleapis.com/token";
}
