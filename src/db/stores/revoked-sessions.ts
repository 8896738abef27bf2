/** revoked_sessions (control database): dashboard sign-outs (security/session-revocation.ts). */
import { RS } from "./names";

/** Records the sign-out and deletes the entries past their expiry, in one batch. */
export async function recordSignOut(db: D1Database, sid: string, expiresAt: number, now: number): Promise<void> {
  await db.batch([
    db.prepare(`INSERT INTO revoked_sessions (${RS.sid}, ${RS.expiresAt}) VALUES (?, ?) ON CONFLICT (${RS.sid}) DO NOTHING`).bind(sid, expiresAt),
    db.prepare(`DELETE FROM revoked_sessions WHERE ${RS.expiresAt} < ?`).bind(now),
  ]);
}

/** One primary-key read. */
export async function isSignedOut(db: D1Database, sid: string): Promise<boolean> {
  return (await db.prepare(`SELECT 1 AS hit FROM revoked_sessions WHERE ${RS.sid} = ?`).bind(sid).first()) !== null;
}
