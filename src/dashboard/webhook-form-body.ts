/**
 * A webhook form's values, both ways: from a posted form to the body of the
 * typed client's create and update calls, and from a webhook to the form.
 */
import type { z } from "@hono/zod-openapi";
import { errorBody } from "../errors";
import { shownUrl, urlIsSecret } from "../security/url-mask";
import { validationFailed } from "../api/router";
import { WebhookCreate, WebhookUpdate } from "../webhooks/schemas";
import type { ApiErrorBody } from "./api-client";
import { filterTextError, filterToText, parseFilterText } from "./filter-field";
import { field, fields, type FormData } from "./session";
import type { EventType, Webhook } from "./types";
import type { WebhookFormValues } from "./webhook-form-page";

function splitPatterns(s: string): string[] {
  return s
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
}

export function formValues(form: FormData): WebhookFormValues {
  return {
    name: field(form, "name").trim(),
    url: field(form, "url").trim(),
    keptUrl: field(form, "kept_url"),
    description: field(form, "description"),
    format: field(form, "format") || "standard",
    active: field(form, "active") === "on",
    ordered: field(form, "ordered") === "on",
    events: fields(form, "events"),
    otherEvents: field(form, "other_events"),
    secret: field(form, "secret").trim(),
    filter: field(form, "filter"),
    rateLimit: field(form, "rate_limit").trim(),
    maxInFlight: field(form, "max_in_flight").trim(),
    timeoutMs: field(form, "timeout_ms").trim(),
  };
}

/** An optional number field: empty = unset (null clears it on edit); anything else is left for the route's schema to judge. */
function optionalNumber(s: string): number | string | null {
  if (s === "") return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : s;
}

/**
 * The API body; on edit an empty filter is sent as null, which removes it,
 * and an empty URL field of a webhook whose URL was not shown (keptUrl) sends
 * no URL, which keeps it.
 */
function webhookBody(v: WebhookFormValues, mode: "create" | "edit", filter: Record<string, unknown> | null) {
  const events = [...new Set([...v.events, ...splitPatterns(v.otherEvents)])];
  const keepUrl = mode === "edit" && v.keptUrl !== "" && v.url === "";
  return {
    name: v.name,
    ...(keepUrl ? {} : { url: v.url }),
    events,
    format: v.format,
    active: v.active,
    ordered: v.ordered,
    description: v.description,
    rate_limit: optionalNumber(v.rateLimit),
    max_in_flight: optionalNumber(v.maxInFlight),
    timeout_ms: optionalNumber(v.timeoutMs),
    ...(mode === "create" && v.secret ? { secret: v.secret } : {}),
    ...(mode === "edit" || filter ? { filter } : {}),
  };
}

type FormBody<T> = { ok: true; body: T } | { ok: false; status: number; error: ApiErrorBody };

/**
 * The form as the route's body, checked with the route's own schema before it
 * is sent: the typed client takes only a body of the route's input type, and
 * a form may hold anything (a word in a number field). A failure carries the
 * details the API would answer (same schema, same zodDetails), so the page
 * shows the same field errors as when the API refused it.
 */
function formBody<S extends z.ZodType>(schema: S, v: WebhookFormValues, mode: "create" | "edit", requestId: string): FormBody<z.output<S>> {
  const parsed = parseFilterText(v.filter);
  if (!parsed.ok) return { ok: false, status: 422, error: filterTextError(parsed.errors) };
  const checked = schema.safeParse(webhookBody(v, mode, parsed.filter));
  if (checked.success) return { ok: true, body: checked.data };
  const err = validationFailed(checked.error.issues);
  return { ok: false, status: err.status, error: errorBody(err, requestId).error };
}

export const createBody = (v: WebhookFormValues, requestId: string) => formBody(WebhookCreate, v, "create", requestId);
export const updateBody = (v: WebhookFormValues, requestId: string) => formBody(WebhookUpdate, v, "edit", requestId);

export function valuesOf(w: Webhook, catalog: EventType[]): WebhookFormValues {
  const known = new Set(["*", ...catalog.map((t) => t.name)]);
  const secretUrl = urlIsSecret(w.format);
  return {
    name: w.name,
    // A Slack or Discord URL is the webhook's credential: not put in the page (security/url-mask.ts).
    url: secretUrl ? "" : w.url,
    keptUrl: secretUrl ? shownUrl(w.url, w.format) : "",
    description: w.description,
    format: w.format,
    active: w.active,
    ordered: w.ordered,
    events: w.events.filter((e) => known.has(e)),
    otherEvents: w.events.filter((e) => !known.has(e)).join(", "),
    secret: "",
    filter: filterToText(w.filter),
    rateLimit: w.rate_limit === null ? "" : String(w.rate_limit),
    maxInFlight: w.max_in_flight === null ? "" : String(w.max_in_flight),
    timeoutMs: w.timeout_ms === null ? "" : String(w.timeout_ms),
  };
}
