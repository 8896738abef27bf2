import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { getDelivery } from "../delivery/log";
import { DeliveryDetail } from "../delivery/schemas";
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
}
