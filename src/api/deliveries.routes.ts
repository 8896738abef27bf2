import { createRoute, z } from "@hono/zod-openapi";
import { getDelivery, isDeliveryCursor } from "../delivery/log";
import { redeliver } from "../delivery/redeliver";
import { DeliveryDetail, DeliverySearchQuery, DeliverySummary, RedeliverAccepted } from "../delivery/schemas";
import { searchDeliveries } from "../delivery/search";
import { ApiError } from "../errors";
import { parseDeliveryId } from "../ids";
import { NamespaceParam } from "../webhooks/schemas";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, jsonResponse } from "./openapi-helpers";
import { decodeCursor, encodeCursor, PageQuery, pageSchema } from "./pagination";
import { enforceRateLimit } from "../tenants/limits";

export const DeliveryParams = z.object({
  ns: z.string().openapi({ param: { name: "ns", in: "path" } }),
  id: z.string().max(32).openapi({ param: { name: "id", in: "path" }, example: "dlv_1a" }),
});

export function deliverySeqOf(id: string): number {
  const seq = parseDeliveryId(id);
  if (seq === null) throw new ApiError("not_found", "No such delivery.");
  return seq;
}

export const deliveryRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/deliveries",
      tags: ["Deliveries"],
      operationId: "listDeliveries",
      summary: "Find deliveries across the namespace's webhooks",
      description:
        "Newest first, filtered by `status`, `event_type`, `webhook_id` and the creation time (`since` inclusive, `until` exclusive). " +
        "Served through the index over (webhook_id, created_at), webhook by webhook, never by scanning the table.",
      request: { params: NamespaceParam, query: PageQuery.merge(DeliverySearchQuery) },
      responses: {
        200: jsonResponse(pageSchema(DeliverySummary), "A page of deliveries."),
        ...errorResponses("forbidden", "not_found", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      const q = c.req.valid("query");
      const page = await searchDeliveries(c.env, ns, {
        limit: q.limit,
        status: q.status,
        eventType: q.event_type,
        webhookId: q.webhook_id,
        since: q.since === undefined ? undefined : Date.parse(q.since),
        until: q.until === undefined ? undefined : Date.parse(q.until),
        cursor: decodeCursor(q.cursor, isDeliveryCursor),
      });
      return c.json({ data: page.data, next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/deliveries/{id}",
      tags: ["Deliveries"],
      operationId: "getDelivery",
      summary: "Get a delivery with every attempt",
      description:
        "The delivery and every attempt: trigger, timing, the receiver's status, headers and (truncated) body, or the network error. Needs `webhooks:read`.",
      request: { params: DeliveryParams },
      responses: {
        200: jsonResponse(DeliveryDetail, "The delivery and its attempts, oldest first."),
        ...errorResponses("forbidden", "not_found", "validation_failed"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      return c.json(await getDelivery(c.env, ns, deliverySeqOf(id)), 200);
    },
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/deliveries/{id}/redeliver",
      tags: ["Deliveries"],
      operationId: "redeliverDelivery",
      summary: "Redeliver a delivery",
      description:
        "Sends the same event to the same webhook again now: same event id (`webhook-id`), new timestamp, fresh signature. " +
        "The attempt is marked `manual`; if it fails the delivery ends `failed` without automatic retries. " +
        "A pending delivery may be redelivered (its next attempt happens now, as a manual one), " +
        "except while an attempt of it is running (409 `conflict`).",
      request: { params: DeliveryParams },
      responses: {
        202: jsonResponse(RedeliverAccepted, "Queued."),
        ...errorResponses("forbidden", "not_found", "webhook_disabled", "conflict", "rate_limited"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write");
      await enforceRateLimit(c.env, "owner_action", ns);
      return c.json(await redeliver(c.env, ns, deliverySeqOf(id)), 202);
    },
  );
