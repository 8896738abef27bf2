/**
 * The secrets of a portal link and of the session it starts. Both are an id
 * (the row's primary key, so a lookup is one read by key) and 32 random bytes;
 * only the SHA-256 of the random part is stored (portal_links), so a copy of
 * the database opens no portal. Hashes are compared in constant time.
 *
 * - link:    `<id>.<secret>`, the last path segment of the portal URL, used once;
 * - session: `cwp_<id>.<secret>`, the bearer the dashboard calls the API with
 *   for a portal session. It lives only inside the sealed session cookie
 *   (session-cookie.ts): no page and no answer ever shows it.
 */
import { base64url } from "../signing/encoding";
import { sha256Hex, timingSafeEqual } from "./token-check";

export const PORTAL_SESSION_PREFIX = "cwp_";

const ID = "pl_[0-9A-Za-z]{22}";
const SECRET = "[A-Za-z0-9_-]{43}";
const LINK_RE = new RegExp(`^(${ID})\\.(${SECRET})$`);
const SESSION_RE = new RegExp(`^${PORTAL_SESSION_PREFIX}(${ID})\\.(${SECRET})$`);

export type PortalSecret = { id: string; secret: string };

export function newPortalSecret(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

export const linkToken = (id: string, secret: string) => `${id}.${secret}`;
export const sessionBearer = (id: string, secret: string) => `${PORTAL_SESSION_PREFIX}${id}.${secret}`;

/** The id and secret of a link token, or null when it is not one. */
export function parseLinkToken(token: string): PortalSecret | null {
  const m = LINK_RE.exec(token);
  return m ? { id: m[1], secret: m[2] } : null;
}

/** The id and secret of a portal session bearer, or null when it is not one. */
export function parseSessionBearer(bearer: string): PortalSecret | null {
  const m = SESSION_RE.exec(bearer);
  return m ? { id: m[1], secret: m[2] } : null;
}

export const hashPortalSecret = (secret: string) => sha256Hex(secret);

/** The presented secret against a stored hash (null: nothing to match). */
export async function portalSecretMatches(secret: string, storedHash: string | null): Promise<boolean> {
  if (storedHash === null) return false;
  return timingSafeEqual(await sha256Hex(secret), storedHash);
}
