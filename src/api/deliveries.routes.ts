import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { getDelivery } from "../delivery/log";
import { redeliver } from "../delivery/redeliver";
import { DeliveryDetail, RedeliverAccepted } from "../delivery/schemas";
import { ApiError } from "../errors";
import { parseDeliveryId } from "../ids";
import { authorize } from "./auth";
import type { AppContext } from "./context";
import { errorResponses, jsonResponse } from "./openapi-helpers";

export const DeliveryParams = z.object({
  ns: z.string().openapi({ param: { name: "ns", in: "path" } }),
  id: z.string().max(32).openapi({ param: { name: "id", in: "path" }, example: "dlv_1a" }),
});

export function deliverySeqOf(id: string): number {
  const seq = parseDeliveryId(id);
  if (seq === null) throw new ApiError("not_found", "No such delivery.");
  return seq;
}

export function mountDeliveryRoutes(app: OpenAPIHono<AppContext>) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/deliveries/{id}",
      tags: ["Deliveries"],
      summary: "Get a delivery with every attempt",
      request: { params: DeliveryParams },
      responses: { 200: jsonResponse(DeliveryDetail, "The delivery and its attempts, oldest first."), ...errorResponses("forbidden", "not_found") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read");
      return c.json(await getDelivery(c.env, ns, deliverySeqOf(id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/namespaces/{ns}/deliveries/{id}/redeliver",
      tags: ["Deliveries"],
      summary: "Redeliver a delivery",
      description:
        "Sends the same event to the same webhook again now: same event id (`webhook-id`), new timestamp, fresh signature. " +
        "The attempt is marked `manual`; if it fails the delivery ends `failed` without automatic retries. " +
        "A pending delivery may be redelivered (its next attempt happens now, as a manual one), " +
        "except while an attempt of it is running (409 `conflict`).",
      request: { params: DeliveryParams },
      responses: {
        202: jsonResponse(RedeliverAccepted, "Queued."),
        ...errorResponses("forbidden", "not_found", "webhook_disabled", "conflict"),
      },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:write");
      return c.json(await redeliver(c.env, ns, deliverySeqOf(id)), 202);
    },
  );
}
