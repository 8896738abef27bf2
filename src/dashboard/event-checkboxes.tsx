/**
 * The webhook form's event checkboxes, for one format: only the events that
 * format carries (GET /v1/event-types, `formats`), grouped by the system that
 * sends them, plus `*`. An event two systems send has its checkbox in the
 * group of the format's own system (Puppet Pipelines for `puppet`), else in
 * its first system, and a pointer in the other. The API's 422 at the field
 * stays the backstop for anything sent anyway.
 */
import type { FC } from "hono/jsx";
import { FORMAT_SYSTEM } from "../events/carriage";
import type { EventType } from "./types";
import { describedBy, FieldError, fieldClass } from "./view";

const SYSTEM_NAMES: Record<string, string> = {
  "djinn-ci": "Djinn CI",
  "puppet-pipelines": "Puppet Pipelines",
  circleci: "CircleCI",
  "ci-webhooks": "Dispatcher (operational)",
};
const SYSTEM_ORDER = ["djinn-ci", "puppet-pipelines", "circleci", "ci-webhooks"];
const systemName = (s: string) => SYSTEM_NAMES[s] ?? s;

/** The system whose events a system format carries (undefined for the formats that carry every event). */
const ownSystem = (format: string): string | undefined => (FORMAT_SYSTEM as Record<string, string>)[format];

/** The catalog's types that `format` carries. */
export const typesCarriedBy = (format: string, types: EventType[]) => types.filter((t) => (t.formats as string[]).includes(format));

/**
 * The form's events kept for `format`: catalog names it does not carry are
 * dropped (and returned, to say so); `*` stays (the format's own events).
 */
export function eventsForFormat(events: string[], format: string, catalog: EventType[]): { kept: string[]; dropped: string[] } {
  const carried = new Set(typesCarriedBy(format, catalog).map((t) => t.name));
  const kept = events.filter((e) => e === "*" || carried.has(e));
  return { kept, dropped: events.filter((e) => !kept.includes(e)) };
}

type EventGroup = { system: string; types: EventType[]; shared: { type: EventType; home: string }[] };

function grouped(types: EventType[], format: string): EventGroup[] {
  const groups = new Map<string, EventGroup>();
  const group = (system: string) => groups.get(system) ?? groups.set(system, { system, types: [], shared: [] }).get(system)!;
  const own = ownSystem(format);
  for (const t of typesCarriedBy(format, types)) {
    const systems = [t.system, ...t.also_from];
    const home = own && systems.includes(own) ? own : t.system;
    group(home).types.push(t);
    for (const other of systems) if (other !== home) group(other).shared.push({ type: t, home });
  }
  const rank = (s: string) => (SYSTEM_ORDER.includes(s) ? SYSTEM_ORDER.indexOf(s) : SYSTEM_ORDER.length);
  // A group with only pointers (a system the format does not carry) is left out.
  return [...groups.values()].filter((g) => g.types.length > 0).sort((a, b) => rank(a.system) - rank(b.system));
}

export const EventCheckboxes: FC<{
  format: string;
  formatName: string;
  eventTypes: EventType[];
  events: string[];
  dropped: string[];
  errors?: string[];
  /** Offer `*` (not to a portal session whose link allows less). */
  allowAll?: boolean;
}> = ({ format, formatName, eventTypes, events, dropped, errors, allowAll = true }) => {
  const checked = new Set(events);
  return (
    <fieldset id="events" class={fieldClass(errors)} aria-describedby={describedBy("events", errors, true)}>
      <legend>Events</legend>
      <p class="hint" id="events-hint">
        The events the {formatName} format carries: choose the ones to send, or every one with <code>*</code>.
        {dropped.length > 0 && (
          <>
            {" "}
            Unticked because this format does not carry them:{" "}
            {dropped.map((e, i) => (
              <>
                {i > 0 && ", "}
                <code>{e}</code>
              </>
            ))}
            .
          </>
        )}
      </p>
      <div class="checks" data-format={format}>
        {allowAll ? (
          <div class="group">
            <label class="check">
              <input type="checkbox" name="events" value="*" checked={checked.has("*")} />
              <span>
                <code>*</code> All events (every current and future event type this format carries)
              </span>
            </label>
          </div>
        ) : null}
        {grouped(eventTypes, format).map(({ system, types, shared }) => (
          <div class="group" role="group" aria-label={systemName(system)}>
            <div class="group-title">{systemName(system)}</div>
            <div class="opts">
              {types.map((t) => (
                <label class="check" title={t.description}>
                  <input type="checkbox" name="events" value={t.name} checked={checked.has(t.name)} />
                  <code>{t.name}</code>
                </label>
              ))}
            </div>
            {shared.length > 0 && (
              <p class="hint">
                Also sent by this system:{" "}
                {shared.map(({ type }, i) => (
                  <>
                    {i > 0 && ", "}
                    <code>{type.name}</code>
                  </>
                ))}{" "}
                (tick them under {systemName(shared[0].home)}).
              </p>
            )}
          </div>
        ))}
      </div>
      <FieldError id="events-error" errors={errors} />
    </fieldset>
  );
};
