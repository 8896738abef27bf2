/**
 * The one factory of route modules and of the app: every `OpenAPIHono` shares
 * the hook that turns a zod validation failure into our error shape
 * (`validation_failed`, src/errors.ts).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { ApiError, zodDetails } from "../errors";
import type { AppContext } from "./context";

export function newRouter() {
  return new OpenAPIHono<AppContext>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "json" ? "" : result.target === "query" ? "query" : "";
        throw validationFailed(result.error.issues, where);
      }
    },
  });
}

/** The answer to a request that fails its route's schema (also what the dashboard shows for a form that would). */
export function validationFailed(issues: Parameters<typeof zodDetails>[0], where = ""): ApiError {
  return new ApiError("validation_failed", "The request is not valid.", zodDetails(issues, where));
}
