/**
 * CircleCI's body carries `id` and `webhook.id` as UUIDs, and typed receivers
 * reject anything else (docs/formats.md, "CircleCI: ids, User-Agent,
 * signature during a rotation"). Ours are derived, never stored: a name-based UUID (RFC 4122
 * version 5, SHA-1) is the same on every retry and every Worker.
 */
import { toHex } from "../signing/encoding";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Namespaces of our derived names, chosen once at random; changing them would change every id. */
const EVENT_IDS = "848f790e-8478-4f43-bd65-ac4690056799";
const WEBHOOK_IDS = "cf5f9716-5851-47e2-86dc-f1d77ddb585b";

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/** RFC 4122 section 4.3: SHA-1 over namespace bytes + name, version 5, variant 10. */
export async function nameBasedUuid(namespace: string, name: string): Promise<string> {
  const ns = namespace.replace(/-/g, "");
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  for (let i = 0; i < 16; i++) input[i] = parseInt(ns.slice(i * 2, i * 2 + 2), 16);
  input.set(nameBytes, 16);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-1", input)).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = toHex(hash);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The body's `id`: the publisher's event id when it already is a UUID, else derived from (namespace, event id). */
export async function circleEventId(namespace: string, eventId: string): Promise<string> {
  if (isUuid(eventId)) return eventId;
  // JSON keeps the pair unambiguous (no separator a name could contain).
  return nameBasedUuid(EVENT_IDS, JSON.stringify([namespace, eventId]));
}

/** The body's `webhook.id`: webhook ids are unique across namespaces, so the id alone names it. */
export function circleWebhookId(webhookId: string): Promise<string> {
  return nameBasedUuid(WEBHOOK_IDS, webhookId);
}
