/** Endpoint health: a webhook's delivery statistics over 24 hours and 7 days. */
import { createRoute } from "@hono/zod-openapi";
import { webhookActivity, WebhookActivitySchema } from "../webhooks/activity";
import { WebhookHealthSchema, webhookHealth } from "../webhooks/health";
import { WebhookParams } from "../webhooks/schemas";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, jsonResponse } from "./openapi-helpers";

export const healthRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/webhooks/{id}/stats",
      tags: ["Webhooks"],
      operationId: "getWebhookStats",
      summary: "Endpoint health",
      description:
        "Deliveries created in the last 24 hours and 7 days: counts by status, success rate, p50/p95 response time; " +
        "the last success and failure, and the current run of consecutive failures. Read from the index over " +
        "(webhook_id, created_at): cost grows with this webhook's deliveries of the week, never with the table.",
      request: { params: WebhookParams },
      responses: { 200: jsonResponse(WebhookHealthSchema, "The webhook's health."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read", id);
      return c.json(await webhookHealth(c.env, ns, id), 200);
    },
  )

  .openapi(
    createRoute({
      method: "get",
      path: "/v1/namespaces/{ns}/webhooks/{id}/stats/hourly",
      tags: ["Webhooks"],
      operationId: "getWebhookHourlyStats",
      summary: "Deliveries per hour, last 7 days",
      description:
        "For each of the last 168 hours: deliveries created by outcome (succeeded, failed, pending) and the p95 " +
        "response time. One aggregate over the index (webhook_id, created_at); what the dashboard's chart draws.",
      request: { params: WebhookParams },
      responses: { 200: jsonResponse(WebhookActivitySchema, "The hours, oldest first."), ...errorResponses("forbidden", "not_found", "validation_failed") },
    }),
    async (c) => {
      const { ns, id } = c.req.valid("param");
      authorize(c.get("principal"), ns, "webhooks:read", id);
      return c.json(await webhookActivity(c.env, ns, id), 200);
    },
  );
