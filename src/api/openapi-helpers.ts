/** Shared pieces of route definitions: JSON bodies and documented error codes. */
import type { z } from "@hono/zod-openapi";
import { ErrorSchema, errorStatus, type ErrorCode } from "../errors";

export const jsonBody = <T extends z.ZodType>(schema: T, description = "") => ({
  content: { "application/json": { schema } },
  required: true as const,
  description,
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/**
 * Every /v1 route can answer these: no or a bad token, a fault of ours, a
 * deployment without its secrets, and D1 briefly unavailable (the token
 * lookup alone reads D1).
 */
const ALWAYS: ErrorCode[] = ["unauthorized", "internal_error", "misconfigured", "unavailable"];

/** What a route with a JSON body can answer about the body itself, before any field is read. */
export const JSON_BODY_ERRORS: ErrorCode[] = ["invalid_json", "payload_too_large", "unsupported_media_type", "bad_request"];

/** A 429 (`rate_limited`, docs/limits.md) says when to try again. */
const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" as const } } };

/** The error responses of a route, each status listing the codes it may carry. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ALWAYS])) {
    const s = errorStatus[code];
    byStatus.set(s, [...(byStatus.get(s) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `Error; \`error.code\` is one of: ${list.map((c) => `\`${c}\``).join(", ")}.`,
        content: { "application/json": { schema: ErrorSchema } },
        ...(status === 429 ? { headers: RETRY_AFTER } : {}),
      },
    ]),
  );
}
