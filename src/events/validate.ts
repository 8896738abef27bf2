/** Checks a published event against the catalog; returns the canonical type name. */
import { ApiError, zodDetails } from "../errors";
import { eventCatalog, resolveEventType } from "./catalog";

export function validateEvent(type: string, data: unknown): { type: string; data: unknown } {
  const def = resolveEventType(type);
  if (!def || def.operational) {
    const why = def ? `"${type}" is emitted only by the dispatcher` : `Unknown event type "${type}"`;
    throw new ApiError("unknown_event_type", `${why}. GET /v1/event-types lists the ${eventCatalog.length} known types.`, [
      { path: "type", message: def ? "reserved for the dispatcher" : "unknown event type" },
    ]);
  }
  // `data` is required by the route's schema; null is judged as sent (not an object), never replaced by {}.
  const parsed = (def.schemaFor?.(data) ?? def.schema).safeParse(data);
  if (!parsed.success) {
    throw new ApiError("validation_failed", `The data does not match the ${def.name} schema.`, zodDetails(parsed.error.issues, "data"));
  }
  // The payload goes out as sent (open maps): validation never rewrites it.
  return { type: def.name, data };
}
