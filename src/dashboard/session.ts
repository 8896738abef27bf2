/**
 * Dashboard sessions and CSRF protection.
 *
 * Every page handler is wrapped: `page` loads the session (redirecting to the
 * sign-in page without one), `action` does the same for a form POST and
 * first checks that the request comes from our own pages: Hono's csrf check
 * (Sec-Fetch-Site same-origin, or an Origin header that is ours), and the
 * form's hidden `_csrf` field must equal the session's CSRF token, which also
 * ties the sign-in form to the browser that loaded it. SameSite=Strict already
 * keeps the cookie off cross-site requests; these checks do not rely on it.
 *
 * A signed-in session carries a random `sid`; sign-out revokes it on the
 * server, so a copied cookie stops working too (session-revocation.ts).
 *
 * A portal session (docs/portal.md) is checked on the server on every
 * request too (its link's row: portal/sessions.ts); read-only, it may POST
 * nothing. Embedded in another site's iframe its cookie is SameSite=None, so
 * there the Origin check and the CSRF field are what stop a forged form:
 * Sec-Fetch-Site is `same-origin` only for a form of our own page, framed or
 * not, and the CSRF token is in our pages alone.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { config } from "../config";
import {
  ANONYMOUS_TTL_MS,
  newCsrfToken,
  openSession,
  portalCookieOptions,
  sealSession,
  sessionCookieName,
  sessionCookieOptions,
  type Session,
} from "../security/session-cookie";
import { isRevoked, revokeSession } from "../security/session-revocation";
import { timingSafeEqual } from "../security/token-check";
import type { AppContext } from "../api/context";
import { portalSession, type PortalSession } from "../portal/sessions";
import { apiClient, type ApiClient } from "./api-client";

export type DashContext = Context<AppContext>;
export type FormData = Record<string, string | string[]>;

/** What a signed-in handler gets; `portal` for a session a portal link started. */
export type Dash = { c: DashContext; session: Session & { token: string; namespace: string }; api: ApiClient; csrf: string; portal: PortalSession | null };

type FetchingApp = Parameters<typeof apiClient>[0];

function development(c: DashContext): boolean {
  return config(c.env).development;
}

export async function readSession(c: DashContext): Promise<Session | null> {
  const session = await openSession(c.env.SECRETS_KEY, getCookie(c, sessionCookieName(development(c))));
  if (!session?.token) return session;
  // A portal session is checked against its link's row instead, by the guards (dashFor) and sign-out.
  if (session.portal) return session;
  // Signed in: only with an id that sign-out has not revoked (cookies from before ids existed sign in again).
  return session.sid && !(await isRevoked(c.env, session.sid)) ? session : null;
}

/** Sign-out: the session ends on the server as well as in this browser. */
export async function endSession(c: DashContext, session: Session | null): Promise<void> {
  if (session?.sid) await revokeSession(c.env, session.sid, session.exp);
  clearSession(c);
}

function cookieOptions(c: DashContext, session: Pick<Session, "portal">, maxAge: number) {
  const dev = development(c);
  return session.portal ? portalCookieOptions(dev, session.portal.embedded, maxAge) : sessionCookieOptions(dev, maxAge);
}

export async function writeSession(c: DashContext, session: Session): Promise<void> {
  const maxAge = Math.max(1, Math.floor((session.exp - Date.now()) / 1000));
  setCookie(c, sessionCookieName(development(c)), await sealSession(c.env.SECRETS_KEY, session), cookieOptions(c, session, maxAge));
}

/** Deletes the cookie with the attributes it was set with (a partitioned cookie is deleted in its partition only). */
export function clearSession(c: DashContext, session: Pick<Session, "portal"> = {}): void {
  const dev = development(c);
  const { maxAge: _unused, ...attributes } = cookieOptions(c, session, 0);
  deleteCookie(c, sessionCookieName(dev), attributes);
}

/** The current session, or a new anonymous one (for the sign-in form's CSRF token). */
export async function sessionOrAnonymous(c: DashContext): Promise<Session> {
  const existing = await readSession(c);
  if (existing) return existing;
  const fresh: Session = { csrf: newCsrfToken(), exp: Date.now() + ANONYMOUS_TTL_MS };
  await writeSession(c, fresh);
  return fresh;
}

function executionCtx(c: DashContext) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** A client of `app` (the Worker's own API) for this request, as `token`. */
export function apiFor(app: FetchingApp, c: DashContext, token: string): ApiClient {
  return apiClient(app, new URL(c.req.url).origin, c.env, executionCtx(c), token);
}

const originCheck = csrf();

/** Hono's csrf middleware, asked only for its verdict: a form POST from another site throws 403. */
async function sameOrigin(c: DashContext): Promise<boolean> {
  try {
    await originCheck(c, async () => {});
    return true;
  } catch (err) {
    if (err instanceof HTTPException && err.status === 403) return false;
    throw err;
  }
}

export async function readForm(c: DashContext): Promise<FormData> {
  const body = await c.req.parseBody({ all: true });
  const out: FormData = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
    else if (typeof v === "string") out[k] = v;
  }
  return out;
}

export const field = (form: FormData, name: string): string => {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
};

export const fields = (form: FormData, name: string): string[] => {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

function forbidden(c: DashContext): Response {
  return c.text("This form has expired or did not come from this dashboard. Go back, reload the page and try again.", 403);
}

/** Checks Origin and the CSRF field against the session; answers the form or a 403 page. */
export async function checkedForm(c: DashContext, session: Session): Promise<FormData | Response> {
  if (!(await sameOrigin(c))) return forbidden(c);
  const form = await readForm(c);
  if (!(await timingSafeEqual(field(form, "_csrf"), session.csrf))) return forbidden(c);
  return form;
}

function signedInSession(s: Session | null): (Session & { token: string; namespace: string }) | null {
  return s && s.token && s.namespace ? (s as Session & { token: string; namespace: string }) : null;
}

/** A portal session that has ended (expired, signed out): a plain page, never the operator's sign-in. */
function portalEnded(c: DashContext, session: Session): Response {
  clearSession(c, session);
  c.header("cache-control", "no-store");
  return c.text("This portal session has ended. Open the portal again from the page that linked here.", 401);
}

function readOnlyRefusal(c: DashContext): Response {
  return c.text("This portal is read-only: nothing can be changed here.", 403);
}

/**
 * The signed-in handler's context, or the answer for a session that cannot
 * have one. A portal session is checked against its link's row, and its
 * settings are put on the context for the page and its headers.
 */
async function dashFor(app: FetchingApp, c: DashContext): Promise<Dash | Response> {
  const session = signedInSession(await readSession(c));
  if (!session) return c.redirect("/sign-in", 303);
  let portal: PortalSession | null = null;
  if (session.portal) {
    portal = await portalSession(c.env, session.token);
    if (!portal) return portalEnded(c, session);
    c.set("portal", portal);
  }
  return { c, session, api: apiFor(app, c, session.token), csrf: session.csrf, portal };
}

/** Handler wrappers bound to the app whose API the dashboard calls. */
export function guards(app: FetchingApp) {
  /** A GET page for a signed-in user; `changes`: a page whose only use is a change (a form), refused to a read-only portal. */
  function page(handler: (d: Dash) => Promise<Response> | Response, opts: { changes?: boolean } = {}) {
    return async function dashboardPage(c: DashContext): Promise<Response> {
      const d = await dashFor(app, c);
      if (d instanceof Response) return d;
      if (opts.changes && d.portal?.readOnly) return readOnlyRefusal(c);
      return handler(d);
    };
  }

  /** A form POST of a signed-in user: read-only refused, then Origin and CSRF checked, before anything else. */
  function action(handler: (d: Dash, form: FormData) => Promise<Response> | Response) {
    return async function dashboardAction(c: DashContext): Promise<Response> {
      const d = await dashFor(app, c);
      if (d instanceof Response) return d;
      if (d.portal?.readOnly) return readOnlyRefusal(c);
      const form = await checkedForm(c, d.session);
      if (form instanceof Response) return form;
      return handler(d, form);
    };
  }
  return { page, action };
}
