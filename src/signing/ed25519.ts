/**
 * Standard Webhooks' asymmetric scheme (spec, "Signature scheme", `v1a`):
 * `v1a,<base64 Ed25519 signature>` over `${id}.${timestamp}.${body}`, through
 * Workers' WebCrypto (algorithm `Ed25519`). Receivers verify with the public
 * key alone (docs/formats.md).
 *
 * Key encodings, as the spec and Svix write them:
 * - `whpk_` + base64 of the raw 32-byte public key (shown to owners);
 * - `whsk_` + base64 of the 64-byte secret key, seed then public key
 *   (libsodium's layout). It is sealed at rest like a secret (secret-box.ts)
 *   and never shown.
 */
import { base64url, fromBase64, toBase64 } from "./encoding";

export const PUBLIC_KEY_PREFIX = "whpk_";
export const SECRET_KEY_PREFIX = "whsk_";

export type Ed25519KeyPair = { secretKey: string; publicKey: string };

function fromBase64url(s: string): Uint8Array {
  return fromBase64(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
}

/** A fresh key pair, encoded (`whsk_`, `whpk_`). */
export async function generateEd25519KeyPair(): Promise<Ed25519KeyPair> {
  // Extractable only here, and only so the private half can be sealed and
  // stored: this CryptoKey is dropped at once. Signing imports it again, non-extractable.
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  if (!jwk.d || !jwk.x) throw new Error("Ed25519 JWK without d or x");
  const seed = fromBase64url(jwk.d);
  const pub = fromBase64url(jwk.x);
  const secret = new Uint8Array(64);
  secret.set(seed, 0);
  secret.set(pub, 32);
  return { secretKey: `${SECRET_KEY_PREFIX}${toBase64(secret)}`, publicKey: `${PUBLIC_KEY_PREFIX}${toBase64(pub)}` };
}

const keys = new Map<string, Promise<CryptoKey>>();

function signingKey(secretKey: string): Promise<CryptoKey> {
  let k = keys.get(secretKey);
  if (!k) {
    if (!secretKey.startsWith(SECRET_KEY_PREFIX)) throw new Error("not an Ed25519 secret key");
    const raw = fromBase64(secretKey.slice(SECRET_KEY_PREFIX.length));
    if (raw.length !== 64) throw new Error("an Ed25519 secret key is 64 bytes");
    const jwk: JsonWebKey = { kty: "OKP", crv: "Ed25519", d: base64url(raw.subarray(0, 32)), x: base64url(raw.subarray(32)) };
    // Not extractable: once imported, the private key cannot be read back out
    // of the isolate's key cache, even by code that gets hold of the CryptoKey.
    k = crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
    // Cached per isolate (a webhook signs many deliveries), bounded like the HMAC keys.
    if (keys.size > 1000) keys.clear();
    keys.set(secretKey, k);
  }
  return k;
}

/** `v1a,<base64 signature>` of one delivery. */
export async function ed25519Signature(secretKey: string, id: string, timestamp: number, body: string): Promise<string> {
  const content = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, await signingKey(secretKey), content));
  return `v1a,${toBase64(sig)}`;
}
