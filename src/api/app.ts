/**
 * The HTTP application the route modules are mounted on: request ids, the one
 * error renderer, auth on /v1. Routes stay thin: validate, call the domain, shape.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { isTransientD1Error } from "../db/transient";
import { ApiError, codeForStatus, errorBody } from "../errors";
import { loggableError } from "../security/log-safe";
import type { AppContext } from "./context";
import { requireAuth } from "./auth";
import { checkJsonSyntax } from "./json-syntax";
import { limitRequestBodies } from "./body-limit";
import { checkDeployment } from "./deployment-check";
import { newRouter } from "./router";

/** Headers a refusal carries that the client needs (RFC 6750's WWW-Authenticate, Retry-After, Allow). */
const KEPT_HEADERS = ["www-authenticate", "retry-after", "allow"];

export type RenderedError = { status: number; body: ReturnType<typeof errorBody>; headers: Record<string, string> };

/**
 * The one place an error becomes an answer. An HTTPException (thrown by Hono's
 * middleware or by zod-openapi) keeps its status; its code is the one that
 * status stands for, and the headers the client needs survive.
 */
export function renderError(err: unknown, requestId: string): RenderedError {
  let apiError: ApiError;
  let status: number | undefined;
  const headers: Record<string, string> = {};
  // drizzle wraps the driver's error (DrizzleQueryError): a failing shard's 503 (db/shards.ts) is its cause.
  if (!(err instanceof ApiError) && err instanceof Error && err.cause instanceof ApiError) err = err.cause;
  if (err instanceof ApiError) {
    apiError = err;
    Object.assign(headers, err.headers);
  } else if (err instanceof HTTPException && err.status < 500) {
    status = err.status;
    for (const name of KEPT_HEADERS) {
      const value = err.res?.headers.get(name);
      if (value) headers[name] = value;
    }
    apiError = httpExceptionError(err);
  } else if (isTransientD1Error(err)) {
    console.warn("transient database error", { requestId, code: "unavailable", ...loggableError(err) });
    apiError = new ApiError("unavailable", "The service is briefly unavailable. Retry in a few seconds.");
  } else {
    // The detail goes to the log, never to the client; and never a query's parameters (log-safe.ts).
    console.error("unhandled error", { requestId, code: "internal_error", ...loggableError(err) });
    apiError = new ApiError("internal_error", "Something went wrong on our side. Quote the request id if you report it.");
  }
  return { status: status ?? apiError.status, body: errorBody(apiError, requestId), headers };
}

function httpExceptionError(err: HTTPException): ApiError {
  if (err.status === 400 && /json/i.test(err.message)) return new ApiError("invalid_json", "The request body is not valid JSON.");
  if (err.status === 413) return new ApiError("payload_too_large", "The request body is too large.");
  // @hono/zod-openapi's gate for a body sent as anything but JSON.
  if (err.status === 415) return new ApiError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json).");
  const code = codeForStatus(err.status);
  return new ApiError(code, err.message || DEFAULT_MESSAGE[code] || "The request was refused.");
}

const DEFAULT_MESSAGE: Partial<Record<ReturnType<typeof codeForStatus>, string>> = {
  bad_request: "Bad request.",
  unauthorized: "A valid token is needed.",
  forbidden: "This request is not allowed.",
  too_many_requests: "Too many requests. Retry later.",
};

/**
 * A refusal that Hono's middleware wrote as plain text (bearerAuth's
 * messages) becomes the message of the shared error shape.
 */
async function withPlainTextMessage(err: unknown): Promise<unknown> {
  if (!(err instanceof HTTPException) || err.message || !err.res) return err;
  if (!(err.res.headers.get("content-type") ?? "text/plain").startsWith("text/plain")) return err;
  const text = (await err.res.clone().text()).trim();
  return text && text.length <= 200 ? new HTTPException(err.status, { message: text, res: err.res, cause: err }) : err;
}

/**
 * The app without routes: request ids, the deployment check, body limits,
 * auth on /v1 (in that order, before any route), the error renderer and the
 * 404/405 answer. src/index.ts mounts the route modules on it with
 * `app.route()`; their middleware and routes run after these.
 */
export function buildApp() {
  const app = newRouter();
  // Hono's requestId: a caller's own X-Request-Id (up to 255 word characters) is kept, so logs correlate across systems.
  app.use("*", requestId());
  app.use("*", async function deployment(c, next) {
    checkDeployment(c.env);
    await next();
  });
  app.use("*", limitRequestBodies);
  app.use("/v1/*", requireAuth);
  app.use("/v1/*", checkJsonSyntax);
  app.onError(async (err, c) => {
    const { status, body, headers } = renderError(await withPlainTextMessage(err), c.get("requestId") ?? "unknown");
    return c.json(body, status as 400, headers);
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
