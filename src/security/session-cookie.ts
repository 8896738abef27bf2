/**
 * The dashboard's session cookie: the signed-in user's API token, namespace
 * and CSRF token, sealed with AES-256-GCM (authenticated encryption: a cookie
 * that was altered, or sealed under another key, does not open).
 *
 * The key is derived from SECRETS_KEY with HKDF-SHA-256 (RFC 5869) under a
 * label of its own, so the cookie key is never the key that seals webhook
 * secrets, and knowing one does not give the other.
 *
 * The expiry is inside the sealed payload as well as on the cookie: a copied
 * cookie stops working at that time even if a client ignores Max-Age.
 *
 * Not Hono's `setSignedCookie`: it signs (HMAC) but does not encrypt, and this
 * cookie carries an API token, which must not be readable by whoever holds it.
 * Hono's `setCookie` still writes it (dashboard/session.ts).
 */
import { base64url, fromBase64 } from "../signing/encoding";

export type Session = {
  /** The API token the dashboard calls the API with; absent before sign-in. */
  token?: string;
  namespace?: string;
  admin?: boolean;
  /** Random id of a signed-in session: sign-out revokes it on the server (session-revocation.ts). */
  sid?: string;
  /**
   * A session a portal link started (portal/links.ts): `token` is then its
   * portal bearer, and `embedded` says the link allows framing, which needs
   * the third-party cookie attributes (portalCookieOptions).
   */
  portal?: { embedded: boolean };
  /** Per-session CSRF token, carried in a hidden field of every form. */
  csrf: string;
  /** Expiry, ms since the epoch. */
  exp: number;
};

/** A signed-in session lasts this long; sign in again afterwards. */
export const SESSION_TTL_MS = 8 * 3_600_000;
/** An anonymous session (just a CSRF token for the sign-in form). */
export const ANONYMOUS_TTL_MS = 3_600_000;

const HKDF_SALT = new TextEncoder().encode("ci-webhooks dashboard");
const HKDF_INFO = new TextEncoder().encode("session-cookie aes-256-gcm v1");
/** Binds the ciphertext to its purpose (additional authenticated data). */
const AAD = new TextEncoder().encode("cw-session v1");

const keys = new Map<string, Promise<CryptoKey>>();

function sessionKey(secretsKey: string): Promise<CryptoKey> {
  let k = keys.get(secretsKey);
  if (!k) {
    k = crypto.subtle
      .importKey("raw", fromBase64(secretsKey), "HKDF", false, ["deriveKey"])
      // Not extractable: the derived key never leaves this module.
      .then((ikm) =>
        crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: HKDF_INFO }, ikm, { name: "AES-GCM", length: 256 }, false, [
          "encrypt",
          "decrypt",
        ]),
      );
    keys.set(secretsKey, k);
  }
  return k;
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

export function newCsrfToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(24)));
}

export async function sealSession(secretsKey: string, session: Session): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const pt = new TextEncoder().encode(JSON.stringify(session));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: AAD }, await sessionKey(secretsKey), pt);
  return `${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
}

/** The session in the cookie, or null when it is absent, altered or expired. */
export async function openSession(secretsKey: string, sealed: string | undefined, now = Date.now()): Promise<Session | null> {
  if (!sealed) return null;
  const [iv, ct, extra] = sealed.split(".");
  if (!iv || !ct || extra !== undefined) return null;
  try {
    const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64url(iv), additionalData: AAD }, await sessionKey(secretsKey), fromBase64url(ct));
    const s = JSON.parse(new TextDecoder().decode(pt)) as Partial<Session>;
    if (typeof s.csrf !== "string" || typeof s.exp !== "number" || s.exp <= now) return null;
    return s as Session;
  } catch {
    return null;
  }
}

/**
 * Cookie attributes: HttpOnly (no script reads the token), SameSite=Strict
 * (no cross-site request carries it), Secure everywhere but local development
 * (served over plain http://127.0.0.1). The `__Host-` prefix, where Secure
 * allows it, also pins the cookie to this host and path `/`.
 */
export function sessionCookieName(development: boolean): string {
  return development ? "cw_session" : "__Host-cw_session";
}

export function sessionCookieOptions(development: boolean, maxAgeSeconds: number) {
  return { httpOnly: true, secure: !development, sameSite: "Strict" as const, path: "/", maxAge: maxAgeSeconds };
}

/**
 * A portal session's cookie. Embedded (the link lists embed_origins), it is
 * sent inside another site's iframe only as `SameSite=None; Secure;
 * Partitioned` (CHIPS): the browser keeps it in a jar of that top-level
 * site's own, so it is never sent when another site frames or links to us.
 * Secure even in local development: Chromium treats http://127.0.0.1 and
 * localhost as secure contexts. Not embedded, it is `Lax`: a portal link
 * arrives from another site (an e-mail, the platform's page), and a Strict
 * cookie would be withheld on the redirect that follows the link. Forms stay
 * protected by the Origin and CSRF-token checks either way (dashboard/session.ts).
 */
export function portalCookieOptions(development: boolean, embedded: boolean, maxAgeSeconds: number) {
  return embedded
    ? { httpOnly: true, secure: true, sameSite: "None" as const, partitioned: true, path: "/", maxAge: maxAgeSeconds }
    : { httpOnly: true, secure: !development, sameSite: "Lax" as const, path: "/", maxAge: maxAgeSeconds };
}
