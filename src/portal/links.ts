/**
 * One-time portal links (docs/portal.md): a platform's backend asks for one,
 * hands the URL to its customer (often as an iframe's src); opening it once
 * starts a dashboard session of that namespace only.
 *
 * Rows written: one per link created (the purge of spent links rides in the
 * same batch), one update when it is opened. No index.
 */
import { lt } from "drizzle-orm";
import { config } from "../config";
import { controlDb, controlOrm } from "../db/client";
import { portalLinks } from "../db/control-schema";
import { claimLink, type PortalSessionRow } from "../db/stores/portal-links";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { randomId } from "../ids";
import { hashPortalSecret, linkToken, newPortalSecret, parseLinkToken, sessionBearer } from "../security/portal-token";
import { normalizeAllowed } from "./event-scope";
import { isLoopbackHttp, type PortalLinkInput } from "./schemas";

/** A portal session lasts this long from the link's opening (the contract's "at most 12 h"). */
export const PORTAL_SESSION_MS = 12 * 3_600_000;

/** The path a link opens at: `/portal/<id>.<secret>`. */
export const PORTAL_PATH = "/portal";

/** http on loopback passes the schema for local runs; anywhere else it is refused here. */
function checkLoopback(env: AppEnv, input: PortalLinkInput): void {
  if (config(env).allowLoopback) return;
  const details = [
    ...input.embed_origins.map((o, i) => ({ path: `embed_origins.${i}`, url: o })),
    ...(input.branding?.logo_url ? [{ path: "branding.logo_url", url: input.branding.logo_url }] : []),
  ]
    .filter((x) => isLoopbackHttp(new URL(x.url)))
    .map((x) => ({ path: x.path, message: "https only" }));
  if (details.length) throw new ApiError("validation_failed", "Portal origins and the logo URL must be https.", details);
}

export async function createPortalLink(env: AppEnv, ns: string, input: PortalLinkInput, origin: string, now = Date.now()) {
  checkLoopback(env, input);
  const eventTypes = input.event_types ? normalizeAllowed(input.event_types) : null;
  const id = randomId("pl");
  const secret = newPortalSecret();
  const expiresAt = now + input.ttl_seconds * 1000;
  const db = controlOrm(env);
  await db.batch([
    db.insert(portalLinks).values({
      id,
      namespace: ns,
      tokenHash: await hashPortalSecret(secret),
      readOnly: input.read_only,
      eventTypes,
      branding: input.branding ?? null,
      embedOrigins: [...new Set(input.embed_origins)],
      createdAt: now,
      expiresAt,
      purgeAfter: expiresAt,
    }),
    // Links never opened past their expiry, and sessions past theirs: nothing reads them again.
    db.delete(portalLinks).where(lt(portalLinks.purgeAfter, now)),
  ]);
  return { url: `${origin}${PORTAL_PATH}/${linkToken(id, secret)}`, expires_at: new Date(expiresAt).toISOString() };
}

export type OpenedLink = { row: PortalSessionRow; bearer: string; expiresAt: number };

/** Opens a link once: its session, or null for a link unknown, used or expired (all alike to the caller). */
export async function openPortalLink(env: AppEnv, token: string, now = Date.now()): Promise<OpenedLink | null> {
  const parsed = parseLinkToken(token);
  if (!parsed) return null;
  const sessionSecret = newPortalSecret();
  const expiresAt = now + PORTAL_SESSION_MS;
  const row = await claimLink(controlDb(env), {
    id: parsed.id,
    tokenHash: await hashPortalSecret(parsed.secret),
    sessionHash: await hashPortalSecret(sessionSecret),
    sessionExpiresAt: expiresAt,
    now,
  });
  return row ? { row, bearer: sessionBearer(parsed.id, sessionSecret), expiresAt } : null;
}
