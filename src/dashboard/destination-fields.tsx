/**
 * The webhook form's destination (docs/destinations.md): a choice of type and,
 * per type, its fields in a <details> section that is open for the chosen type
 * (works without script). Credentials are write-only: the field starts empty
 * and, on edit, left empty keeps the stored one (its hint is shown).
 */
import type { FC } from "hono/jsx";
import { describedBy, FieldError, fieldClass, type FieldErrors } from "./view";

type DestField = { name: string; label: string; credential?: boolean; multiline?: boolean; placeholder?: string; hint?: string };

export const DESTINATIONS: { type: string; label: string; fields: DestField[] }[] = [
  { type: "http", label: "HTTP (POST to the payload URL)", fields: [] },
  {
    type: "cloudflare_queue",
    label: "Cloudflare Queue",
    fields: [
      { name: "account_id", label: "Account ID", placeholder: "32 hex characters" },
      { name: "queue_id", label: "Queue ID", placeholder: "32 hex characters" },
      { name: "api_token", label: "API token", credential: true, hint: "A token with Queues Edit permission." },
    ],
  },
  {
    type: "sqs",
    label: "Amazon SQS",
    fields: [
      { name: "queue_url", label: "Queue URL", placeholder: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci-events" },
      { name: "region", label: "Region", placeholder: "eu-west-1" },
      { name: "access_key_id", label: "Access key ID", credential: true },
      { name: "secret_access_key", label: "Secret access key", credential: true, hint: "Needs sqs:SendMessage on the queue." },
    ],
  },
  {
    type: "eventbridge",
    label: "Amazon EventBridge",
    fields: [
      { name: "region", label: "Region", placeholder: "eu-west-1" },
      { name: "event_bus_name", label: "Event bus name or ARN", placeholder: "default" },
      { name: "source", label: "Source", placeholder: "com.example.ci" },
      { name: "access_key_id", label: "Access key ID", credential: true },
      { name: "secret_access_key", label: "Secret access key", credential: true, hint: "Needs events:PutEvents on the bus." },
    ],
  },
  {
    type: "pubsub",
    label: "Google Pub/Sub",
    fields: [
      { name: "topic", label: "Topic", placeholder: "projects/my-project/topics/ci-events" },
      { name: "service_account_json", label: "Service account key (JSON)", credential: true, multiline: true, hint: "Needs roles/pubsub.publisher on the topic." },
    ],
  },
];

export const knownDestination = (type: string) => DESTINATIONS.some((d) => d.type === type);

/** The form's input name of a destination field: per type, so two types' `region` fields never collide. */
export const destInputName = (type: string, field: string) => `dest_${type}_${field}`;

/** The form's destination: its type, the typed fields (`type.field`), and on edit the stored credentials' hints. */
export type DestinationFormValues = { type: string; fields: Record<string, string>; hints: Record<string, string> };

export const emptyDestination: DestinationFormValues = { type: "http", fields: {}, hints: {} };

const key = (type: string, field: string) => `${type}.${field}`;

/** The API's destination body from the form (null for http); empty credentials are left out (kept on edit). */
export function destinationBody(v: DestinationFormValues): Record<string, string> | null {
  const d = DESTINATIONS.find((x) => x.type === v.type);
  if (!d || d.type === "http") return null;
  const body: Record<string, string> = { type: d.type };
  for (const f of d.fields) {
    const value = (v.fields[key(d.type, f.name)] ?? "").trim();
    // An empty credential is left out: kept on edit; on create the API says it is required.
    if (f.credential && value === "") continue;
    body[f.name] = value;
  }
  const endpoint = (v.fields[key(d.type, "endpoint")] ?? "").trim();
  if (endpoint !== "") body.endpoint = endpoint;
  return body;
}

/** A webhook's destination as the form shows it: non-secret fields filled, credentials empty with their hints. */
export function destinationValues(view: { type: string } & Record<string, unknown>): DestinationFormValues {
  const d = DESTINATIONS.find((x) => x.type === view.type);
  if (!d) return emptyDestination;
  const fields: Record<string, string> = {};
  const hints: Record<string, string> = {};
  for (const f of d.fields) {
    if (f.credential) {
      const hint = view[`${f.name}_hint`];
      if (typeof hint === "string") hints[key(d.type, f.name)] = hint;
    } else if (typeof view[f.name] === "string") fields[key(d.type, f.name)] = view[f.name] as string;
  }
  if (typeof view.endpoint === "string") fields[key(d.type, "endpoint")] = view.endpoint;
  return { type: d.type, fields, hints };
}

/** Reads the destination inputs of a posted form. */
export function destinationFromForm(get: (name: string) => string): DestinationFormValues {
  const type = get("destination_type") || "http";
  const fields: Record<string, string> = {};
  for (const d of DESTINATIONS) for (const f of [...d.fields, { name: "endpoint" }]) fields[key(d.type, f.name)] = get(destInputName(d.type, f.name));
  return { type: knownDestination(type) ? type : "http", fields, hints: {} };
}

/**
 * The API's errors at `destination.<field>` shown at the chosen type's field
 * (`dest_<type>_<field>`); others at the destination choice.
 */
export function destinationErrors(type: string, details: { path: string; message: string }[]): FieldErrors {
  const out: FieldErrors = {};
  for (const d of details) {
    const m = /^destination(?:\.(.+))?$/.exec(d.path);
    if (!m) continue;
    const name = m[1] && m[1] !== "type" ? destInputName(type, m[1]) : "destination_type";
    (out[name] ??= []).push(d.message);
  }
  return out;
}

export const DestinationFields: FC<{ value: DestinationFormValues; errors: FieldErrors; mode: "create" | "edit" }> = ({ value, errors, mode }) => (
  <fieldset class="destination">
    <legend>Destination</legend>
    <div class={fieldClass(errors.destination_type)}>
      <label for="destination_type">Send to</label>
      <select id="destination_type" name="destination_type" aria-describedby={describedBy("destination_type", errors.destination_type, true)}>
        {DESTINATIONS.map((d) => (
          <option value={d.type} selected={value.type === d.type}>
            {d.label}
          </option>
        ))}
      </select>
      <p class="hint" id="destination_type-hint">
        HTTP posts to the payload URL. The others put the same signed message on a queue or bus (no payload URL): fill in the
        chosen type's section below. Credentials are never shown again; on edit, leave a credential empty to keep it.
      </p>
      <FieldError id="destination_type-error" errors={errors.destination_type} />
    </div>
    {DESTINATIONS.filter((d) => d.type !== "http").map((d) => (
      <details open={value.type === d.type}>
        <summary>{d.label}</summary>
        <div class="grid2">
          {[...d.fields, { name: "endpoint", label: "Endpoint (optional)", placeholder: "the service's own URL", hint: "Overrides the service URL (a compatible service)." } as DestField].map((f) => {
            const name = destInputName(d.type, f.name);
            const stored = value.type === d.type ? value.hints[key(d.type, f.name)] : undefined;
            const placeholder = f.credential ? (mode === "edit" && stored !== undefined ? `stored …${stored}; empty keeps it` : "") : (f.placeholder ?? "");
            const shown = f.credential ? "" : (value.fields[key(d.type, f.name)] ?? "");
            const described = describedBy(name, errors[name], !!f.hint);
            return (
              <div class={fieldClass(errors[name])}>
                <label for={name}>{f.label}</label>
                {f.multiline ? (
                  <textarea id={name} name={name} placeholder={placeholder} autocomplete="off" spellcheck={false} aria-describedby={described}></textarea>
                ) : (
                  <input
                    id={name}
                    name={name}
                    type={f.credential ? "password" : "text"}
                    value={shown}
                    placeholder={placeholder}
                    autocomplete={f.credential ? "new-password" : "off"}
                    spellcheck={false}
                    aria-describedby={described}
                  />
                )}
                {f.hint ? (
                  <p class="hint" id={`${name}-hint`}>
                    {f.hint}
                  </p>
                ) : null}
                <FieldError id={`${name}-error`} errors={errors[name]} />
              </div>
            );
          })}
        </div>
      </details>
    ))}
  </fieldset>
);

/** The webhook page's line for its destination: the type, its fields, credentials as hints only. */
export const DestinationFacts: FC<{ destination: { type: string } & Record<string, unknown> }> = ({ destination }) => {
  const d = DESTINATIONS.find((x) => x.type === destination.type);
  if (!d || d.type === "http") return <dd>HTTP (the URL above)</dd>;
  return (
    <dd>
      {d.label}
      <div class="small mono">
        {Object.entries(destination)
          .filter(([k, v]) => k !== "type" && v !== null)
          .map(([k, v]) => (
            <div>
              {k.replace(/_hint$/, "")}: {k.endsWith("_hint") ? `…${String(v)}` : String(v)}
            </div>
          ))}
      </div>
    </dd>
  );
};
