/**
 * Create and edit a webhook: the form, and its POST sent to the API; the
 * API's refusal shows at the fields with the input kept. The secret of a new
 * webhook is shown in the answer to the POST only, never stored here.
 */
import { result, seg, type ApiErrorBody } from "./api-client";
import { eventTypes, hookOf, hooks, idParam, nsParam } from "./api-paths";
import { html, meOf, notFoundPage, signedOut, type DashRouter, type Guards } from "./page-response";
import type { Dash } from "./session";
import type { Webhook } from "./types";
import { fieldErrors } from "./view";
import { emptyWebhookForm, FORM_FIELDS, WebhookFormPage, type WebhookFormValues } from "./webhook-form-page";
import { createBody, formValues, updateBody, valuesOf } from "./webhook-form-body";
import { SecretPage } from "./webhook-other-pages";

/** The webhook, or the response to give when it cannot be read. */
export async function loadWebhook(d: Dash, id: string): Promise<Webhook | Response> {
  const r = await result(await hookOf(d).$get({ param: idParam(d, id) }));
  if (r.ok) return r.data;
  if (r.status === 401) return signedOut(d.c);
  return notFoundPage(d, r.error);
}

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

/** Registered before webhookDetailRoutes: GET /webhooks/new must win over /webhooks/:id. */
export function webhookFormRoutes(app: DashRouter, { page, action }: Guards): void {
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
}
