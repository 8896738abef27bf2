/**
 * Token checks: API tokens are stored as SHA-256 hashes, and every comparison
 * of a presented secret runs in constant time over the hashes of both sides
 * (so neither the length nor a common prefix leaks through timing).
 */
import { base64url, toHex } from "../signing/encoding";

export const TOKEN_PREFIX = "cwh_";

export async function sha256Hex(value: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value))));
}

/**
 * The technique of Hono's own `timingSafeEqual` (hono/utils/buffer); kept here
 * beside the token hashing so this one file can be audited on its own.
 */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([sha256Hex(a), sha256Hex(b)]);
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha.charCodeAt(i) ^ hb.charCodeAt(i);
  return diff === 0 && ha.length === hb.length;
}

/** A new API token: recognisable prefix, then 32 random bytes. */
export function generateToken(): string {
  return TOKEN_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
}
