/**
 * Signing in and out, and the admin's namespace switch: the API's own
 * authentication says whose token it is, and the API is asked whether that
 * token may read the namespace's webhooks before a session is written.
 */
import { authenticate } from "../api/auth";
import { ApiError } from "../errors";
import { newCsrfToken, SESSION_TTL_MS } from "../security/session-cookie";
import { newSessionId } from "../security/session-revocation";
import { result, seg } from "./api-client";
import { notice, html, notFoundPage, type ApiApp, type Ctx, type DashRouter, type Guards } from "./page-response";
import { portalSignOut } from "./portal-routes";
import { apiFor, checkedForm, endSession, field, readSession, sessionOrAnonymous, writeSession } from "./session";
import { SignInPage } from "./sign-in-page";
import { listPage } from "./webhook-list-routes";

async function signInPage(c: Ctx, opts: { namespace?: string; errors?: Record<string, string[]>; message?: string; status?: number } = {}) {
  const session = await sessionOrAnonymous(c);
  return html(
    c,
    <SignInPage csrf={session.csrf} values={{ namespace: opts.namespace ?? "" }} errors={opts.errors ?? {}} message={opts.message} notice={notice(c)} />,
    opts.status,
  );
}

/** Checks with the API that `token` may read `namespace`'s webhooks; the error shown on the form otherwise. */
async function checkAccess(app: ApiApp, c: Ctx, token: string, namespace: string): Promise<Record<string, string[]> | null> {
  const r = await result(await apiFor(app, c, token).v1.namespaces[":ns"].webhooks.$get({ param: { ns: seg(namespace) }, query: { limit: "1" } }));
  if (r.ok) return null;
  if (r.status === 401) return { token: [r.error.message] };
  if (r.status === 403) return { token: [r.error.message] };
  if (r.status === 404) return { namespace: [`This token has no access to namespace "${namespace}".`] };
  if (r.status === 422) return { namespace: r.error.details?.map((d) => d.message) ?? [r.error.message] };
  return { token: [r.error.message] };
}

export function signInRoutes(app: DashRouter, { action }: Guards, api: ApiApp): void {
  app.get("/", async (c) => {
    const s = await readSession(c);
    return c.redirect(s?.token ? "/webhooks" : "/sign-in", 303);
  });

  app.get("/sign-in", (c) => signInPage(c));

  app.post("/sign-in", async (c) => {
    const anon = await readSession(c);
    if (!anon) return signInPage(c, { message: "Your sign-in form expired. Please try again.", status: 403 });
    const form = await checkedForm(c, anon);
    if (form instanceof Response) return form;
    const token = field(form, "token").trim();
    let namespace = field(form, "namespace").trim();
    if (!token) return signInPage(c, { namespace, errors: { token: ["Enter an API token."] }, status: 422 });
    let admin = false;
    try {
      // The API's own authentication, only to learn whose token this is.
      const principal = await authenticate(c.env, `Bearer ${token}`);
      // A portal session's bearer never leaves its sealed cookie; it is no sign-in token.
      if (principal.kind === "portal") throw new ApiError("unauthorized", "not a sign-in token");
      admin = principal.kind === "admin";
      if (principal.kind === "token" && !namespace) namespace = principal.namespace;
    } catch (err) {
      if (err instanceof ApiError && err.code === "unauthorized") {
        return signInPage(c, { namespace, errors: { token: ["This token is not valid."] }, status: 401 });
      }
      throw err;
    }
    if (!namespace) return signInPage(c, { errors: { namespace: ["With the admin token, name the namespace to manage."] }, status: 422 });
    const refused = await checkAccess(api, c, token, namespace);
    if (refused) return signInPage(c, { namespace, errors: refused, status: 403 });
    // A fresh CSRF token at sign-in: nothing issued before it stays valid.
    await writeSession(c, { token, namespace, admin, sid: newSessionId(), csrf: newCsrfToken(), exp: Date.now() + SESSION_TTL_MS });
    return c.redirect("/webhooks", 303);
  });

  app.post("/sign-out", async (c) => {
    const s = await readSession(c);
    if (s) {
      const form = await checkedForm(c, s);
      if (form instanceof Response) return form;
    }
    if (s?.portal && s.token) return portalSignOut(c, s.token, s);
    await endSession(c, s);
    return c.redirect("/sign-in?notice=signed-out", 303);
  });

  app.post(
    "/namespace",
    action(async (d, form) => {
      // The admin's switch: a portal session is one namespace's only, and admin pages do not exist for it.
      if (d.portal) return notFoundPage(d, { code: "not_found", message: "No such page." });
      if (!d.session.admin) return d.c.redirect("/webhooks", 303);
      const namespace = field(form, "namespace").trim();
      const refused = namespace ? await checkAccess(api, d.c, d.session.token, namespace) : { namespace: ["Name a namespace."] };
      if (refused) return listPage(d, Object.values(refused).flat().join(" "));
      await writeSession(d.c, { ...d.session, namespace });
      return d.c.redirect("/webhooks", 303);
    }),
  );
}
