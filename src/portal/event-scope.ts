/**
 * What a portal session may subscribe webhooks to: the link's `event_types`,
 * patterns as in a webhook's `events` (events/subscription.ts). A webhook's
 * pattern is allowed when one of them covers it: the same pattern, `*` for
 * any non-operational name or prefix, `build.*` for `build.started` and for
 * itself. Operational types (`webhook.disabled`) are covered only by name,
 * as `*` does not reach them in subscriptions either.
 */
import { resolveEventType } from "../events/catalog";
import { normalizePatterns } from "../events/subscription";
import { ApiError } from "../errors";

/** The link's patterns, normalized (aliases to current names); an unknown one is 422 at `event_types.N`. */
export function normalizeAllowed(patterns: string[]): string[] {
  const r = normalizePatterns(patterns, "standard");
  if (r.ok) return r.patterns;
  const details = r.problems.map((p) => ({ path: `event_types.${p.index}`, message: p.message }));
  throw new ApiError("unknown_event_type", `Unknown event type(s): ${r.problems.map((p) => p.pattern).join(", ")}. GET /v1/event-types lists the known ones.`, details);
}

export function coveredBy(pattern: string, allowed: readonly string[]): boolean {
  const def = resolveEventType(pattern);
  const name = def?.name ?? pattern;
  const operational = def?.operational === true;
  return allowed.some((a) => {
    if (a === name) return true;
    if (operational) return false;
    if (a === "*") return true;
    return a.endsWith(".*") && name !== "*" && name.startsWith(a.slice(0, -1));
  });
}

/** The webhook's `events` within the session's allowance (null = no limit); 422 naming each pattern outside it. */
export function checkAllowedEvents(allowed: readonly string[] | null, events: readonly string[] | undefined): void {
  if (allowed === null || events === undefined) return;
  const details = events.flatMap((e, i) => (coveredBy(e, allowed) ? [] : [{ path: `events.${i}`, message: `"${e}" is not among the events this portal may subscribe to` }]));
  if (details.length) {
    throw new ApiError("validation_failed", `This portal session may subscribe webhooks only to: ${allowed.join(", ")}.`, details);
  }
}
