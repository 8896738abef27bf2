/**
 * A portal session as the API and the dashboard see it: the link's row,
 * found by the bearer's id (one read by key) and accepted only while the
 * bearer's secret matches and the session has not ended.
 */
import { controlDb } from "../db/client";
import type { PortalBranding, TokenScope } from "../db/control-schema";
import { endPortalSession, portalSessionById, type PortalSessionRow } from "../db/stores/portal-links";
import type { AppEnv } from "../env";
import { parseSessionBearer, portalSecretMatches } from "../security/portal-token";

export type PortalSession = {
  id: string;
  namespace: string;
  readOnly: boolean;
  /** Patterns webhooks may subscribe to; null = any. */
  eventTypes: string[] | null;
  branding: PortalBranding | null;
  embedOrigins: string[];
  expiresAt: number;
};

/** What a portal session may do through the API: read, and write unless read-only. Never publish, tokens or links. */
export const portalScopes = (readOnly: boolean): TokenScope[] => (readOnly ? ["webhooks:read"] : ["webhooks:read", "webhooks:write"]);

export async function portalSession(env: AppEnv, bearer: string, now = Date.now()): Promise<PortalSession | null> {
  const parsed = parseSessionBearer(bearer);
  if (!parsed) return null;
  const row = await portalSessionById(controlDb(env), parsed.id);
  if (!row || row.sessionExpiresAt === null || row.sessionExpiresAt <= now) return null;
  if (!(await portalSecretMatches(parsed.secret, row.sessionHash))) return null;
  return toPortalSession(row, row.sessionExpiresAt);
}

export function toPortalSession(row: PortalSessionRow, expiresAt: number): PortalSession {
  return {
    id: row.id,
    namespace: row.namespace,
    readOnly: row.readOnly,
    eventTypes: row.eventTypes,
    branding: row.branding,
    embedOrigins: row.embedOrigins,
    expiresAt,
  };
}

/** Sign-out: the session ends on the server (its bearer stops working at once). */
export async function endPortal(env: AppEnv, id: string, now = Date.now()): Promise<void> {
  await endPortalSession(controlDb(env), id, now);
}
