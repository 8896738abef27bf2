/**
 * Which webhook formats carry which events (docs/formats.md, "Which format
 * carries which events"): a receiver built for one system only ever gets
 * that system's events. `standard` and the chat formats carry every event; `djinn`, `circleci`
 * and `puppet` carry their own system's. Where two systems share a name
 * (build.started / build.finished), the payload's shape decides the system,
 * once, at publish; the event row stores it and the fan-out matches it in SQL
 * (subscription.ts, formatMatchSql).
 */
import type { WebhookFormat } from "../delivery/formats";
import { eventCatalog, type EventSystem, type EventTypeDef, resolveEventType } from "./catalog";

/** Formats that carry every event: Standard Webhooks, and the chat messages a person reads. */
export const EVERY_EVENT_FORMATS = ["standard", "slack", "discord"] as const satisfies readonly WebhookFormat[];
export type SystemFormat = Exclude<WebhookFormat, (typeof EVERY_EVENT_FORMATS)[number]>;

export function carriesEveryEvent(format: WebhookFormat): format is (typeof EVERY_EVENT_FORMATS)[number] {
  return (EVERY_EVENT_FORMATS as readonly string[]).includes(format);
}

/** The one system whose events each system format carries. */
export const FORMAT_SYSTEM: Record<SystemFormat, EventSystem> = {
  djinn: "djinn-ci",
  circleci: "circleci",
  puppet: "puppet-pipelines",
};

/** Every system that sends this type (its own and the ones sharing the name). */
export function systemsOf(def: EventTypeDef): EventSystem[] {
  return [def.system, ...(def.alsoFrom ?? [])];
}

/** Whether `format` carries (some payload of) this type. */
export function formatCarries(format: WebhookFormat, def: EventTypeDef): boolean {
  return carriesEveryEvent(format) || systemsOf(def).includes(FORMAT_SYSTEM[format]);
}

/**
 * The formats that carry an event type, the every-event ones first; [] for an unknown
 * name. The mapping GET /v1/event-types shows (`formats`) and the OpenAPI
 * `webhooks` section can use.
 */
export function formatsCarryingEventType(type: string): WebhookFormat[] {
  const def = resolveEventType(type);
  if (!def) return [];
  const own = (Object.keys(FORMAT_SYSTEM) as SystemFormat[]).filter((f) => formatCarries(f, def));
  return [...EVERY_EVENT_FORMATS, ...own];
}

/** The whole table: event type -> formats that carry it, in catalog order. */
export function formatCarriageTable(): Record<string, WebhookFormat[]> {
  return Object.fromEntries(eventCatalog.map((e) => [e.name, formatsCarryingEventType(e.name)]));
}

/** The system a published payload belongs to: the type's own, or for a shared name the one its shape says. */
export function eventSystemOf(def: EventTypeDef, data: unknown): EventSystem {
  return def.systemFor?.(data) ?? def.system;
}

/** A sentence naming the formats that carry the type, for 422 messages. */
export function carriedByMessage(def: EventTypeDef): string {
  const formats = formatsCarryingEventType(def.name).map((f) => `\`${f}\``);
  return `"${def.name}" is ${def.operational ? "an operational event" : `a ${systemsOf(def).join(" / ")} event`}; the ${formats.join(" and ")} format${formats.length > 1 ? "s carry" : " carries"} it`;
}
