/**
 * Payload filters: a webhook's optional `filter` narrows the events it gets
 * beyond their type. Keys are dotted paths into the event's `data` (no
 * `data.` prefix); a value is a string (exact, or a glob where `*` matches any
 * run of characters), a number, a boolean, null, or an array of those (any of
 * them matches). Every key must match; a missing path never matches.
 *
 * Matching runs inside the fan-out INSERT (publish.ts) with SQLite's JSON
 * functions, so an event that matches no filter writes no delivery row.
 */
import { z } from "@hono/zod-openapi";
import { W } from "../db/stores/names";
import { ApiError, type ErrorDetail } from "../errors";
import { FILTER_PATH_PATTERN, filterablePathsFor } from "./filter-paths";

export const MAX_FILTER_KEYS = 10;
export const MAX_FILTER_VALUES = 20;
export const MAX_FILTER_STRING = 200;
const MAX_PATH = 200;

export type FilterScalar = string | number | boolean | null;
export type PayloadFilter = Record<string, FilterScalar | FilterScalar[]>;

const scalar = z.union([z.string().max(MAX_FILTER_STRING), z.number().finite(), z.boolean(), z.null()]);

export const PayloadFilterSchema = z
  .record(
    z.string().max(MAX_PATH).regex(FILTER_PATH_PATTERN, "a dotted path of names (letters, digits, _ and -), e.g. pipeline.vcs.branch"),
    z.union([scalar, z.array(scalar).min(1, "list at least one value").max(MAX_FILTER_VALUES)]),
  )
  .refine((f) => Object.keys(f).length <= MAX_FILTER_KEYS, `at most ${MAX_FILTER_KEYS} keys`)
  .refine((f) => Object.keys(f).length >= 1, "name at least one path, or send null to have no filter")
  .openapi("PayloadFilter", {
    description:
      "Only events whose data matches every key are delivered. Keys are dotted paths into the event's data (no `data.` prefix); " +
      "values are a string (`*` matches any run of characters), number, boolean, null, or an array of those (any matches).",
    example: { "pipeline.vcs.branch": "main", "workflow.status": ["failed", "error"] },
  });

/**
 * SQL condition over a webhooks row `w`: true when the webhook has no filter
 * or when every key of it matches the event data bound at `dataParam`
 * (e.g. "?8", the data as stored). Per key, the filter's value (a scalar or
 * each element of an array) is compared with the data's value at the key's
 * path by JSON type, so `1`, `true` and `"1"` stay different; json_type is
 * NULL for a missing path, which therefore matches nothing. Strings compare
 * with GLOB after escaping GLOB's own `[` and `?`, leaving `*` as the wildcard.
 */
export function payloadFilterSql(dataParam: string): string {
  const path = `'$."' || replace(f.key, '.', '"."') || '"'`;
  return `(w.${W.filter} IS NULL OR NOT EXISTS (
    SELECT 1 FROM json_each(w.${W.filter}) f
    WHERE NOT EXISTS (
      SELECT 1 FROM json_each(w.${W.filter}, '$."' || f.key || '"') v
      WHERE CASE v.type
        WHEN 'text' THEN json_type(${dataParam}, ${path}) = 'text'
          AND json_extract(${dataParam}, ${path}) GLOB replace(replace(v.value, '[', '[[]'), '?', '[?]')
        WHEN 'integer' THEN json_type(${dataParam}, ${path}) IN ('integer', 'real') AND json_extract(${dataParam}, ${path}) = v.value
        WHEN 'real' THEN json_type(${dataParam}, ${path}) IN ('integer', 'real') AND json_extract(${dataParam}, ${path}) = v.value
        ELSE json_type(${dataParam}, ${path}) = v.type
      END)))`;
}

/**
 * 422 unless each path exists in at least one of the event types the webhook
 * subscribes to (a typo would otherwise silently drop every event).
 */
export function checkFilterPaths(filter: PayloadFilter | null, eventPatterns: string[]): void {
  if (!filter) return;
  const known = filterablePathsFor(eventPatterns);
  const details: ErrorDetail[] = [];
  for (const key of Object.keys(filter)) {
    if (known.has(key)) continue;
    const hint = key.startsWith("data.") && known.has(key.slice(5)) ? ` (paths start inside data: use "${key.slice(5)}")` : "";
    details.push({ path: `filter.${key}`, message: `no subscribed event type has the path "${key}"${hint}` });
  }
  if (details.length) {
    const names = details.map((d) => `"${d.path.slice("filter.".length)}"`).join(", ");
    throw new ApiError(
      "validation_failed",
      `Filter path(s) ${names} appear in none of the subscribed event types. GET /v1/event-types lists each type's filterable_paths.`,
      details,
    );
  }
}
