/**
 * An OAuth access token for a Google service account (RFC 7523 JWT bearer
 * grant, as Google's "Using OAuth 2.0 for Server to Server Applications"):
 * a JWT signed RS256 (WebCrypto RSASSA-PKCS1-v1_5, through jose) with the
 * account's key, exchanged at the token endpoint. Tokens are cached per
 * isolate until a minute before they expire (each isolate asks for its own;
 * Google allows that freely), keyed by endpoint, account and key id.
 */
import { SignJWT } from "jose";
import { postOnce, type AttemptResult } from "../http-attempt";
import { answerJson } from "./message";
import type { SendOptions } from "./send-options";
import { signingKey, type ServiceAccount } from "./service-account";

export const PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub";
const EXPIRY_MARGIN_MS = 60_000;

const cache = new Map<string, { token: string; expiresAt: number }>();

const cacheKey = (tokenUrl: string, account: ServiceAccount) => `${tokenUrl}\n${account.clientEmail}\n${account.privateKeyId}`;

/** A token, or the token endpoint's failed answer (kept for the attempt log; a success's body, which holds the token, never is). */
export type TokenResult = { token: string } | { failed: AttemptResult };

export async function accessToken(tokenUrl: string, account: ServiceAccount, options: SendOptions, now = Date.now()): Promise<TokenResult> {
  const key = cacheKey(tokenUrl, account);
  const cached = cache.get(key);
  if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now) return { token: cached.token };
  const iat = Math.floor(now / 1000);
  const assertion = await new SignJWT({ scope: PUBSUB_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(account.privateKeyId ? { kid: account.privateKeyId } : {}) })
    .setIssuer(account.clientEmail)
    .setAudience(tokenUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(await signingKey(account));
  const form = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
  const answer = await postOnce(tokenUrl, { "content-type": "application/x-www-form-urlencoded" }, form, options.timeoutMs, options.cutAfterMs);
  const json = answer.status === 200 ? answerJson(answer.body) : null;
  if (!json || typeof json.access_token !== "string") {
    if (answer.errorClass) return { failed: answer };
    const body = answer.status === 200 ? "" : answer.body;
    return { failed: { ...answer, body, errorClass: "auth", errorMessage: `The token exchange at ${tokenUrl} did not give a token (HTTP ${answer.status}).` } };
  }
  const expiresIn = typeof json.expires_in === "number" ? json.expires_in : 3600;
  cache.set(key, { token: json.access_token, expiresAt: now + expiresIn * 1000 });
  return { token: json.access_token };
}

/** Drops a token the service refused (401), so the next attempt asks for a new one. */
export function forgetToken(tokenUrl: string, account: ServiceAccount): void {
  cache.delete(cacheKey(tokenUrl, account));
}
