/**
 * Server-side end of a dashboard session. The session lives in its sealed
 * cookie (session-cookie.ts), so signing out in the browser alone would leave
 * a copied cookie valid until it expires. Each signed-in session carries a
 * random id; sign-out records that id here until the session's own expiry.
 *
 * Cost: a write only at sign-out (which also deletes the expired entries,
 * so the table holds at most the last 8 hours' sign-outs and needs no cron),
 * and one primary-key read per signed-in dashboard request.
 */
import { controlDb } from "../db/client";
import { isSignedOut, recordSignOut } from "../db/stores/revoked-sessions";
import type { AppEnv } from "../env";
import { base64url } from "../signing/encoding";

export function newSessionId(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(18)));
}

export async function revokeSession(env: AppEnv, sid: string, expiresAt: number, now = Date.now()): Promise<void> {
  await recordSignOut(controlDb(env), sid, expiresAt, now);
}

export async function isRevoked(env: AppEnv, sid: string): Promise<boolean> {
  return isSignedOut(controlDb(env), sid);
}
