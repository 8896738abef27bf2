/**
 * portal_links (control database): opening a link, and reading the session
 * it started (portal/links.ts, portal/sessions.ts). Creation uses drizzle.
 */
import { decodeRow, type RawRow } from "../columns";
import { portalLinks, type PortalLinkRow } from "../control-schema";
import { PL } from "./names";

const SESSION_KEYS = ["id", "namespace", "readOnly", "eventTypes", "branding", "embedOrigins", "sessionHash", "sessionExpiresAt"] as const;
export type PortalSessionRow = Pick<PortalLinkRow, (typeof SESSION_KEYS)[number]>;
const SELECTED = SESSION_KEYS.map((k) => PL[k]).join(", ");

/**
 * Opens the link: one conditional UPDATE, so of two concurrent opens exactly
 * one changes the row and gets it back (D1 runs statements one at a time per
 * database); the other, and any later one, gets null. A link past its expiry
 * or already used is never opened.
 */
export async function claimLink(
  db: D1Database,
  claim: { id: string; tokenHash: string; sessionHash: string; sessionExpiresAt: number; now: number },
): Promise<PortalSessionRow | null> {
  const row = await db
    .prepare(
      `UPDATE portal_links SET ${PL.usedAt} = ?1, ${PL.sessionHash} = ?2, ${PL.sessionExpiresAt} = ?3, ${PL.purgeAfter} = ?3
       WHERE ${PL.id} = ?4 AND ${PL.tokenHash} = ?5 AND ${PL.usedAt} IS NULL AND ${PL.expiresAt} > ?1
       RETURNING ${SELECTED}`,
    )
    .bind(claim.now, claim.sessionHash, claim.sessionExpiresAt, claim.id, claim.tokenHash)
    .first<RawRow>();
  return decodeRow(portalLinks, SESSION_KEYS, row);
}

/** The link's row with its session, by primary key (one read). */
export async function portalSessionById(db: D1Database, id: string): Promise<PortalSessionRow | null> {
  const row = await db.prepare(`SELECT ${SELECTED} FROM portal_links WHERE ${PL.id} = ?`).bind(id).first<RawRow>();
  return decodeRow(portalLinks, SESSION_KEYS, row);
}

/** Sign-out of a portal session: it ends now, for its cookie and its bearer alike. */
export async function endPortalSession(db: D1Database, id: string, now: number): Promise<void> {
  await db.prepare(`UPDATE portal_links SET ${PL.sessionExpiresAt} = ?1, ${PL.purgeAfter} = ?1 WHERE ${PL.id} = ?2`).bind(now, id).run();
}

/** Every link and portal session of a namespace (the namespace is deleted): no index, the table holds only live links and sessions. */
export function deleteLinksOfStatement(db: D1Database, namespace: string): D1PreparedStatement {
  return db.prepare(`DELETE FROM portal_links WHERE ${PL.namespace} = ?`).bind(namespace);
}
