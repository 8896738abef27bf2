/** Portal links: one-time URLs that open the dashboard for one namespace (docs/portal.md). */
import { createRoute } from "@hono/zod-openapi";
import { createPortalLink } from "../portal/links";
import { PortalLink, PortalLinkCreate } from "../portal/schemas";
import { NamespaceParam } from "../webhooks/schemas";
import { authorize } from "./auth";
import { errorResponses, JSON_BODY_ERRORS, jsonBody, jsonResponse } from "./openapi-helpers";
import { newRouter } from "./router";

export const portalRoutes = newRouter().openapi(
  createRoute({
    method: "post",
    path: "/v1/namespaces/{ns}/portal-links",
    tags: ["Portal"],
    operationId: "createPortalLink",
    summary: "Create a portal link",
    description:
      "A one-time URL (valid `ttl_seconds`, default 600) that opens the dashboard as a session of this namespace only, for at most 12 hours: " +
      "its webhooks, deliveries, health, ping and redeliver, and nothing of the admin's or of another namespace. " +
      "`read_only` hides every form and refuses every change (403); `event_types` limits what webhooks may subscribe to; " +
      "`branding` is data (a name shown as text, an https logo, a `#rrggbb` colour); `embed_origins` may frame the pages " +
      "(CSP `frame-ancestors`, cookie `SameSite=None; Secure; Partitioned`). A used or expired link answers 410. " +
      "Admin, or a namespace token with the scope `portal:create`.",
    request: { params: NamespaceParam, body: jsonBody(PortalLinkCreate) },
    responses: {
      201: {
        ...jsonResponse(PortalLink, "Created: hand `url` to the customer (or put it in an iframe's src) once."),
        content: {
          "application/json": {
            schema: PortalLink,
            example: { url: "https://webhooks.example.com/portal/pl_4Xb9wQ2mZk7tR1cVn8LpYd.Hq3xM0…", expires_at: "2026-12-07T18:40:00.000Z" },
          },
        },
      },
      ...errorResponses(...JSON_BODY_ERRORS, "forbidden", "not_found", "validation_failed", "unknown_event_type"),
    },
  }),
  async (c) => {
    const { ns } = c.req.valid("param");
    authorize(c.get("principal"), ns, "portal:create");
    return c.json(await createPortalLink(c.env, ns, c.req.valid("json"), new URL(c.req.url).origin), 201);
  },
);
