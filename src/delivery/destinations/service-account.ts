/**
 * A Google service account's JSON key: parsed and checked once on create
 * (a malformed key is 422, not a failing delivery later), and again when a
 * token is needed. The private key is PKCS#8 PEM, RS256 (RSASSA-PKCS1-v1_5).
 */
import { importPKCS8 } from "jose";

export type ServiceAccount = { clientEmail: string; privateKeyId: string; privateKey: string };

export type Parsed = { ok: true; account: ServiceAccount } | { ok: false; problem: string };

export function parseServiceAccount(json: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return { ok: false, problem: "not JSON: paste the key file as Google gives it" };
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return { ok: false, problem: "not a JSON object" };
  const o = v as Record<string, unknown>;
  if (o.type !== "service_account") return { ok: false, problem: 'its "type" must be "service_account"' };
  if (typeof o.client_email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(o.client_email)) return { ok: false, problem: "it has no client_email" };
  if (typeof o.private_key !== "string" || !/^-----BEGIN PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PRIVATE KEY-----\s*$/.test(o.private_key)) {
    return { ok: false, problem: "its private_key is not a PEM PKCS#8 private key" };
  }
  const privateKeyId = typeof o.private_key_id === "string" ? o.private_key_id : "";
  return { ok: true, account: { clientEmail: o.client_email, privateKeyId, privateKey: o.private_key } };
}

/** The signing key; throws when the PEM does not hold an RSA key. Not extractable: it only signs. */
export function signingKey(account: ServiceAccount): Promise<CryptoKey> {
  return importPKCS8(account.privateKey, "RS256", { extractable: false });
}
