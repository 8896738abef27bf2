import { z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { base64url } from "../signing/encoding";

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Page size, 1 to 200." }),
  cursor: z.string().max(512).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

export function encodeCursor(value: unknown): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

export function decodeCursor<T>(cursor: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const v: unknown = JSON.parse(json);
    if (check(v)) return v;
  } catch {
    // fall through to the error below
  }
  throw new ApiError("validation_failed", "The cursor is not valid.", [{ path: "cursor", message: "not a cursor from this API" }]);
}

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
