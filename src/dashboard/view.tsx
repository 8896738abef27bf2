/**
 * Shared pieces of the dashboard's pages: the layout, badges, form fields
 * with their errors, times. Server-rendered with Hono JSX; every value is
 * escaped by JSX, nothing is inserted as raw HTML but the doctype.
 */
import type { Child, FC, JSX, PropsWithChildren } from "hono/jsx";
import type { PortalBranding } from "../db/control-schema";
import { accentHref, Brand } from "./branding";
import type { ApiErrorBody } from "./api-client";
import type { Attempt } from "./types";

/** The signed-in user; `portal` for a session a portal link started (docs/portal.md). */
export type Me = { namespace: string; admin: boolean; csrf: string; portal?: { readOnly: boolean; branding: PortalBranding | null } };

/** Whether the pages offer changes (forms, action buttons): not to a read-only portal session. */
export const canChange = (me: Me) => !me.portal?.readOnly;

export const Csrf: FC<{ token: string }> = ({ token }) => <input type="hidden" name="_csrf" value={token} />;

export const Layout: FC<PropsWithChildren<{ title: string; me?: Me; nav?: "webhooks"; refreshSeconds?: number }>> = ({
  title,
  me,
  nav,
  refreshSeconds,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      {refreshSeconds ? <meta http-equiv="refresh" content={String(refreshSeconds)} /> : null}
      <title>{`${title} · ${me?.portal?.branding?.name ?? "ci-webhooks"}`}</title>
      <link rel="stylesheet" href="/assets/app.css" />
      {accentHref(me?.portal?.branding?.accent_color) ? <link rel="stylesheet" href={accentHref(me?.portal?.branding?.accent_color) ?? ""} /> : null}
      <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="inner">
          <Brand branding={me?.portal?.branding} />
          {me ? (
            <nav aria-label="Main">
              <a href="/webhooks" aria-current={nav === "webhooks" ? "page" : undefined}>
                Webhooks
              </a>
            </nav>
          ) : null}
          {me ? (
            <div class="who">
              <span>
                Namespace <strong class="mono">{me.namespace}</strong>
                {me.admin ? " (admin)" : ""}
                {me.portal?.readOnly ? " (read-only)" : ""}
              </span>
              <form method="post" action="/sign-out">
                <Csrf token={me.csrf} />
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            </div>
          ) : null}
        </div>
      </header>
      <main id="main" tabindex={-1}>
        {children}
      </main>
      <footer class="site">{me?.portal ? "Webhooks powered by ci-webhooks" : "ci-webhooks · signed webhooks for CI/CD events"}</footer>
      <script src="/assets/copy.js" defer></script>
    </body>
  </html>
);

export type Tone = "ok" | "warn" | "bad" | "idle";
const GLYPH: Record<Tone, string> = { ok: "✓", warn: "!", bad: "✕", idle: "•" };

/** A status: colour, glyph and word (never colour alone). */
export const Badge: FC<{ tone: Tone; label: string; title?: string }> = ({ tone, label, title }) => (
  <span class={`badge ${tone}`} title={title}>
    <span aria-hidden="true">{GLYPH[tone]}</span>
    {label}
  </span>
);

export const DeliveryStatusBadge: FC<{ status: string }> = ({ status }) =>
  status === "succeeded" ? (
    <Badge tone="ok" label="Succeeded" />
  ) : status === "failed" ? (
    <Badge tone="bad" label="Failed" />
  ) : (
    <Badge tone="warn" label="Pending" />
  );

export const HttpStatus: FC<{ status: number | null }> = ({ status }) =>
  status === null ? (
    <span class="muted">no response</span>
  ) : (
    <Badge tone={status >= 200 && status < 300 ? "ok" : status >= 500 || status < 200 ? "bad" : "warn"} label={`HTTP ${status}`} />
  );

/** A list table that turns into cards on narrow screens (the cells carry `data-label`). */
export const ListTable: FC<PropsWithChildren<{ caption?: string; columns: Child[] }>> = ({ caption, columns, children }) => (
  <div class="table-wrap">
    <table class="responsive">
      {caption ? <caption class="skip">{caption}</caption> : null}
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col">{c}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);

type PagerLink = { href: string; label: string } | null;

/** Back and forward links under a list; a missing one keeps its place (the other stays right-aligned). */
export const Pager: FC<{ back: PagerLink; forward: PagerLink }> = ({ back, forward }) => (
  <div class="pager">
    {back ? <a href={back.href}>{back.label}</a> : <span />}
    {forward ? <a href={forward.href}>{forward.label}</a> : <span />}
  </div>
);

/** A delivery's last HTTP status, or a dash while it has no attempt. */
export const LastResponse: FC<{ attempts: number; status: number | null }> = ({ attempts, status }) =>
  attempts ? <HttpStatus status={status} /> : <span class="muted">–</span>;

/** Why an attempt got no usable answer: its error class, then the message. */
export const AttemptError: FC<{ error: NonNullable<Attempt["error"]> }> = ({ error }) => (
  <>
    <code>{error.class}</code> {error.message}
  </>
);

/** Field errors by form field, from the API's `details` (path "events.0" → "events"). */
export type FieldErrors = Record<string, string[]>;

export function fieldErrors(err: ApiErrorBody | undefined, fields: readonly string[]): { byField: FieldErrors; general: string[] } {
  const byField: FieldErrors = {};
  const general: string[] = [];
  for (const d of err?.details ?? []) {
    const head = d.path.split(".")[0] ?? "";
    if (fields.includes(head)) (byField[head] ??= []).push(d.message);
    else general.push(d.path ? `${d.path}: ${d.message}` : d.message);
  }
  return { byField, general };
}

export const FieldError: FC<{ id: string; errors?: string[] }> = ({ id, errors }) =>
  errors?.length ? (
    <p class="field-error" id={id}>
      {errors.join("; ")}
    </p>
  ) : null;

/** A form field's wrapper class: marked invalid while it has errors. */
export const fieldClass = (errors: string[] | undefined) => (errors ? "field invalid" : "field");

/** The ids a control's aria-describedby names: its error (when shown), then its hint. */
export const describedBy = (name: string, errors: string[] | undefined, hint: boolean) =>
  [errors ? `${name}-error` : "", hint ? `${name}-hint` : ""].filter(Boolean).join(" ") || undefined;

/**
 * A labelled text input with its hint and error below it: id and name are
 * `name`, the hint is `<name>-hint`, the error `<name>-error`, both tied to
 * the input by aria-describedby (and aria-invalid while it has errors).
 * Other props go to the input as they are.
 */
export const TextField: FC<{ name: string; label: string; hint?: Child; errors?: string[] } & Omit<JSX.IntrinsicElements["input"], "id" | "name">> = ({
  name,
  label,
  hint,
  errors,
  type = "text",
  ...input
}) => (
  <div class={fieldClass(errors)}>
    <label for={name}>{label}</label>
    <input
      id={name}
      name={name}
      type={type}
      {...input}
      aria-invalid={errors ? "true" : undefined}
      aria-describedby={describedBy(name, errors, hint !== undefined)}
    />
    {hint !== undefined ? (
      <p class="hint" id={`${name}-hint`}>
        {hint}
      </p>
    ) : null}
    <FieldError id={`${name}-error`} errors={errors} />
  </div>
);

export const ApiErrorNotice: FC<{ error: ApiErrorBody; title?: string }> = ({ error, title }) => (
  <div class="notice bad" role="alert">
    <strong>{title ?? "The request was refused"}</strong>
    <p>{error.message}</p>
    {error.details?.length ? (
      <ul>
        {error.details.map((d) => (
          <li>
            {d.path ? <code>{d.path}</code> : null} {d.message}
          </li>
        ))}
      </ul>
    ) : null}
    {error.request_id ? <p class="small muted">Request id {error.request_id}</p> : null}
  </div>
);

export const Notice: FC<PropsWithChildren<{ tone: "ok" | "warn" | "bad" | "info"; title?: string }>> = ({ tone, title, children }) => (
  <div class={`notice ${tone}`} role={tone === "bad" ? "alert" : "status"}>
    {title ? <strong>{title}</strong> : null}
    {children}
  </div>
);

function relative(iso: string, now: number): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  const abs = Math.abs(s);
  const rel =
    abs < 5 ? "just now" : abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return abs < 5 ? rel : s >= 0 ? `${rel} ago` : `in ${rel}`;
}

/** "2026-12-07 18:22:43 UTC": to the second, so a retry's gap can be read off. */
export const utc = (iso: string) => iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");

export function when(iso: string | null | undefined, now = Date.now()): Child {
  if (!iso) return <span class="muted">never</span>;
  return (
    <time datetime={iso} title={utc(iso)}>
      {relative(iso, now)}
    </time>
  );
}

/** The exact time (UTC) with the relative one beside it: delivery lists and attempts. */
export function exactly(iso: string | null | undefined, now = Date.now()): Child {
  if (!iso) return <span class="muted">never</span>;
  return (
    <span class="when">
      <time datetime={iso}>{utc(iso)}</time> <span class="muted small">({relative(iso, now)})</span>
    </span>
  );
}

export const percent = (r: number | null) => (r === null ? "–" : `${Math.floor(r * 1000) / 10}%`);

export function excerpt(s: string | null, max = 600): string {
  if (s === null) return "";
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
