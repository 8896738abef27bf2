/**
 * Feed and poll cursors (pull/feed.ts): the position is readable JSON, made
 * unforgeable by an HMAC-SHA256 under a key derived from SECRETS_KEY, over the
 * position AND what it is bound to (the namespace, and the webhook for a
 * poll). A cursor we did not issue, edited, or from another webhook or
 * namespace fails the check: 422 invalid_cursor, never a read from a made-up
 * position. Form: `<base64url JSON>.<base64url MAC (16 bytes)>`.
 */
import { ApiError } from "../errors";
import { base64url, fromBase64 } from "../signing/encoding";
import { timingSafeEqual } from "./token-check";

/** Where a reader stands: day g, then (seq, created_at, id) within the day (pull/feed.ts). */
export type FeedPosition = { g: number; s: number; t: number; i: string };

/** Whose cursor it is: the namespace, and the polling webhook ("" for the event feed). */
export type CursorBinding = { namespace: string; webhookId: string };

const keys = new Map<string, Promise<CryptoKey>>();

function macKey(secretsKey: string): Promise<CryptoKey> {
  let k = keys.get(secretsKey);
  if (!k) {
    // A key of its own (not SECRETS_KEY itself): a MAC never doubles as a seal.
    k = crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(`ci-webhooks feed cursor\n${secretsKey}`))
      // Not extractable: the derived key never leaves this module.
      .then((raw) => crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]));
    keys.set(secretsKey, k);
  }
  return k;
}

async function mac(secretsKey: string, payload: string, b: CursorBinding): Promise<string> {
  const signed = new TextEncoder().encode(`${b.namespace}\n${b.webhookId}\n${payload}`);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(secretsKey), signed));
  return base64url(sig.slice(0, 16));
}

export async function sealCursor(secretsKey: string, p: FeedPosition, b: CursorBinding): Promise<string> {
  const payload = base64url(new TextEncoder().encode(JSON.stringify([p.g, p.s, p.t, p.i])));
  return `${payload}.${await mac(secretsKey, payload, b)}`;
}

const invalid = () => new ApiError("invalid_cursor", "The cursor is not one this feed issued.", [{ path: "cursor", message: "not a cursor of this feed" }]);

export async function openCursor(secretsKey: string, cursor: string, b: CursorBinding): Promise<FeedPosition> {
  const [payload, tag, extra] = cursor.split(".");
  if (!payload || !tag || extra !== undefined) throw invalid();
  if (!(await timingSafeEqual(tag, await mac(secretsKey, payload, b)))) throw invalid();
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(fromBase64(payload.replace(/-/g, "+").replace(/_/g, "/"))));
    if (Array.isArray(v) && v.length === 4 && Number.isInteger(v[0]) && Number.isInteger(v[1]) && Number.isInteger(v[2]) && typeof v[3] === "string") {
      return { g: v[0] as number, s: v[1] as number, t: v[2] as number, i: v[3] as string };
    }
  } catch {
    // a MAC that checks over garbage: only with the key, still refused below
  }
  throw invalid();
}
