/**
 * A webhook form's values, both ways: from a posted form to the body of the
 * typed client's create and update calls, and from a webhook to the form.
 */
import type { z } from "@hono/zod-openapi";
import { ApiError, errorBody, zodDetails, type ErrorDetail } from "../errors";
import { normalizePatterns } from "../events/subscription";
import { checkTargetUrl, type GuardOptions } from "../security/ssrf-guard";
import { webhookFormats, type WebhookFormat } from "../delivery/formats";
import { shownUrl, urlIsSecret } from "../security/url-mask";
import { WebhookCreate, WebhookUpdate } from "../webhooks/schemas";
import type { ApiErrorBody } from "./api-client";
import { destinationBody, destinationFromForm, destinationValues } from "./destination-fields";
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
    signatureScheme: field(form, "signature_scheme") || "hmac-sha256",
    filter: field(form, "filter"),
    rateLimit: field(form, "rate_limit").trim(),
    maxInFlight: field(form, "max_in_flight").trim(),
    timeoutMs: field(form, "timeout_ms").trim(),
    destination: destinationFromForm((name) => field(form, name)),
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
  const destination = destinationBody(v.destination);
  return {
    name: v.name,
    // Another destination takes no URL (its service's is derived); http is said, so an edit can switch back.
    ...(destination ? { destination } : { destination: { type: "http" }, ...(keepUrl ? {} : { url: v.url }) }),
    events,
    format: v.format,
    active: v.active,
    ordered: v.ordered,
    description: v.description,
    rate_limit: optionalNumber(v.rateLimit),
    max_in_flight: optionalNumber(v.maxInFlight),
    timeout_ms: optionalNumber(v.timeoutMs),
    ...(mode === "create" && v.secret ? { secret: v.secret } : {}),
    ...(mode === "create" && v.format === "standard" ? { signature_scheme: v.signatureScheme } : {}),
    ...(mode === "edit" || filter ? { filter } : {}),
  };
}

type FormBody<T> = { ok: true; body: T } | { ok: false; status: number; error: ApiErrorBody };

/**
 * The form as the route's body, checked with the route's own schema before it
 * is sent: the typed client takes only a body of the route's input type, and
 * a form may hold anything (a word in a number field). A failure carries the
 * details the API would answer (same schema, same zodDetails), so the page
 * shows the same field errors as when the API refused it; and the checks the
 * API makes only after its schema passes (the URL's SSRF guard, the events
 * against the format) are made here too, so every error shows at once.
 */
function formBody<S extends z.ZodType>(schema: S, v: WebhookFormValues, mode: "create" | "edit", requestId: string, guard: GuardOptions): FormBody<z.output<S>> {
  const parsed = parseFilterText(v.filter);
  if (!parsed.ok) return { ok: false, status: 422, error: filterTextError(parsed.errors) };
  const body = webhookBody(v, mode, parsed.filter);
  const checked = schema.safeParse(body);
  const details = checked.success ? [] : zodDetails(checked.error.issues);
  const reported = new Set(details.map((d) => d.path.split(".")[0]));
  for (const d of laterChecks(body, guard)) if (!reported.has(d.path.split(".")[0])) details.push(d);
  if (checked.success && details.length === 0) return { ok: true, body: checked.data };
  // In the form's order (the schema's keys), so the summary reads top to bottom like the fields.
  const order = Object.keys(WebhookCreate.shape);
  const rank = (d: ErrorDetail) => (order.indexOf(d.path.split(".")[0]) + order.length + 1) % (order.length + 1);
  details.sort((a, b) => rank(a) - rank(b));
  const err = new ApiError("validation_failed", "The request is not valid.", details);
  return { ok: false, status: err.status, error: errorBody(err, requestId).error };
}

/** The API's checks after its schema (webhooks/service.ts: checkUrl, checkEvents), as field details. */
function laterChecks(body: { url?: string; events: string[]; format: string }, guard: GuardOptions): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (body.url) {
    const verdict = checkTargetUrl(body.url, guard);
    if (!verdict.ok) out.push({ path: "url", message: verdict.reason });
  }
  const format = webhookFormats.find((f): f is WebhookFormat => f === body.format);
  if (format && body.events.length) {
    const r = normalizePatterns(body.events, format);
    if (!r.ok) out.push(...r.problems.map((p) => ({ path: `events.${p.index}`, message: p.message })));
  }
  return out;
}

export const createBody = (v: WebhookFormValues, requestId: string, guard: GuardOptions) => formBody(WebhookCreate, v, "create", requestId, guard);
export const updateBody = (v: WebhookFormValues, requestId: string, guard: GuardOptions) => formBody(WebhookUpdate, v, "edit", requestId, guard);

export function valuesOf(w: Webhook, catalog: EventType[]): WebhookFormValues {
  const known = new Set(["*", ...catalog.map((t) => t.name)]);
  const secretUrl = urlIsSecret(w.format);
  const http = w.destination.type === "http";
  return {
    name: w.name,
    // A Slack or Discord URL is the webhook's credential: not put in the page (security/url-mask.ts).
    // Another destination's url is its service's, derived: not an input.
    url: secretUrl || !http ? "" : w.url,
    keptUrl: secretUrl && http ? shownUrl(w.url, w.format) : "",
    description: w.description,
    format: w.format,
    active: w.active,
    ordered: w.ordered,
    events: w.events.filter((e) => known.has(e)),
    otherEvents: w.events.filter((e) => !known.has(e)).join(", "),
    secret: "",
    signatureScheme: w.signature_scheme,
    filter: filterToText(w.filter),
    rateLimit: w.rate_limit === null ? "" : String(w.rate_limit),
    maxInFlight: w.max_in_flight === null ? "" : String(w.max_in_flight),
    timeoutMs: w.timeout_ms === null ? "" : String(w.timeout_ms),
    destination: destinationValues(w.destination),
  };
}
