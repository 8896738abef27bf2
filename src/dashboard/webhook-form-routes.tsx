/**
 * Create and edit a webhook: the form, and its POST sent to the API; the
 * API's refusal shows at the fields with the input kept. The secret of a new
 * webhook is shown in the answer to the POST only, never stored here. The
 * form offers the events its format carries; "Show the chosen format's
 * events" (a submit button, pressed by format-events.js on change) brings it
 * back for another format without sending it to the API.
 */
import { result, seg, type ApiErrorBody } from "./api-client";
import { eventTypes, hookOf, hooks, idParam, nsParam } from "./api-paths";
import { coveredBy } from "../portal/event-scope";
import { html, meOf, notFoundPage, signedOut, type DashRouter, type Guards } from "./page-response";
import { eventsForFormat } from "./event-checkboxes";
import { field, type Dash } from "./session";
import type { Webhook } from "./types";
import { fieldErrors, type FieldErrors } from "./view";
import { destinationErrors } from "./destination-fields";
import { emptyWebhookForm, FORM_FIELDS, knownFormat, WebhookFormPage, type WebhookFormValues } from "./webhook-form-page";
import { config } from "../config";
import { createBody, formValues, updateBody, valuesOf } from "./webhook-form-body";
import { SecretPage } from "./webhook-other-pages";

/** The webhook, or the response to give when it cannot be read. */
export async function loadWebhook(d: Dash, id: string): Promise<Webhook | Response> {
  const r = await result(await hookOf(d).$get({ param: idParam(d, id) }));
  if (r.ok) return r.data;
  if (r.status === 401) return signedOut(d.c);
  return notFoundPage(d, r.error);
}

type FormPageOpts = { hook?: Webhook; errors?: FieldErrors; error?: ApiErrorBody; status?: number; formatChanged?: boolean };

/** The catalog, narrowed for a portal session to the events its link allows (the API refuses the others). */
async function offeredTypes(d: Dash) {
  const all = await eventTypes(d.api);
  const allowed = d.portal?.eventTypes;
  return allowed ? all.filter((t) => coveredBy(t.name, allowed)) : all;
}

/** The form, offering the events its format carries; ticked ones it does not carry are unticked and named. */
async function formPage(d: Dash, mode: "create" | "edit", values: WebhookFormValues, opts: FormPageOpts = {}): Promise<Response> {
  const catalog = await offeredTypes(d);
  const allowed = d.portal?.eventTypes ?? null;
  const { kept, dropped } = eventsForFormat(values.events, values.format, catalog);
  return html(
    d.c,
    <WebhookFormPage
      me={meOf(d)}
      mode={mode}
      webhookId={opts.hook?.id}
      webhookName={opts.hook?.name}
      values={{ ...values, events: kept }}
      eventTypes={catalog}
      errors={opts.errors ?? {}}
      error={opts.error}
      dropped={dropped}
      formatChanged={opts.formatChanged}
      allowedPatterns={allowed}
    />,
    opts.status,
  );
}

async function formError(d: Dash, mode: "create" | "edit", values: WebhookFormValues, error: ApiErrorBody, status: number, hook?: Webhook) {
  if (status === 401) return signedOut(d.c);
  const errors = { ...fieldErrors(error, FORM_FIELDS).byField, ...destinationErrors(values.destination.type, error.details ?? []) };
  return formPage(d, mode, values, { hook, errors, error, status });
}

/** A `?format=` on the form's URL chooses the format it opens with (a link, or a GET without script). */
const queryFormat = (d: Dash) => knownFormat(d.c.req.query("format"));

/** Registered before webhookDetailRoutes: GET /webhooks/new must win over /webhooks/:id. */
export function webhookFormRoutes(app: DashRouter, { page, action }: Guards): void {
  app.get(
    "/webhooks/new",
    page((d) => formPage(d, "create", { ...emptyWebhookForm, format: queryFormat(d) ?? emptyWebhookForm.format }), { changes: true }),
  );

  app.post(
    "/webhooks",
    action(async (d, form) => {
      const values = formValues(form);
      if (field(form, "show_events")) return formPage(d, "create", values, { formatChanged: true });
      const body = createBody(values, d.c.get("requestId"), config(d.c.env).guard);
      const r = body.ok ? await result(await hooks(d).$post({ param: nsParam(d), json: body.body })) : body;
      if (!r.ok) return formError(d, "create", values, r.error, r.status);
      // The secret is in this answer only: shown now, never stored by the dashboard.
      return html(d.c, <SecretPage me={meOf(d)} webhook={r.data} secret={r.data.secret} created={true} />, 201);
    }),
  );

  app.get(
    "/webhooks/:id/edit",
    page(async (d) => {
      const hook = await loadWebhook(d, d.c.req.param("id") ?? "");
      if (hook instanceof Response) return hook;
      const values = valuesOf(hook, await offeredTypes(d));
      return formPage(d, "edit", { ...values, format: queryFormat(d) ?? values.format }, { hook });
    }, { changes: true }),
  );

  app.post(
    "/webhooks/:id",
    action(async (d, form) => {
      const id = d.c.req.param("id") ?? "";
      const values = formValues(form);
      if (field(form, "show_events")) {
        const hook = await loadWebhook(d, id);
        return hook instanceof Response ? hook : formPage(d, "edit", values, { hook, formatChanged: true });
      }
      const body = updateBody(values, d.c.get("requestId"), config(d.c.env).guard);
      const r = body.ok ? await result(await hookOf(d).$patch({ param: idParam(d, id), json: body.body })) : body;
      if (r.ok) return d.c.redirect(`/webhooks/${seg(id)}?notice=saved`, 303);
      const hook = await loadWebhook(d, id);
      if (hook instanceof Response) return hook;
      return formError(d, "edit", values, r.error, r.status, hook);
    }),
  );
}
