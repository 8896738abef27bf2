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

/** Every route can answer these. */
const ALWAYS: ErrorCode[] = ["unauthorized", "internal_error", "misconfigured"];

/** The error responses of a route, each status listing the codes it may carry. */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, ...ALWAYS]) {
    const s = errorStatus[code];
    byStatus.set(s, [...(byStatus.get(s) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `Error; \`error.code\` is one of: ${list.map((c) => `\`${c}\``).join(", ")}.`,
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}
