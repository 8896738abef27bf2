/**
 * Which webhooks an event type reaches. A webhook's `events` holds exact
 * names, prefix patterns (`build.*`) and `*`. Operational types
 * (`webhook.disabled`, `delivery.exhausted`) match only by exact name.
 *
 * Matching runs inside D1 (see src/events/publish.ts), so the fan-out is one
 * statement; this module owns that SQL and the validation of patterns.
 */
import { eventAliases, eventCatalog, resolveEventType } from "./catalog";

/**
 * SQL condition over a webhooks row `w`, with bound parameters
 * ?1 = event type and ?2 = 1 when the type is operational, else 0.
 */
export const SUBSCRIPTION_MATCH_SQL = `EXISTS (
  SELECT 1 FROM json_each(w.events) p
  WHERE p.value = ?1
     OR (?2 = 0 AND (p.value = '*'
         OR (substr(p.value, -2) = '.*' AND substr(?1, 1, length(p.value) - 1) = substr(p.value, 1, length(p.value) - 1)))))`;

/** The pattern list, normalized (aliases to current names), or the names it does not know. */
export function normalizePatterns(patterns: string[]): { ok: true; patterns: string[] } | { ok: false; unknown: string[] } {
  const unknown: string[] = [];
  const out: string[] = [];
  for (const p of patterns) {
    if (p === "*") out.push(p);
    else if (p.endsWith(".*")) {
      const prefix = p.slice(0, -1);
      if (eventCatalog.some((e) => e.name.startsWith(prefix) && !e.operational)) out.push(p);
      else unknown.push(p);
    } else {
      const def = resolveEventType(p);
      if (def) out.push(def.name);
      else unknown.push(p);
    }
  }
  return unknown.length ? { ok: false, unknown } : { ok: true, patterns: [...new Set(out)] };
}

export function isAlias(name: string): boolean {
  return name in eventAliases;
}
