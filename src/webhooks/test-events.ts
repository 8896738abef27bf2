/**
 * What a test ping or "send example" sends to one webhook (docs/formats.md, "Which format carries which events"): something its receiver
 * accepts. CircleCI has a `ping` of its own, and Standard Webhooks receivers
 * take any type; Djinn CI and Puppet Pipelines have no ping, so their
 * webhooks get the catalog's example of one of their own events, marked as a
 * test by a header their receivers ignore (formats.ts, TEST_HEADER).
 */
import type { WebhookRow } from "../db/schema";
import { ApiError } from "../errors";
import { carriedByMessage, carriesEveryEvent, FORMAT_SYSTEM, formatCarries } from "../events/carriage";
import { eventCatalog, type EventTypeDef, resolveEventType } from "../events/catalog";
import { exampleFor } from "../events/examples";

export type TestEvent = { type: string; data: Record<string, unknown> };

type Hook = Pick<WebhookRow, "format" | "events">;

/** Whether a webhook's patterns take the type (the dashboard's "Send example" offers only those). */
export function subscribes(patterns: string[], name: string): boolean {
  return patterns.some((p) => p === name || p === "*" || (p.endsWith(".*") && name.startsWith(p.slice(0, -1))));
}

/** The example of `def` in the shape the webhook's receivers expect. */
function exampleEvent(hook: Hook, def: EventTypeDef): TestEvent {
  const system = carriesEveryEvent(hook.format) ? def.system : FORMAT_SYSTEM[hook.format];
  return { type: def.name, data: exampleFor(def, system) };
}

/** The test ping: `ping` where the format has one, else an example of an event the webhook subscribes to. */
export function pingEventFor(hook: Hook): TestEvent {
  if (carriesEveryEvent(hook.format) || hook.format === "circleci") return { type: "ping", data: {} };
  const own = eventCatalog.filter((e) => !e.operational && formatCarries(hook.format, e));
  return exampleEvent(hook, own.find((e) => subscribes(hook.events, e.name)) ?? own[0]);
}

/** "Send example": the catalog's example of `type`, if the webhook's format carries it. */
export function exampleEventFor(hook: Hook, type: string): TestEvent {
  const def = resolveEventType(type);
  if (!def) {
    throw new ApiError("unknown_event_type", `Unknown event type "${type}". GET /v1/event-types lists the known ones.`, [
      { path: "type", message: "unknown event type" },
    ]);
  }
  if (!formatCarries(hook.format, def)) {
    const message = `${carriedByMessage(def)}, not the ${hook.format} format`;
    throw new ApiError("validation_failed", `${message}.`, [{ path: "type", message }]);
  }
  return exampleEvent(hook, def);
}
