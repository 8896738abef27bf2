/**
 * The webhook form's payload filter: a textarea of `path = value` lines, so
 * it needs no script. A value is read as JSON when it is JSON (`7`, `true`,
 * `null`, `"quoted"`, `["failed", "error"]`), otherwise as a plain string
 * (`main`, `release/*`). The API validates the result; its errors show here.
 */
import type { FC } from "hono/jsx";
import type { ApiErrorBody } from "./api-client";
import type { EventType } from "./types";
import { describedBy, FieldError, fieldClass } from "./view";

type FilterValue = unknown;

/** The filter as text lines; strings that would read back as something else are quoted. */
export function filterToText(filter: Record<string, FilterValue> | null): string {
  if (!filter) return "";
  return Object.entries(filter)
    .map(([k, v]) => `${k} = ${typeof v === "string" && !looksLikeJson(v) && v.trim() === v && v !== "" ? v : JSON.stringify(v)}`)
    .join("\n");
}

function looksLikeJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** The filter the text describes (null when empty), or the lines it could not read. */
export function parseFilterText(text: string): { ok: true; filter: Record<string, FilterValue> | null } | { ok: false; errors: string[] } {
  const filter: Record<string, FilterValue> = {};
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = eq < 0 ? "" : line.slice(0, eq).trim();
    if (!key) return void errors.push(`line ${i + 1}: write it as path = value`);
    const value = line.slice(eq + 1).trim();
    if (key in filter) return void errors.push(`line ${i + 1}: "${key}" is already given; list several values as ["a", "b"]`);
    filter[key] = looksLikeJson(value) ? JSON.parse(value) : value;
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, filter: Object.keys(filter).length ? filter : null };
}

/** Unreadable lines, as the API would report a bad field, so the form shows them at the field. */
export function filterTextError(errors: string[]): ApiErrorBody {
  return { code: "validation_failed", message: "The payload filter could not be read.", details: errors.map((message) => ({ path: "filter", message })) };
}

export const FilterField: FC<{ value: string; errors?: string[]; eventTypes: EventType[] }> = ({ value, errors, eventTypes }) => (
  <div class={fieldClass(errors)}>
    <label for="filter">Payload filter</label>
    <textarea id="filter" name="filter" rows={4} spellcheck={false} class="mono" aria-describedby={describedBy("filter", errors, true)} placeholder={'pipeline.vcs.branch = main\nworkflow.status = ["failed", "error"]'}>
      {value}
    </textarea>
    <p class="hint" id="filter-hint">
      Optional. One <code>path = value</code> per line; only events whose data matches every line are sent. Paths start inside the event's data;{" "}
      <code>*</code> matches any run of characters; <code>["a", "b"]</code> matches either.
    </p>
    <FieldError id="filter-error" errors={errors} />
    <details class="small">
      <summary>Paths each event type can be filtered on</summary>
      <dl class="facts" id="filter-paths">
        {eventTypes
          .filter((t) => t.filterable_paths.length > 0)
          .map((t) => (
            <>
              <dt>
                <code>{t.name}</code>
              </dt>
              <dd class="mono">{t.filterable_paths.join(", ")}</dd>
            </>
          ))}
      </dl>
    </details>
  </div>
);
