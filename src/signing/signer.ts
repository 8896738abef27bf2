/**
 * Where signatures are made. HMAC-SHA256 through WebCrypto.
 *
 * - Standard Webhooks v1: `v1,<base64 HMAC(key, "${id}.${timestamp}.${body}")>`,
 *   key = the base64-decoded part after `whsec_` (spec, "Signature scheme").
 *   A secret without the prefix signs with its UTF-8 bytes (our djinn/circleci
 *   webhooks may carry such secrets).
 * - Djinn CI / GitHub style: `sha256=<hex HMAC(secret utf-8, body)>`.
 * - CircleCI: `v1=<hex HMAC(secret utf-8, body)>`.
 */
import { fromBase64, toBase64, toHex } from "./encoding";

const encoder = new TextEncoder();
const utf8 = (s: string) => new Uint8Array(encoder.encode(s));
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(raw: Uint8Array<ArrayBuffer>, cacheKey: string): Promise<CryptoKey> {
  let k = keys.get(cacheKey);
  if (!k) {
    // Not extractable; cached per isolate because a webhook signs many deliveries.
    k = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (keys.size > 1000) keys.clear();
    keys.set(cacheKey, k);
  }
  return k;
}

async function hmac(raw: Uint8Array<ArrayBuffer>, cacheKey: string, content: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(raw, cacheKey), encoder.encode(content)));
}

/** The key bytes Standard Webhooks signs with. */
export function standardKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
  return secret.startsWith("whsec_") ? fromBase64(secret.slice(6)) : utf8(secret);
}

export async function standardSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const mac = await hmac(standardKeyBytes(secret), `std:${secret}`, `${id}.${timestamp}.${body}`);
  return `v1,${toBase64(mac)}`;
}

/** hex HMAC over the body with the secret's UTF-8 bytes (djinn `sha256=`, circleci `v1=`). */
export async function hexBodySignature(secret: string, body: string): Promise<string> {
  return toHex(await hmac(utf8(secret), `utf8:${secret}`, body));
}
