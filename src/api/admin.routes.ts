import { createRoute, z } from "@hono/zod-openapi";
import { pruneExpired } from "../delivery/retention";
import { resetUsage, usage } from "../usage";
import { authorize } from "./auth";
import { newRouter } from "./router";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";

const PruneRequest = z
  .strictObject({ now: z.number().int().positive().optional().openapi({ description: "Run as if it were this time (ms since epoch); default now." }) })
  .openapi("RetentionPruneRequest");
const PruneResult = z.object({ events: z.number(), deliveries: z.number(), attempts: z.number() }).openapi("RetentionPruneResult");

const Usage = z.object(Object.fromEntries(Object.keys(usage).map((k) => [k, z.number()]))).openapi("Usage");

export const adminRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/usage",
      tags: ["Admin"],
      operationId: "getUsage",
      summary: "Billable usage counted by this isolate since start or reset",
      description: "D1 figures are D1's own `meta`, summed where the queries run. Used by the benchmark.",
      responses: { 200: jsonResponse(Usage, "Counters."), ...errorResponses("forbidden") },
    }),
    (c) => {
      authorize(c.get("principal"), null, "admin");
      return c.json({ ...usage }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/usage/reset",
      tags: ["Admin"],
      operationId: "resetUsage",
      summary: "Reset the usage counters",
      description:
        "Sets every usage counter of this isolate back to zero (admin token). Benchmarks call it before a run.",
      responses: { 204: { description: "Reset." }, ...errorResponses("forbidden") },
    }),
    (c) => {
      authorize(c.get("principal"), null, "admin");
      resetUsage();
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/retention/prune",
      tags: ["Admin"],
      operationId: "pruneRetention",
      summary: "Run one retention pass now",
      description:
        "What the Cron Trigger runs each minute, bounded the same way. `now` lets the benchmark measure the rows a later " +
        "prune deletes (a delete is a billed write) without waiting RETENTION_DAYS.",
      request: { body: jsonBody(PruneRequest) },
      responses: { 200: jsonResponse(PruneResult, "Rows removed by this pass."), ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "validation_failed") },
    }),
    async (c) => {
      authorize(c.get("principal"), null, "admin");
      const { now } = c.req.valid("json");
      return c.json(await pruneExpired(c.env, now), 200);
    },
  );
