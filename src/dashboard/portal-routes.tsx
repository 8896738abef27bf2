/**
 * Opening a portal link (docs/portal.md): the link is spent in one
 * conditional write (portal/links.ts), its session written to the cookie,
 * and the browser sent to the namespace's webhooks. A link unknown, used or
 * expired gets a plain page, 410, and no cookie. And the portal's sign-out.
 */
import { newCsrfToken, type Session } from "../security/session-cookie";
import { newSessionId } from "../security/session-revocation";
import { openPortalLink, PORTAL_PATH } from "../portal/links";
import { endPortal, portalSession, toPortalSession } from "../portal/sessions";
import { accentRoutes } from "./branding";
import { html, type Ctx, type DashRouter } from "./page-response";
import { clearSession, writeSession } from "./session";
import { Layout } from "./view";

const LinkExpiredPage = () => (
  <Layout title="Link expired">
    <div class="narrow">
      <h1>Link expired</h1>
      <p>This portal link has already been used or has expired. Links work once, for a few minutes.</p>
      <p class="muted">Go back to the page that sent you here to get a new one.</p>
    </div>
  </Layout>
);

/**
 * A portal session's sign-out: it ends on the server, and the page saying so
 * may still be framed by the portal's embed origins (it is shown in their iframe).
 */
export async function portalSignOut(c: Ctx, bearer: string, s: Session): Promise<Response> {
  const portal = await portalSession(c.env, bearer);
  if (portal) {
    await endPortal(c.env, portal.id);
    c.set("portal", { ...portal, branding: null });
  }
  clearSession(c, s);
  c.header("cache-control", "no-store");
  return c.text("You are signed out of the portal. Open it again from the page that linked here.", 200);
}

export function portalRoutes(app: DashRouter): void {
  accentRoutes(app);

  app.get(`${PORTAL_PATH}/:token`, async (c) => {
    const opened = await openPortalLink(c.env, c.req.param("token") ?? "");
    if (!opened) return html(c, <LinkExpiredPage />, 410);
    const { row, bearer, expiresAt } = opened;
    await writeSession(c, {
      token: bearer,
      namespace: row.namespace,
      admin: false,
      sid: newSessionId(),
      csrf: newCsrfToken(),
      exp: expiresAt,
      portal: { embedded: row.embedOrigins.length > 0 },
    });
    // The opening already belongs to the session: framed by its embed origins, like its pages.
    c.set("portal", toPortalSession(row, expiresAt));
    c.header("cache-control", "no-store");
    return c.redirect("/webhooks", 303);
  });
}
