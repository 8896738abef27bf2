/**
 * The dashboard's routes, mounted at `/` beside the API (plain HTML routes,
 * outside /v1). Every page is a typed client of our own /v1 API, called
 * in-process with the signed-in user's token (api-client.ts): auth, scopes, validation
 * and error messages are the API's. Every action is a form POST answered by
 * a redirect (or, where a secret is shown once, by the page itself), so the
 * dashboard works without JavaScript.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { authenticate } from "../api/auth";
import { newRouter } from "../api/router";
import type { AppContext } from "../api/context";
import { ApiError } from "../errors";
import { newCsrfToken, SESSION_TTL_MS } from "../security/session-cookie";
import { newSessionId } from "../security/session-revocation";
import { outcome, result, seg, type ApiClient, type ApiErrorBody } from "./api-client";
import { APP_CSS } from "./assets/app-css";
import { COPY_JS } from "./assets/copy-js";
import { DeliveryPage } from "./delivery-page";
import { apiFor, checkedForm, clearSession, endSession, field, guards, readSession, sessionOrAnonymous, writeSession, type Dash } from "./session";
import { dashboardHeaders } from "./security-headers";
import { SignInPage } from "./sign-in-page";
import type { EventType, Webhook } from "./types";
import { fieldErrors, type Me } from "./view";
import { emptyWebhookForm, FORM_FIELDS, WebhookFormPage, type WebhookFormValues } from "./webhook-form-page";
import { createBody, formValues, updateBody, valuesOf } from "./webhook-form-body";
import { WebhookListPage } from "./webhook-list-page";
import { DeletePage, NotFoundPage, SecretPage } from "./webhook-other-pages";
import { WebhookPage, type PingResult } from "./webhook-page";

type Ctx = Context<AppContext>;

/** Notices named in a redirect's query (never free text from the URL). */
const NOTICES: Record<string, string> = {
  "signed-out": "You are signed out.",
  saved: "Changes saved.",
  deleted: "Webhook deleted.",
  enabled: "Webhook enabled: events are sent to it again.",
  redelivered: "Redelivery queued: a new manual attempt is on its way.",
};
const notice = (c: Ctx) => NOTICES[c.req.query("notice") ?? ""];

const DELIVERIES_PER_PAGE = 20;
/** The delivery log's status filter, as the route takes it. */
const DELIVERY_FILTERS = ["pending", "succeeded", "failed"] as const;

/** Every path the dashboard serves (the API under /v1 and /docs have their own headers). */
const DASHBOARD_PATHS = ["/", "/sign-in", "/sign-out", "/namespace", "/webhooks", "/webhooks/*", "/assets/*"];

/** Pages must not be cached (they hold per-user data and, once, secrets); CSP and the rest: security-headers.ts. */
function html(c: Ctx, page: JSX.Element, status = 200): Response {
  c.header("cache-control", "no-store");
  return c.html(`<!doctype html>${page.toString()}`, status as 200);
}

const meOf = (d: Dash): Me => ({ namespace: d.session.namespace, admin: d.session.admin === true, csrf: d.csrf });
/** Path params for the typed client (`hc` puts them into the path as given, hence `seg`). */
const nsParam = (d: Dash) => ({ ns: seg(d.session.namespace) });
const idParam = (d: Dash, id: string) => ({ ns: seg(d.session.namespace), id: seg(id) });
const hooks = (d: Dash) => d.api.v1.namespaces[":ns"].webhooks;
const hookOf = (d: Dash) => hooks(d)[":id"];
const deliveries = (d: Dash) => d.api.v1.namespaces[":ns"].deliveries;

async function eventTypes(api: ApiClient): Promise<EventType[]> {
  const r = await result(await api.v1["event-types"].$get());
  return r.ok ? r.data.data : [];
}

async function signInPage(c: Ctx, opts: { namespace?: string; errors?: Record<string, string[]>; message?: string; status?: number } = {}) {
  const session = await sessionOrAnonymous(c);
  return html(
    c,
    <SignInPage csrf={session.csrf} values={{ namespace: opts.namespace ?? "" }} errors={opts.errors ?? {}} message={opts.message} notice={notice(c)} />,
    opts.status,
  );
}

/** Checks with the API that `token` may read `namespace`'s webhooks; the error shown on the form otherwise. */
async function checkAccess(app: Parameters<typeof guards>[0], c: Ctx, token: string, namespace: string): Promise<Record<string, string[]> | null> {
  const r = await result(await apiFor(app, c, token).v1.namespaces[":ns"].webhooks.$get({ param: { ns: seg(namespace) }, query: { limit: "1" } }));
  if (r.ok) return null;
  if (r.status === 401) return { token: [r.error.message] };
  if (r.status === 403) return { token: [r.error.message] };
  if (r.status === 404) return { namespace: [`This token has no access to namespace "${namespace}".`] };
  if (r.status === 422) return { namespace: r.error.details?.map((d) => d.message) ?? [r.error.message] };
  return { token: [r.error.message] };
}

/**
 * The dashboard's pages, a sub-app mounted beside the API. `api` is the app
 * that serves /v1 (called in-process). The return type is spelled out: the
 * pages are HTML, no client reads their types, and it keeps `typeof app`
 * (src/index.ts) from depending on the client types built from it.
 */
export function dashboardRoutes(api: Parameters<typeof guards>[0]): OpenAPIHono<AppContext> {
  const app = newRouter();
  const { page, action } = guards(api);
  // Before the routes, so it wraps every dashboard answer.
  for (const path of DASHBOARD_PATHS) app.use(path, dashboardHeaders);

  app.get("/assets/app.css", (c) => {
    c.header("content-type", "text/css; charset=utf-8");
    c.header("cache-control", "public, max-age=300");
    return c.body(APP_CSS);
  });
  app.get("/assets/copy.js", (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "public, max-age=300");
    return c.body(COPY_JS);
  });

  app.get("/", async (c) => {
    const s = await readSession(c);
    return c.redirect(s?.token ? "/webhooks" : "/sign-in", 303);
  });

  // ---- Sign in / out -------------------------------------------------------
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
    await endSession(c, s);
    return c.redirect("/sign-in?notice=signed-out", 303);
  });

  app.post(
    "/namespace",
    action(async (d, form) => {
      if (!d.session.admin) return d.c.redirect("/webhooks", 303);
      const namespace = field(form, "namespace").trim();
      const refused = namespace ? await checkAccess(api, d.c, d.session.token, namespace) : { namespace: ["Name a namespace."] };
      if (refused) return listPage(d, Object.values(refused).flat().join(" "));
      await writeSession(d.c, { ...d.session, namespace });
      return d.c.redirect("/webhooks", 303);
    }),
  );

  // ---- Webhooks --------------------------------------------------------------
  async function listPage(d: Dash, error?: string): Promise<Response> {
    const cursor = d.c.req.query("cursor") ?? "";
    const r = await result(await hooks(d).$get({ param: nsParam(d), query: { limit: "50", cursor: cursor || undefined } }));
    if (!r.ok) {
      if (r.status === 401) return signedOut(d.c);
      return html(d.c, <WebhookListPage me={meOf(d)} rows={[]} nextCursor={null} isFirstPage={true} error={r.error.message} />, r.status);
    }
    // One stats call per webhook on the page (each one D1 batch, read only).
    const healths = await Promise.all(r.data.data.map(async (w) => result(await hookOf(d).stats.$get({ param: idParam(d, w.id) }))));
    const rows = r.data.data.map((webhook, i) => {
      const h = healths[i];
      return { webhook, health: h?.ok ? h.data : null };
    });
    return html(d.c, <WebhookListPage me={meOf(d)} rows={rows} nextCursor={r.data.next_cursor} isFirstPage={!cursor} notice={notice(d.c)} error={error} />);
  }

  function signedOut(c: Ctx): Response {
    clearSession(c);
    return c.redirect("/sign-in", 303);
  }

  app.get("/webhooks", page((d) => listPage(d)));

  app.get(
    "/webhooks/new",
    page(async (d) => {
      const catalog = await eventTypes(d.api);
      return html(d.c, <WebhookFormPage me={meOf(d)} mode="create" values={emptyWebhookForm} eventTypes={catalog} errors={{}} />);
    }),
  );

  app.post(
    "/webhooks",
    action(async (d, form) => {
      const values = formValues(form);
      const body = createBody(values, d.c.get("requestId"));
      const r = body.ok ? await result(await hooks(d).$post({ param: nsParam(d), json: body.body })) : body;
      if (!r.ok) return formError(d, "create", values, r.error, r.status);
      // The secret is in this answer only: shown now, never stored by the dashboard.
      return html(d.c, <SecretPage me={meOf(d)} webhook={r.data} secret={r.data.secret} created={true} />, 201);
    }),
  );

  async function formError(d: Dash, mode: "create" | "edit", values: WebhookFormValues, error: ApiErrorBody, status: number, hook?: Webhook) {
    if (status === 401) return signedOut(d.c);
    const { byField } = fieldErrors(error, FORM_FIELDS);
    const catalog = await eventTypes(d.api);
    return html(
      d.c,
      <WebhookFormPage
        me={meOf(d)}
        mode={mode}
        webhookId={hook?.id}
        webhookName={hook?.name}
        values={values}
        eventTypes={catalog}
        errors={byField}
        error={error}
      />,
      status,
    );
  }

  /** The webhook, or the response to give when it cannot be read. */
  async function loadWebhook(d: Dash, id: string): Promise<Webhook | Response> {
    const r = await result(await hookOf(d).$get({ param: idParam(d, id) }));
    if (r.ok) return r.data;
    if (r.status === 401) return signedOut(d.c);
    return notFoundPage(d, r.error);
  }

  function notFoundPage(d: Dash, error: ApiErrorBody): Response {
    return html(d.c, <NotFoundPage me={meOf(d)} message={error.message} />, 404);
  }

  async function webhookPage(d: Dash, id: string, extra: { error?: ApiErrorBody; status?: number } = {}): Promise<Response> {
    const q = d.c.req.query();
    const status = DELIVERY_FILTERS.find((s) => s === q.status) ?? "";
    const cursor = q.cursor ?? "";
    const param = idParam(d, id);
    const [hook, health, activity, list, pingDelivery, catalog] = await Promise.all([
      hookOf(d).$get({ param }).then(result),
      hookOf(d).stats.$get({ param }).then(result),
      hookOf(d).stats.hourly.$get({ param }).then(result),
      hookOf(d).deliveries.$get({ param, query: { limit: String(DELIVERIES_PER_PAGE), status: status || undefined, cursor: cursor || undefined } }).then(result),
      q.ping ? deliveries(d)[":id"].$get({ param: idParam(d, q.ping) }).then(result) : Promise.resolve(null),
      eventTypes(d.api),
    ]);
    if (!hook.ok) return hook.status === 401 ? signedOut(d.c) : notFoundPage(d, hook.error);
    const ping: PingResult = pingDelivery ? (pingDelivery.ok ? { delivery: pingDelivery.data } : { error: pingDelivery.error }) : null;
    return html(
      d.c,
      <WebhookPage
        me={meOf(d)}
        webhook={hook.data}
        health={health.ok ? health.data : null}
        activity={activity.ok ? activity.data : null}
        deliveries={list.ok ? list.data.data : []}
        nextCursor={list.ok ? list.data.next_cursor : null}
        status={status}
        cursor={cursor}
        ping={ping}
        exampleTypes={catalog.filter((t) => t.formats.includes(hook.data.format)).map((t) => t.name)}
        notice={notice(d.c)}
        error={extra.error ?? (list.ok ? undefined : list.error)}
      />,
      extra.status,
    );
  }

  app.get("/webhooks/:id", page((d) => webhookPage(d, d.c.req.param("id") ?? "")));

  app.get(
    "/webhooks/:id/edit",
    page(async (d) => {
      const hook = await loadWebhook(d, d.c.req.param("id") ?? "");
      if (hook instanceof Response) return hook;
      const catalog = await eventTypes(d.api);
      return html(d.c, <WebhookFormPage me={meOf(d)} mode="edit" webhookId={hook.id} webhookName={hook.name} values={valuesOf(hook, catalog)} eventTypes={catalog} errors={{}} />);
    }),
  );

  app.post(
    "/webhooks/:id",
    action(async (d, form) => {
      const id = d.c.req.param("id") ?? "";
      const values = formValues(form);
      const body = updateBody(values, d.c.get("requestId"));
      const r = body.ok ? await result(await hookOf(d).$patch({ param: idParam(d, id), json: body.body })) : body;
      if (r.ok) return d.c.redirect(`/webhooks/${seg(id)}?notice=saved`, 303);
      const hook = await loadWebhook(d, id);
      if (hook instanceof Response) return hook;
      return formError(d, "edit", values, r.error, r.status, hook);
    }),
  );

  app.get(
    "/webhooks/:id/delete",
    page(async (d) => {
      const hook = await loadWebhook(d, d.c.req.param("id") ?? "");
      if (hook instanceof Response) return hook;
      return html(d.c, <DeletePage me={meOf(d)} webhook={hook} />);
    }),
  );

  app.post(
    "/webhooks/:id/delete",
    action(async (d) => {
      const id = d.c.req.param("id") ?? "";
      const r = await outcome(await hookOf(d).$delete({ param: idParam(d, id) }));
      if (r.ok) return d.c.redirect("/webhooks?notice=deleted", 303);
      return webhookPage(d, id, { error: r.error, status: r.status });
    }),
  );

  app.post(
    "/webhooks/:id/ping",
    action(async (d) => {
      const id = d.c.req.param("id") ?? "";
      // wait=true: the API answers once the attempt has finished (200), or 202 if it takes longer.
      const r = await result(await hookOf(d).ping.$post({ param: idParam(d, id), query: { wait: "true" } }));
      if (!r.ok) return webhookPage(d, id, { error: r.error, status: r.status });
      return d.c.redirect(`/webhooks/${seg(id)}?ping=${seg(r.data.delivery_id)}#ping-result`, 303);
    }),
  );

  app.post(
    "/webhooks/:id/example",
    action(async (d, form) => {
      const id = d.c.req.param("id") ?? "";
      const r = await result(await hookOf(d).test.$post({ param: idParam(d, id), query: { wait: "true" }, json: { type: field(form, "type") } }));
      if (!r.ok) return webhookPage(d, id, { error: r.error, status: r.status });
      return d.c.redirect(`/webhooks/${seg(id)}?ping=${seg(r.data.delivery_id)}#ping-result`, 303);
    }),
  );

  app.post(
    "/webhooks/:id/rotate-secret",
    action(async (d) => {
      const id = d.c.req.param("id") ?? "";
      const r = await result(await hookOf(d)["rotate-secret"].$post({ param: idParam(d, id), json: {} }));
      if (!r.ok) return webhookPage(d, id, { error: r.error, status: r.status });
      return html(d.c, <SecretPage me={meOf(d)} webhook={r.data} secret={r.data.secret} created={false} previousExpires={r.data.previous_secret_expires_at} />);
    }),
  );

  app.post(
    "/webhooks/:id/enable",
    action(async (d) => {
      const id = d.c.req.param("id") ?? "";
      const r = await result(await hookOf(d).$patch({ param: idParam(d, id), json: { active: true } }));
      if (!r.ok) return webhookPage(d, id, { error: r.error, status: r.status });
      return d.c.redirect(`/webhooks/${seg(id)}?notice=enabled`, 303);
    }),
  );

  // ---- Deliveries -------------------------------------------------------------
  async function deliveryPage(d: Dash, id: string, extra: { error?: ApiErrorBody; status?: number } = {}): Promise<Response> {
    const r = await result(await deliveries(d)[":id"].$get({ param: idParam(d, id) }));
    if (!r.ok) return r.status === 401 ? signedOut(d.c) : notFoundPage(d, r.error);
    const hook = await result(await hookOf(d).$get({ param: idParam(d, r.data.webhook_id) }));
    return html(
      d.c,
      <DeliveryPage me={meOf(d)} delivery={r.data} webhookName={hook.ok ? hook.data.name : null} notice={notice(d.c)} error={extra.error} />,
      extra.status,
    );
  }

  app.get("/deliveries/:id", page((d) => deliveryPage(d, d.c.req.param("id") ?? "")));

  app.post(
    "/deliveries/:id/redeliver",
    action(async (d) => {
      const id = d.c.req.param("id") ?? "";
      const r = await result(await deliveries(d)[":id"].redeliver.$post({ param: idParam(d, id) }));
      if (!r.ok) return deliveryPage(d, id, { error: r.error, status: r.status });
      return d.c.redirect(`/deliveries/${seg(r.data.delivery_id)}?notice=redelivered`, 303);
    }),
  );
  return app;
}
