/**
 * Which webhooks an event type reaches. A webhook's `events` holds exact
 * names, prefix patterns (`build.*`) and `*`. Operational types
 * (`webhook.disabled`, `delivery.exhausted`) match only by exact name. On a
 * system format (`djinn`, `circleci`, `puppet`) patterns mean that system's
 * events only (carriage.ts).
 *
 * Matching runs inside D1 (see publish.ts), so the fan-out is one
 * statement; this module owns that SQL and the validation of patterns.
 */
import { W } from "../db/stores/names";
import type { WebhookFormat } from "../delivery/formats";
import { carriedByMessage, EVERY_EVENT_FORMATS, FORMAT_SYSTEM, formatCarries } from "./carriage";
import { eventAliases, eventCatalog, resolveEventType } from "./catalog";

/**
 * SQL condition: the pattern list `patterns` (a JSON array) matches the event
 * type `type`; `operational` is 1 when the type is operational (matched by
 * exact name only), else 0. Each argument is an SQL expression.
 */
export const patternMatchSql = (patterns: string, type: string, operational: string) => `EXISTS (
  SELECT 1 FROM json_each(${patterns}) p
  WHERE p.value = ${type}
     OR (${operational} = 0 AND (p.value = '*'
         OR (substr(p.value, -2) = '.*' AND substr(${type}, 1, length(p.value) - 1) = substr(p.value, 1, length(p.value) - 1)))))`;

/**
 * SQL condition over a webhooks row `w`, with bound parameters
 * ?1 = event type and ?2 = 1 when the type is operational, else 0.
 */
export const SUBSCRIPTION_MATCH_SQL = patternMatchSql(`w.${W.events}`, "?1", "?2");

/** SQL: 1 when the type expression names an operational event (catalog.ts), else 0. */
export const operationalTypeSql = (type: string) =>
  `(${type} IN (${eventCatalog
    .filter((e) => e.operational)
    .map((e) => `'${e.name}'`)
    .join(", ")}))`;

const systemToFormat = Object.entries(FORMAT_SYSTEM)
  .map(([format, system]) => `WHEN '${system}' THEN '${format}'`)
  .join(" ");

/**
 * SQL condition over a webhooks row `w`: its format carries the event's
 * system (events.system, decided at publish), bound as `systemParam`.
 */
export const formatMatchSql = (systemParam: string) =>
  `(w.${W.format} IN (${EVERY_EVENT_FORMATS.map((f) => `'${f}'`).join(", ")}) OR w.${W.format} = (CASE ${systemParam} ${systemToFormat} END))`;

export type PatternProblem = { index: number; pattern: string; kind: "unknown" | "not_carried"; message: string };

/** The pattern list, normalized (aliases to current names), or what is wrong with it for this format. */
export function normalizePatterns(
  patterns: string[],
  format: WebhookFormat = "standard",
): { ok: true; patterns: string[] } | { ok: false; problems: PatternProblem[] } {
  const problems: PatternProblem[] = [];
  const out: string[] = [];
  patterns.forEach((p, index) => {
    const problem = (kind: PatternProblem["kind"], message: string) => problems.push({ index, pattern: p, kind, message });
    if (p === "*") return out.push(p);
    if (p.endsWith(".*")) {
      const prefix = p.slice(0, -1);
      const named = eventCatalog.filter((e) => e.name.startsWith(prefix) && !e.operational);
      if (named.length === 0) return problem("unknown", `unknown event type "${p}"`);
      if (!named.some((e) => formatCarries(format, e))) {
        return problem("not_carried", `"${p}" names no event the ${format} format carries (${carriedByMessage(named[0])})`);
      }
      return out.push(p);
    }
    const def = resolveEventType(p);
    if (!def) return problem("unknown", `unknown event type "${p}"`);
    if (!formatCarries(format, def)) return problem("not_carried", `${carriedByMessage(def)}, not the ${format} format`);
    out.push(def.name);
  });
  return problems.length ? { ok: false, problems } : { ok: true, patterns: [...new Set(out)] };
}

export function isAlias(name: string): boolean {
  return name in eventAliases;
}
