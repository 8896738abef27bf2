/**
 * One error shape everywhere:
 * `{ "error": { "code", "message", "details"?, "request_id" } }`.
 * Routes throw ApiError; `errorResponse` is the one place that renders it.
 */
import { z } from "@hono/zod-openapi";

export const errorStatus = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  event_id_conflict: 409,
  webhook_disabled: 409,
  not_polling: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  unknown_event_type: 422,
  url_not_allowed: 422,
  too_many_requests: 429,
  limit_exceeded: 422,
  invalid_cursor: 422,
  rate_limited: 429,
  internal_error: 500,
  misconfigured: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type ErrorDetail = { path: string; message: string };

export class ApiError extends Error {
  readonly status: (typeof errorStatus)[ErrorCode];
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers (Retry-After on 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

/** The code an HTTP status stands for, for refusals that come with a status only (Hono's HTTPException). */
export function codeForStatus(status: number): ErrorCode {
  const codes = Object.keys(errorStatus) as ErrorCode[];
  // The first code listed for a status is its general one (conflict before event_id_conflict).
  return codes.find((c) => errorStatus[c] === status) ?? (status >= 500 ? "internal_error" : "bad_request");
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

export function errorBody(err: ApiError, requestId: string) {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
      request_id: requestId,
    },
  };
}

/**
 * Turns zod issues into `details`, paths joined with dots. An unknown field
 * (strict bodies) gets one detail per key, at the key's own path.
 */
export function zodDetails(issues: readonly { code?: string; path: PropertyKey[]; message: string; keys?: string[] }[], prefix = ""): ErrorDetail[] {
  const join = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter((p) => p !== "").join(".");
  return issues.flatMap((i) =>
    i.keys?.length ? i.keys.map((k) => ({ path: join([...i.path, k]), message: `unknown field "${k}"` })) : [{ path: join(i.path), message: issueMessage(i) }],
  );
}

/**
 * A field that is missing says "required" rather than zod's "Invalid input:
 * expected string, received undefined". zod v4 drops the issue's input
 * unless asked to report it, so its message is what tells a missing value
 * from a wrong one.
 */
function issueMessage(i: { code?: string; message: string }): string {
  return i.code === "invalid_type" && /received undefined$/.test(i.message) ? "required" : i.message;
}
