/**
 * The dashboard's response headers, by Hono's secureHeaders: a CSP that lets
 * pages load only our own scripts, styles and images and never be framed
 * (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for older browsers),
 * nosniff, same-origin referrers, and HSTS everywhere but local development
 * (served over plain http://127.0.0.1 there). A portal session's pages may be
 * framed by its link's embed_origins instead (portalPolicy).
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppContext } from "../api/context";
import { config } from "../config";

const common: Parameters<typeof secureHeaders>[0] = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "same-origin",
};

const local = secureHeaders({ ...common, strictTransportSecurity: false });
/** One year (the HSTS preload list's minimum), subdomains included. */
const deployed = secureHeaders({ ...common, strictTransportSecurity: "max-age=31536000; includeSubDomains" });

/**
 * A portal session's pages (docs/portal.md): framed by exactly its link's
 * embed_origins, and showing its logo. The origins and the logo URL were
 * validated as https origins/URLs when the link was made (portal/schemas.ts),
 * so they hold no space, `;` or quote that could add a directive. Without
 * embed_origins the policy stays `frame-ancestors 'none'` with X-Frame-Options.
 */
function portalPolicy(csp: string, frameAncestors: string[], logoUrl: string | undefined): string {
  return csp
    .split(";")
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => {
      const name = d.split(/\s+/)[0];
      if (name === "frame-ancestors" && frameAncestors.length) return `frame-ancestors ${frameAncestors.join(" ")}`;
      if (name === "img-src" && logoUrl) return `${d} ${new URL(logoUrl).origin}`;
      return d;
    })
    .join("; ");
}

export const dashboardHeaders: MiddlewareHandler<AppContext> = async function dashboardHeaders(c, next) {
  await (config(c.env).development ? local : deployed)(c, next);
  const portal = c.get("portal");
  const csp = c.res.headers.get("content-security-policy");
  if (!portal || !csp) return;
  c.res.headers.set("content-security-policy", portalPolicy(csp, portal.embedOrigins, portal.branding?.logo_url));
  if (portal.embedOrigins.length) c.res.headers.delete("x-frame-options");
};
