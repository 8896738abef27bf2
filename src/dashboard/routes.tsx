/**
 * The dashboard's routes, mounted at `/` beside the API (plain HTML routes,
 * outside /v1). Every page is a typed client of our own /v1 API, called
 * in-process with the signed-in user's token (api-client.ts): auth, scopes, validation
 * and error messages are the API's. Every action is a form POST answered by
 * a redirect (or, where a secret is shown once, by the page itself), so the
 * dashboard works without JavaScript. The routes themselves live in one
 * module per area (*-routes.tsx), registered here in this order.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { newRouter } from "../api/router";
import type { AppContext } from "../api/context";
import { assetRoutes } from "./asset-routes";
import { deliveryRoutes } from "./delivery-routes";
import type { ApiApp } from "./page-response";
import { dashboardHeaders } from "./security-headers";
import { portalRoutes } from "./portal-routes";
import { guards } from "./session";
import { signInRoutes } from "./sign-in-routes";
import { webhookDetailRoutes } from "./webhook-detail-routes";
import { webhookFormRoutes } from "./webhook-form-routes";
import { webhookListRoutes } from "./webhook-list-routes";

/** Every path the dashboard serves (the API under /v1 and /docs have their own headers). */
const DASHBOARD_PATHS = ["/", "/sign-in", "/sign-out", "/namespace", "/webhooks", "/webhooks/*", "/deliveries/*", "/assets/*", "/portal/*"];

/**
 * The dashboard's pages, a sub-app mounted beside the API. `api` is the app
 * that serves /v1 (called in-process). The return type is spelled out: the
 * pages are HTML, no client reads their types, and it keeps `typeof app`
 * (src/index.ts) from depending on the client types built from it.
 */
export function dashboardRoutes(api: ApiApp): OpenAPIHono<AppContext> {
  const app = newRouter();
  const g = guards(api);
  // Before the routes, so it wraps every dashboard answer.
  for (const path of DASHBOARD_PATHS) app.use(path, dashboardHeaders);
  assetRoutes(app);
  portalRoutes(app);
  signInRoutes(app, g, api);
  webhookListRoutes(app, g);
  // The form's /webhooks/new before the detail's /webhooks/:id.
  webhookFormRoutes(app, g);
  webhookDetailRoutes(app, g);
  deliveryRoutes(app, g);
  return app;
}
