/** One delivery and each of its attempts, with the Redeliver action. */
import type { FC } from "hono/jsx";
import type { Attempt, DeliveryDetail } from "./types";
import type { ApiErrorBody } from "./api-client";
import { ApiErrorNotice, AttemptError, Badge, canChange, Csrf, DeliveryStatusBadge, excerpt, exactly, HttpStatus, LastResponse, Layout, Notice, when, type Me } from "./view";

const Headers: FC<{ title: string; headers: Record<string, string> | null }> = ({ title, headers }) =>
  headers && Object.keys(headers).length ? (
    <details>
      <summary>
        {title} ({Object.keys(headers).length})
      </summary>
      <div class="table-wrap">
        <table class="kv">
          <tbody>
            {Object.entries(headers).map(([k, v]) => (
              <tr>
                <td>{k}</td>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  ) : null;

const AttemptCard: FC<{ a: Attempt }> = ({ a }) => (
  <article class="attempt" aria-labelledby={`attempt-${a.attempt}`} data-attempt={String(a.attempt)}>
    <header>
      <h3 id={`attempt-${a.attempt}`}>Attempt {a.attempt}</h3>
      {a.trigger === "manual" ? <Badge tone="idle" label="Manual" /> : <Badge tone="idle" label="Automatic" />}
      <HttpStatus status={a.response_status} />
      <span class="muted small">
        {a.duration_ms} ms · {exactly(a.started_at)}
      </span>
    </header>
    <div class="body">
      <div class="small mono">POST {a.url}</div>
      {a.error ? (
        <p class="field-error">
          <AttemptError error={a.error} />
        </p>
      ) : null}
      <Headers title="Request headers" headers={a.request_headers} />
      <Headers title="Response headers" headers={a.response_headers} />
      <div>
        <strong class="small">Response body</strong>
        {a.response_body ? <pre class="excerpt">{excerpt(a.response_body)}</pre> : <p class="muted small">empty</p>}
      </div>
    </div>
  </article>
);

/**
 * The number of the attempt running right now, or null: the last claimed
 * attempt has no record yet and its lease (next_attempt_at while it runs) has
 * not run out (delivery/claims.ts). Its next_attempt_at is the lease's end, a
 * minute or more away, so it must not read as "next attempt in a minute".
 */
function runningAttempt(d: DeliveryDetail, now: number): number | null {
  if (d.status !== "pending" || d.waiting_for || !d.next_attempt_at || Date.parse(d.next_attempt_at) <= now) return null;
  return d.attempt_count > (d.attempts.at(-1)?.attempt ?? 0) ? d.attempt_count : null;
}

export const DeliveryPage: FC<{ me: Me; delivery: DeliveryDetail; webhookName: string | null; notice?: string; error?: ApiErrorBody }> = ({
  me,
  delivery: d,
  webhookName,
  notice,
  error,
}) => {
  const hook = `/webhooks/${encodeURIComponent(d.webhook_id)}`;
  const pending = d.status === "pending";
  const now = Date.now();
  const running = runningAttempt(d, now);
  // Refresh by itself while an attempt runs or is due soon; a retry hours away needs no polling.
  const soon = running !== null || (pending && (!d.next_attempt_at || Date.parse(d.next_attempt_at) - now < 60_000));
  return (
    <Layout title={`Delivery ${d.id}`} me={me} nav="webhooks" refreshSeconds={soon ? 2 : undefined}>
      <div class="crumbs">
        <a href="/webhooks">Webhooks</a> / {webhookName ? <a href={hook}>{webhookName}</a> : <span>deleted webhook</span>} / delivery
      </div>
      <div class="page-head">
        <div>
          <h1>
            <code>{d.event_type}</code> delivery
          </h1>
          <p class="sub">
            <DeliveryStatusBadge status={d.status} /> <span class="mono small">{d.id}</span>
          </p>
        </div>
        {canChange(me) ? (
          <form method="post" action={`/deliveries/${encodeURIComponent(d.id)}/redeliver`}>
            <Csrf token={me.csrf} />
            <button type="submit" class="primary">
              Redeliver
            </button>
          </form>
        ) : null}
      </div>
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? <ApiErrorNotice error={error} title="Could not redeliver" /> : null}
      {pending ? (
        <Notice tone="info">
          {d.waiting_for ? (
            <p>
              Waits for <a href={`/deliveries/${encodeURIComponent(d.waiting_for)}`}>{d.waiting_for}</a>, the delivery before it with the same ordering
              key: it is sent once that one has succeeded or failed for good.
            </p>
          ) : running !== null ? (
            <p>Attempt {running} is running now. This page refreshes by itself.</p>
          ) : (
            <p>{d.next_attempt_at ? <>Next attempt {when(d.next_attempt_at)}.</> : "An attempt is on its way."} {soon ? "This page refreshes by itself." : ""}</p>
          )}
        </Notice>
      ) : null}
      <section class="panel" aria-labelledby="summary-title">
        <h2 id="summary-title">Summary</h2>
        <dl class="facts">
          <dt>Event</dt>
          <dd>
            <code>{d.event_type}</code> {d.event_id ? <span class="mono small muted">{d.event_id}</span> : null}
          </dd>
          {d.ordering_key !== null ? (
            <>
              <dt>Ordering key</dt>
              <dd>
                <code>{d.ordering_key}</code>
              </dd>
            </>
          ) : null}
          {d.waiting_for ? (
            <>
              <dt>Waiting for</dt>
              <dd>
                <a class="mono" href={`/deliveries/${encodeURIComponent(d.waiting_for)}`}>
                  {d.waiting_for}
                </a>
              </dd>
            </>
          ) : null}
          <dt>Attempts</dt>
          <dd>{d.attempt_count}</dd>
          <dt>Last response</dt>
          <dd>
            <LastResponse attempts={d.attempts.length} status={d.last_response_status} />
          </dd>
          {d.failure_reason ? (
            <>
              <dt>Failure</dt>
              <dd>{d.failure_reason}</dd>
            </>
          ) : null}
          <dt>Created</dt>
          <dd>{exactly(d.created_at)}</dd>
          <dt>Updated</dt>
          <dd>{exactly(d.updated_at)}</dd>
        </dl>
      </section>
      <section class="panel" aria-labelledby="body-title">
        <h2 id="body-title">Request body</h2>
        {d.request_body === null ? (
          <p class="muted small">Not available: the webhook was deleted.</p>
        ) : (
          <>
            <p class="muted small">
              The exact bytes every attempt sent ({new TextEncoder().encode(d.request_body).length} bytes), in the webhook's current format.
            </p>
            <pre class="excerpt" id="request-body">
              {d.request_body}
            </pre>
          </>
        )}
      </section>
      <h2>Attempts</h2>
      {d.attempts.length === 0 ? <p class="muted">No attempt has finished yet.</p> : [...d.attempts].reverse().map((a) => <AttemptCard a={a} />)}
    </Layout>
  );
};
