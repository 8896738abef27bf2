/**
 * A webhook's page (health, activity, its deliveries, the last ping) and the
 * actions on it: delete (after a confirmation page), ping, send an example,
 * rotate the secret (the new one shown once), re-enable.
 */
import { outcome, result, seg, type ApiErrorBody } from "./api-client";
import { deliveries, eventTypes, hookOf, idParam } from "./api-paths";
import { html, meOf, notFoundPage, notice, signedOut, type DashRouter, type Guards } from "./page-response";
import { field, type Dash } from "./session";
import { loadWebhook } from "./webhook-form-routes";
import { subscribes } from "../webhooks/test-events";
import { DeletePage, RotatePage, ROTATION_GRACES, SecretPage } from "./webhook-other-pages";
import { WebhookPage } from "./webhook-page";
import type { PingResult } from "./webhook-panels";

const DELIVERIES_PER_PAGE = 20;
/** The delivery log's status filter, as the route takes it. */
const DELIVERY_FILTERS = ["pending", "succeeded", "failed"] as const;

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
  const sent = q.sent === "example" ? "example" : "ping";
  const ping: PingResult = pingDelivery ? (pingDelivery.ok ? { delivery: pingDelivery.data, sent } : { error: pingDelivery.error }) : null;
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
      exampleTypes={catalog.filter((t) => t.formats.includes(hook.data.format) && subscribes(hook.data.events, t.name)).map((t) => t.name)}
      notice={notice(d.c)}
      error={extra.error ?? (list.ok ? undefined : list.error)}
    />,
    extra.status,
  );
}

export function webhookDetailRoutes(app: DashRouter, { page, action }: Guards): void {
  app.get("/webhooks/:id", page((d) => webhookPage(d, d.c.req.param("id") ?? "")));

  app.get(
    "/webhooks/:id/delete",
    page(async (d) => {
      const hook = await loadWebhook(d, d.c.req.param("id") ?? "");
      if (hook instanceof Response) return hook;
      return html(d.c, <DeletePage me={meOf(d)} webhook={hook} />);
    }, { changes: true }),
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
      return d.c.redirect(`/webhooks/${seg(id)}?ping=${seg(r.data.delivery_id)}&sent=example#ping-result`, 303);
    }),
  );

  app.get(
    "/webhooks/:id/rotate-secret",
    page(async (d) => {
      const hook = await loadWebhook(d, d.c.req.param("id") ?? "");
      if (hook instanceof Response) return hook;
      return html(d.c, <RotatePage me={meOf(d)} webhook={hook} />);
    }, { changes: true }),
  );

  app.post(
    "/webhooks/:id/rotate-secret",
    action(async (d, form) => {
      const id = d.c.req.param("id") ?? "";
      const grace = ROTATION_GRACES.find((g) => String(g.seconds) === field(form, "grace_seconds"))?.seconds ?? ROTATION_GRACES[0].seconds;
      const r = await result(await hookOf(d)["rotate-secret"].$post({ param: idParam(d, id), json: { grace_seconds: grace } }));
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
}
