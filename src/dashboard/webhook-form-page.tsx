/**
 * Create and edit a webhook. Events are checkboxes grouped by the system that
 * emits them, plus `*`; patterns outside the catalog (`build.*`) are kept in a
 * text field so editing never drops them. Errors are the API's, at their field.
 */
import type { FC } from "hono/jsx";
import { EventCheckboxes, typesCarriedBy } from "./event-checkboxes";
import type { EventType } from "./types";
import { FilterField } from "./filter-field";
import { ApiErrorNotice, Csrf, describedBy, FieldError, fieldClass, Layout, TextField, type FieldErrors, type Me } from "./view";
import type { ApiErrorBody } from "./api-client";
import { DestinationFields, emptyDestination, type DestinationFormValues } from "./destination-fields";

export type WebhookFormValues = {
  name: string;
  url: string;
  /**
   * On edit of a webhook whose URL is its credential (Slack, Discord): the URL
   * masked. The field then starts empty, and left empty keeps the URL.
   */
  keptUrl: string;
  description: string;
  format: string;
  active: boolean;
  /** Deliveries sharing an ordering key go one at a time, in order (docs/ordering.md). */
  ordered: boolean;
  events: string[];
  otherEvents: string;
  secret: string;
  /** `hmac-sha256` or `ed25519` (create, standard format only). */
  signatureScheme: string;
  /** The payload filter as `path = value` lines (filter-field.tsx). */
  filter: string;
  /** Flow control, as typed (empty = unset). */
  rateLimit: string;
  maxInFlight: string;
  timeoutMs: string;
  /** Where deliveries go (destination-fields.tsx). */
  destination: DestinationFormValues;
};

export const FORM_FIELDS = ["name", "url", "destination", "description", "format", "active", "ordered", "events", "secret", "signature_scheme", "filter", "rate_limit", "max_in_flight", "timeout_ms"] as const;

export const emptyWebhookForm: WebhookFormValues = {
  name: "",
  url: "",
  keptUrl: "",
  description: "",
  format: "standard",
  active: true,
  ordered: false,
  events: [],
  otherEvents: "",
  secret: "",
  signatureScheme: "hmac-sha256",
  filter: "",
  rateLimit: "",
  maxInFlight: "",
  timeoutMs: "",
  destination: emptyDestination,
};

/** The optional flow-control inputs (the API validates the ranges; its errors show at the field). */
const FLOW_FIELDS = [
  { name: "rate_limit", value: "rateLimit", label: "Rate limit (per second)", min: 1, max: 1000, hint: "1 to 1000 deliveries a second; empty for no limit." },
  { name: "max_in_flight", value: "maxInFlight", label: "Max in flight", min: 1, max: 100, hint: "1 to 100 requests at once; empty for no limit." },
  { name: "timeout_ms", value: "timeoutMs", label: "Timeout (ms)", min: 1000, max: 15000, hint: "1000 to 15000; empty for the default." },
] as const;

export const FORMATS: { value: string; name: string; label: string }[] = [
  { value: "standard", name: "Standard Webhooks", label: "Standard Webhooks (webhook-signature)" },
  { value: "djinn", name: "Djinn CI", label: "Djinn CI (X-Djinn-CI-Signature)" },
  { value: "circleci", name: "CircleCI", label: "CircleCI (circleci-signature)" },
  { value: "puppet", name: "Puppet Pipelines", label: "Puppet Pipelines (payload as body, webhook-signature)" },
  { value: "slack", name: "Slack", label: "Slack message (incoming webhook; no secret needed)" },
  { value: "discord", name: "Discord", label: "Discord message (channel webhook; no secret needed)" },
];

/** A format named in a query or form, if it is one of ours. */
export const knownFormat = (format: string | undefined) => FORMATS.find((f) => f.value === format)?.value;
const formatName = (format: string) => FORMATS.find((f) => f.value === format)?.name ?? format;

export const WebhookFormPage: FC<{
  me: Me;
  mode: "create" | "edit";
  webhookId?: string;
  webhookName?: string;
  values: WebhookFormValues;
  eventTypes: EventType[];
  errors: FieldErrors;
  error?: ApiErrorBody;
  /** Events unticked because the format chosen does not carry them (event-checkboxes.tsx). */
  dropped?: string[];
  /** The format was just changed: focus back on it. */
  formatChanged?: boolean;
  /** A portal session's allowance (its link's event_types); null or absent: every event. */
  allowedPatterns?: string[] | null;
}> = ({ me, mode, webhookId, webhookName, values, eventTypes, errors, error, dropped, formatChanged, allowedPatterns }) => {
  const action = mode === "create" ? "/webhooks" : `/webhooks/${encodeURIComponent(webhookId ?? "")}`;
  return (
    <Layout title={mode === "create" ? "Create webhook" : `Edit ${webhookName}`} me={me} nav="webhooks">
      <div class="crumbs">
        <a href="/webhooks">Webhooks</a>
        {mode === "edit" ? (
          <>
            {" / "}
            <a href={action}>{webhookName}</a>
          </>
        ) : null}
      </div>
      <div class="page-head">
        <h1>{mode === "create" ? "Create webhook" : `Edit webhook ${webhookName}`}</h1>
      </div>
      {error ? <ApiErrorNotice error={error} title="Please correct the highlighted fields" /> : null}
      <form method="post" action={action} class="panel" novalidate>
        <Csrf token={me.csrf} />
        <div class="grid2">
          <TextField
            name="name"
            label="Name"
            value={values.name}
            required
            autocomplete="off"
            errors={errors.name}
            hint={
              <>
                Letters, digits, <code>-</code> and <code>_</code>; unique in the namespace.
              </>
            }
          />
          <div class={fieldClass(errors.format)}>
            <label for="format">Format</label>
            <select id="format" name="format" autofocus={formatChanged} aria-describedby={describedBy("format", errors.format, true)}>
              {FORMATS.map((f) => (
                <option value={f.value} selected={values.format === f.value}>
                  {f.label}
                </option>
              ))}
            </select>
            <p class="hint" id="format-hint">
              The body and signature headers your receiver expects. Djinn CI, CircleCI and Puppet Pipelines carry only their own
              system's events; Standard Webhooks, Slack and Discord carry every event. The events offered below are the chosen
              format's: changing the format brings the form back with its events, your input kept.
            </p>
            <FieldError id="format-error" errors={errors.format} />
          </div>
        </div>
        <TextField
          name="url"
          label="Payload URL"
          type="url"
          value={values.url}
          required={!values.keptUrl && values.destination.type === "http"}
          placeholder={values.keptUrl || "https://ci.example.com/hooks"}
          autocomplete="off"
          spellcheck={false}
          errors={errors.url}
          hint={
            values.keptUrl
              ? `This URL is the webhook's credential, so it is not shown: leave the field empty to keep ${values.keptUrl}, or enter a new URL.`
              : "Events are POSTed here: HTTPS on a public host name (a deployed Worker cannot reach bare IP addresses). For an HTTP destination only: leave empty for the others."
          }
        />
        {values.keptUrl ? <input type="hidden" name="kept_url" value={values.keptUrl} /> : null}
        <DestinationFields value={values.destination} errors={errors} mode={mode} />
        <EventCheckboxes
          format={values.format}
          formatName={formatName(values.format)}
          eventTypes={eventTypes}
          events={values.events}
          dropped={dropped ?? []}
          errors={errors.events}
          allowAll={!allowedPatterns || allowedPatterns.includes("*")}
        />
        <TextField
          name="other_events"
          label="Other event patterns"
          value={values.otherEvents}
          placeholder="build.*, deploy.*"
          spellcheck={false}
          hint={
            allowedPatterns ? (
              <>
                Optional, comma-separated, within what this portal allows:{" "}
                {allowedPatterns.map((p, i) => (
                  <>
                    {i > 0 && ", "}
                    <code>{p}</code>
                  </>
                ))}
                .
              </>
            ) : (
              <>
                Optional, comma-separated: wildcard patterns such as <code>build.*</code>.
              </>
            )
          }
        />
        <FilterField value={values.filter} errors={errors.filter} eventTypes={typesCarriedBy(values.format, eventTypes)} />
        <div class={fieldClass(errors.description)}>
          <label for="description">Description</label>
          <textarea id="description" name="description" aria-describedby={describedBy("description", errors.description, false)}>
            {values.description}
          </textarea>
          <FieldError id="description-error" errors={errors.description} />
        </div>
        {mode === "create" && values.format === "standard" ? (
          <div class={fieldClass(errors.signature_scheme)}>
            <label for="signature_scheme">Signature</label>
            <select id="signature_scheme" name="signature_scheme" aria-describedby={describedBy("signature_scheme", errors.signature_scheme, true)}>
              <option value="hmac-sha256" selected={values.signatureScheme !== "ed25519"}>
                HMAC-SHA256 (v1, shared secret)
              </option>
              <option value="ed25519" selected={values.signatureScheme === "ed25519"}>
                Ed25519 (v1a, public key)
              </option>
            </select>
            <p class="hint" id="signature_scheme-hint">
              Ed25519: receivers verify with a public key shown on the webhook's page; no secret is shared (leave Secret empty).
            </p>
            <FieldError id="signature_scheme-error" errors={errors.signature_scheme} />
          </div>
        ) : null}
        {mode === "create" ? (
          <TextField
            name="secret"
            label="Secret"
            value={values.secret}
            autocomplete="off"
            spellcheck={false}
            errors={errors.secret}
            hint="Leave empty to have a strong secret generated (recommended); Slack and Discord webhooks need none and get none. It is shown once after creation."
          />
        ) : null}
        <fieldset>
          <legend>Flow control (optional)</legend>
          <div class="grid3">
            {FLOW_FIELDS.map((f) => (
              <TextField
                name={f.name}
                label={f.label}
                type="number"
                inputmode="numeric"
                min={String(f.min)}
                max={String(f.max)}
                value={values[f.value]}
                errors={errors[f.name]}
                hint={f.hint}
              />
            ))}
          </div>
        </fieldset>
        <div class={fieldClass(errors.active)}>
          <label class="check">
            <input type="checkbox" name="active" value="on" checked={values.active} />
            <span>Active: send events to this webhook</span>
          </label>
          <FieldError id="active-error" errors={errors.active} />
        </div>
        <div class={fieldClass(errors.ordered)}>
          <label class="check">
            <input type="checkbox" name="ordered" value="on" checked={values.ordered} aria-describedby="ordered-hint" />
            <span>Ordered: events that share an ordering key arrive one at a time, in order</span>
          </label>
          <p class="hint" id="ordered-hint">
            For receivers that keep state per pipeline or build. A failing delivery holds the later ones of its key until it succeeds or fails for good.
          </p>
          <FieldError id="ordered-error" errors={errors.ordered} />
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {mode === "create" ? "Create webhook" : "Save changes"}
          </button>
          {/* After the primary button, which stays the one Enter presses. Without script it brings the form back with the
              chosen format's events, input kept; format-events.js presses it when the format changes. */}
          <button type="submit" name="show_events" value="1" id="show-events" class="btn">
            Show the chosen format's events
          </button>
          <a class="btn" href={mode === "create" ? "/webhooks" : action}>
            Cancel
          </a>
        </div>
      </form>
      <script src="/assets/format-events.js" defer></script>
    </Layout>
  );
};
