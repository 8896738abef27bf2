/** A delivery's page (every attempt) and its Redeliver action. */
import { result, seg, type ApiErrorBody } from "./api-client";
import { deliveries, hookOf, idParam } from "./api-paths";
import { DeliveryPage } from "./delivery-page";
import { html, meOf, notFoundPage, notice, signedOut, type DashRouter, type Guards } from "./page-response";
import type { Dash } from "./session";

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

export function deliveryRoutes(app: DashRouter, { page, action }: Guards): void {
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
}
