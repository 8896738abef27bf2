/**
 * The dashboard's response headers, by Hono's secureHeaders: a CSP that lets
 * pages load only our own scripts, styles and images and never be framed
 * (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for older browsers),
 * nosniff, same-origin referrers, and HSTS everywhere but local development
 * (served over plain http://127.0.0.1 there).
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

export const dashboardHeaders: MiddlewareHandler<AppContext> = async function dashboardHeaders(c, next) {
  return (config(c.env).development ? local : deployed)(c, next);
};
