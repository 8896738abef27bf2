/**
 * The API paths the dashboard calls, on the signed-in user's typed client:
 * path params (`hc` puts them into the path as given, hence `seg`) and the
 * event catalog the forms offer.
 */
import { result, seg, type ApiClient } from "./api-client";
import type { Dash } from "./session";
import type { EventType } from "./types";

export const nsParam = (d: Dash) => ({ ns: seg(d.session.namespace) });
export const idParam = (d: Dash, id: string) => ({ ns: seg(d.session.namespace), id: seg(id) });
export const hooks = (d: Dash) => d.api.v1.namespaces[":ns"].webhooks;
export const hookOf = (d: Dash) => hooks(d)[":id"];
export const deliveries = (d: Dash) => d.api.v1.namespaces[":ns"].deliveries;

export async function eventTypes(api: ApiClient): Promise<EventType[]> {
  const r = await result(await api.v1["event-types"].$get());
  return r.ok ? r.data.data : [];
}
