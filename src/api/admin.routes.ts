import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { resetUsage, usage } from "../usage";
import { authorize } from "./auth";
import type { AppContext } from "./context";
import { errorResponses, jsonResponse } from "./openapi-helpers";

const Usage = z.object(Object.fromEntries(Object.keys(usage).map((k) => [k, z.number()]))).openapi("Usage");

export function mountAdminRoutes(app: OpenAPIHono<AppContext>) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/usage",
      tags: ["Admin"],
      summary: "Billable usage counted by this isolate since start or reset",
      description: "D1 figures are D1's own `meta`, summed where the queries run. Used by the benchmark.",
      responses: { 200: jsonResponse(Usage, "Counters."), ...errorResponses("forbidden") },
    }),
    (c) => {
      authorize(c.get("principal"), null, "admin");
      return c.json({ ...usage }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/usage/reset",
      tags: ["Admin"],
      summary: "Reset the usage counters",
      responses: { 204: { description: "Reset." }, ...errorResponses("forbidden") },
    }),
    (c) => {
      authorize(c.get("principal"), null, "admin");
      resetUsage();
      return c.body(null, 204);
    },
  );
}
