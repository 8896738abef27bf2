/**
 * What every dashboard route answers with: HTML pages (never cached), the
 * notices a redirect names, the signed-in user as the layout shows them, and
 * the answers for a lost session or a missing webhook or delivery.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { AppContext } from "../api/context";
import type { ApiErrorBody } from "./api-client";
import { clearSession, type Dash, type guards } from "./session";
import type { Me } from "./view";
import { NotFoundPage } from "./webhook-other-pages";

export type Ctx = Context<AppContext>;
/** The router the dashboard's route modules add their routes to. */
export type DashRouter = OpenAPIHono<AppContext>;
/** The app whose API the dashboard calls in-process, and the page/action wrappers bound to it. */
export type ApiApp = Parameters<typeof guards>[0];
export type Guards = ReturnType<typeof guards>;

/** Notices named in a redirect's query (never free text from the URL). */
const NOTICES: Record<string, string> = {
  "signed-out": "You are signed out.",
  saved: "Changes saved.",
  deleted: "Webhook deleted.",
  enabled: "Webhook enabled: events are sent to it again.",
  redelivered: "Redelivery queued: a new manual attempt is on its way.",
};
export const notice = (c: Ctx) => NOTICES[c.req.query("notice") ?? ""];

/** Pages must not be cached (they hold per-user data and, once, secrets); CSP and the rest: security-headers.ts. */
export function html(c: Ctx, page: JSX.Element, status = 200): Response {
  c.header("cache-control", "no-store");
  return c.html(`<!doctype html>${page.toString()}`, status as 200);
}

export const meOf = (d: Dash): Me => ({
  namespace: d.session.namespace,
  admin: d.session.admin === true,
  csrf: d.csrf,
  ...(d.portal ? { portal: { readOnly: d.portal.readOnly, branding: d.portal.branding } } : {}),
});

export function signedOut(c: Ctx): Response {
  clearSession(c);
  return c.redirect("/sign-in", 303);
}

export function notFoundPage(d: Dash, error: ApiErrorBody): Response {
  return html(d.c, <NotFoundPage me={meOf(d)} message={error.message} />, 404);
}
