/**
 * The HTTP application: request ids, the one error renderer, auth on /v1,
 * and the route modules. Routes stay thin: validate, call the domain, shape.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { isTransientD1Error } from "../db/transient";
import { ApiError, errorBody, zodDetails } from "../errors";
import type { AppContext } from "./context";
import { requireAuth } from "./auth";
import { limitRequestBodies } from "./body-limit";
import { checkDeployment } from "./deployment-check";

export function newRouter() {
  return new OpenAPIHono<AppContext>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "json" ? "" : result.target === "query" ? "query" : "";
        throw new ApiError("validation_failed", "The request is not valid.", zodDetails(result.error.issues, where));
      }
    },
  });
}

export function renderError(err: unknown, requestId: string): { status: number; body: ReturnType<typeof errorBody> } {
  let apiError: ApiError;
  if (err instanceof ApiError) apiError = err;
  else if (err instanceof HTTPException && err.status === 400 && /json/i.test(err.message)) {
    apiError = new ApiError("invalid_json", "The request body is not valid JSON.");
  } else if (err instanceof HTTPException && err.status === 413) {
    apiError = new ApiError("payload_too_large", "The request body is too large.");
  } else if (err instanceof HTTPException && err.status === 415) {
    // @hono/zod-openapi's gate for a body sent as anything but JSON.
    apiError = new ApiError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json).");
  } else if (err instanceof HTTPException && err.status < 500) {
    apiError = new ApiError("bad_request", err.message || "Bad request.");
  } else if (isTransientD1Error(err)) {
    console.warn("transient database error", { requestId, error: err instanceof Error ? err.message : String(err) });
    apiError = new ApiError("unavailable", "The service is briefly unavailable. Retry in a few seconds.");
  } else {
    // The detail goes to the log, never to the client.
    console.error("unhandled error", { requestId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    apiError = new ApiError("internal_error", "Something went wrong on our side. Quote the request id if you report it.");
  }
  return { status: apiError.status, body: errorBody(apiError, requestId) };
}

export function buildApp(mount: (app: OpenAPIHono<AppContext>) => void) {
  const app = newRouter();
  app.use("*", async function requestId(c, next) {
    const id = crypto.randomUUID();
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
    c.res.headers.set("x-request-id", id);
  });
  app.use("*", async function deployment(c, next) {
    checkDeployment(c.env);
    await next();
  });
  app.use("*", limitRequestBodies);
  app.use("/v1/*", requireAuth);
  app.onError((err, c) => {
    if (err instanceof ApiError) for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    const { status, body } = renderError(err, c.get("requestId") ?? "unknown");
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    // A known path asked with another method is 405 with Allow, not 404.
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length) c.header("allow", allowed.join(", "));
    const err = allowed.length
      ? new ApiError("method_not_allowed", `This path answers ${allowed.join(", ")}.`)
      : new ApiError("not_found", "No such route.");
    const { status, body } = renderError(err, c.get("requestId") ?? "unknown");
    return c.json(body, status as 404);
  });
  mount(app);
  return app;
}

/** The methods routed for a concrete path (middleware and wildcards aside). */
function allowedMethods(app: OpenAPIHono<AppContext>, path: string): string[] {
  const methods = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path.includes("*")) continue;
    const pattern = new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z0-9_]+/g, "[^/]+")}/?$`);
    if (pattern.test(path)) methods.add(r.method);
  }
  return [...methods].sort();
}
