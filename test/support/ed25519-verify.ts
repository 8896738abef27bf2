/**
 * A receiver's check of Standard Webhooks `v1a` (Ed25519) signatures with
 * `node:crypto` alone and the webhook's public key (`whpk_...`): the snippet
 * docs/formats.md shows, run by the loopback receiver's /ed25519/<key> path
 * (Node). No npm package verifies `v1a` today (standardwebhooks 1.3.0 and
 * svix 2.5.0 check `v1` HMAC entries only), so this is the only verifier.
 */
import { createPublicKey, verify } from "node:crypto";

export function verifyV1a(publicKey: string, headers: Record<string, string>, body: string, toleranceSeconds = 300): boolean {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signature = headers["webhook-signature"];
  if (!id || !timestamp || !signature || !publicKey.startsWith("whpk_")) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false; // replay window
  // The raw 32-byte key as a JWK (OKP, Ed25519): `x` is its base64url.
  const x = Buffer.from(publicKey.slice("whpk_".length), "base64").toString("base64url");
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
  const signed = Buffer.from(`${id}.${timestamp}.${body}`, "utf8");
  // Several space-separated entries may come (a rotation): any `v1a` one that verifies will do.
  return signature.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    return version === "v1a" && value !== undefined && verify(null, signed, key, Buffer.from(value, "base64"));
  });
}
