/**
 * The paths a payload filter may name, per event type: every scalar leaf of
 * the type's schema (walked as JSON Schema, the same document GET
 * /v1/event-types shows), as dotted paths from the top of `data`. Arrays are
 * not descended into (a filter compares one value per path); a union's
 * branches all contribute (a Puppet build and a Djinn build under one name).
 */
import { z } from "@hono/zod-openapi";
import { eventCatalog, type EventTypeDef } from "./catalog";

/**
 * Segments are names of letters, digits, `_` and `-`: they never need JSON
 * path quoting beyond the plain `"..."` the filter SQL wraps them in, so a
 * key can never break out of the path it builds.
 */
export const FILTER_PATH_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

/** Deep enough for every catalog schema; guards against a recursive $ref. */
const MAX_DEPTH = 8;

function walk(node: JsonSchema, prefix: string, defs: Record<string, JsonSchema>, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (node.$ref?.startsWith("#/$defs/")) {
    const target = defs[node.$ref.slice("#/$defs/".length)];
    if (target) walk(target, prefix, defs, out, depth + 1);
    return;
  }
  const branches = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
  for (const b of branches) walk(b, prefix, defs, out, depth + 1);
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (FILTER_PATH_PATTERN.test(path)) walk(child, path, defs, out, depth + 1);
    }
    return;
  }
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  // A leaf: a scalar type, or a schema that says nothing (any value).
  if (prefix && branches.length === 0 && !types.includes("array") && !types.includes("object")) out.add(prefix);
}

function pathsOf(def: EventTypeDef): string[] {
  const doc = z.toJSONSchema(def.schema, { unrepresentable: "any" }) as JsonSchema;
  const out = new Set<string>();
  walk(doc, "", doc.$defs ?? {}, out, 0);
  return [...out].sort();
}

let cache: Map<string, string[]> | null = null;

/** Each catalog type's filterable paths, computed once per isolate. */
export function filterablePaths(): Map<string, string[]> {
  return (cache ??= new Map(eventCatalog.map((d) => [d.name, pathsOf(d)])));
}

/** The types a webhook's patterns reach (same rules as the fan-out's match). */
function typesMatching(patterns: string[]): string[] {
  return eventCatalog
    .filter((d) =>
      patterns.some((p) => p === d.name || (!d.operational && (p === "*" || (p.endsWith(".*") && d.name.startsWith(p.slice(0, -1)))))),
    )
    .map((d) => d.name);
}

/** Every path that at least one of the types the patterns reach has. */
export function filterablePathsFor(patterns: string[]): Set<string> {
  const all = filterablePaths();
  return new Set(typesMatching(patterns).flatMap((t) => all.get(t) ?? []));
}
