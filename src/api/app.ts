/**
 * The HTTP application: request ids, the one error renderer, auth on /v1,
 * and the route modules. Routes stay thin: validate, call the domain, shape.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ApiError, errorBody, zodDetails } from "../errors";
import type { AppContext } from "./context";
import { requireAuth } from "./auth";
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
  } else if (err instanceof HTTPException && err.status < 500) {
    apiError = new ApiError("bad_request", err.message || "Bad request.");
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
  app.use("/v1/*", requireAuth);
  app.onError((err, c) => {
    const { status, body } = renderError(err, c.get("requestId") ?? "unknown");
    return c.json(body, status as 400);
  });
  app.notFound((c) => {
    const { status, body } = renderError(new ApiError("not_found", "No such route."), c.get("requestId") ?? "unknown");
    return c.json(body, status as 404);
  });
  mount(app);
  return app;
}
