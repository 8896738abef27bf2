/**
 * One webhook: its settings and health, the actions on it (edit, Test Ping
 * Event, Send example, rotate secret, delete, re-enable) and its deliveries,
 * newest first.
 */
import type { FC } from "hono/jsx";
import { shownUrl, urlIsSecret } from "../security/url-mask";
import { ActivityChart } from "./activity-chart";
import { FailingNotice } from "./failing-notice";
import { filterToText } from "./filter-field";
import { SigningFacts } from "./signing-facts";
import { CircuitBadge } from "./circuit-badge";
import { DestinationFacts } from "./destination-fields";
import { HealthBadge } from "./health-badge";
import type { Activity, DeliverySummary, Health, Webhook } from "./types";
import { ActiveBadge } from "./webhook-list-page";
import { ApiErrorNotice, canChange, Csrf, DeliveryStatusBadge, exactly, LastResponse, Layout, ListTable, Notice, Pager, when, type Me } from "./view";
import type { ApiErrorBody } from "./api-client";
import { HealthPanel, PingPanel, type PingResult } from "./webhook-panels";

const STATUSES = ["pending", "succeeded", "failed"] as const;

export const WebhookPage: FC<{
  me: Me;
  webhook: Webhook;
  health: Health | null;
  activity: Activity | null;
  deliveries: DeliverySummary[];
  nextCursor: string | null;
  status: string;
  cursor: string;
  ping: PingResult;
  /** Types the webhook subscribes to that its format carries: the "Send example" choices. */
  exampleTypes: string[];
  notice?: string;
  error?: ApiErrorBody;
}> = ({ me, webhook, health, activity, deliveries, nextCursor, status, cursor, ping, exampleTypes, notice, error }) => {
  const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
  const filterQs = status ? `status=${encodeURIComponent(status)}&` : "";
  // While a ping awaits its first attempt the page refreshes itself (no script needed).
  const waiting = ping !== null && "delivery" in ping && ping.delivery.status === "pending" && ping.delivery.attempts.length === 0;
  return (
    <Layout title={webhook.name} me={me} nav="webhooks" refreshSeconds={waiting ? 2 : undefined}>
      <div class="crumbs">
        <a href="/webhooks">Webhooks</a> / {webhook.name}
      </div>
      <div class="page-head">
        <div>
          <h1>{webhook.name}</h1>
          <p class="sub">
            <ActiveBadge webhook={webhook} /> <HealthBadge webhook={webhook} health={health} /> <CircuitBadge webhook={webhook} />
          </p>
        </div>
        {canChange(me) ? (
          <div class="actions webhook-actions">
            {webhook.mode === "poll" ? null : (
              <form method="post" action={`${base}/ping`}>
                <Csrf token={me.csrf} />
                <button type="submit" class="primary">
                  Test Ping Event
                </button>
              </form>
            )}
            {exampleTypes.length && webhook.mode !== "poll" ? (
              <form method="post" action={`${base}/example`} class="example-form">
                <Csrf token={me.csrf} />
                <label for="example-type">Example of</label>
                <select id="example-type" name="type" title="The event types this webhook subscribes to">
                  {exampleTypes.map((t) => (
                    <option value={t}>{t}</option>
                  ))}
                </select>
                <button type="submit">Send example</button>
              </form>
            ) : null}
            <a class="btn" href={`${base}/edit`}>
              Edit
            </a>
            <a class="btn" href={`${base}/rotate-secret`}>
              Rotate secret
            </a>
            <a class="btn danger" href={`${base}/delete`}>
              Delete
            </a>
          </div>
        ) : null}
      </div>
      {notice ? <Notice tone="ok">{notice}</Notice> : null}
      {error ? <ApiErrorNotice error={error} /> : null}
      {webhook.disabled_reason ? (
        <Notice tone="bad" title="This webhook is disabled">
          <p>
            {webhook.disabled_reason}
            {webhook.disabled_at ? <> (since {when(webhook.disabled_at)})</> : null}. No events are sent to it until it is enabled again.
          </p>
          {canChange(me) ? (
            <form method="post" action={`${base}/enable`}>
              <Csrf token={me.csrf} />
              <button type="submit" class="primary">
                Re-enable webhook
              </button>
            </form>
          ) : null}
        </Notice>
      ) : !webhook.active ? (
        <Notice tone="warn" title="This webhook is inactive">
          <p>No events are sent to it.</p>
          {canChange(me) ? (
            <form method="post" action={`${base}/enable`}>
              <Csrf token={me.csrf} />
              <button type="submit">Activate webhook</button>
            </form>
          ) : null}
        </Notice>
      ) : null}
      <FailingNotice webhook={webhook} health={health} />
      <PingPanel ping={ping} />
      <div class="grid2">
        <section class="panel" aria-labelledby="settings-title">
          <h2 id="settings-title">Settings</h2>
          <dl class="facts">
            <dt>URL</dt>
            {webhook.mode === "poll" ? (
              <dd>
                None: its receiver polls <span class="mono">{`GET /v1/namespaces/${webhook.namespace}/webhooks/${webhook.id}/poll`}</span> (pull delivery)
                {webhook.expires_at ? <div class="small muted">Temporary: deleted at {exactly(webhook.expires_at)} unless renewed.</div> : null}
              </dd>
            ) : (
              <dd class="mono">
                {shownUrl(webhook.url, webhook.format)}
                {urlIsSecret(webhook.format) ? <div class="small muted">Masked: a {webhook.format} webhook's URL is its credential.</div> : null}
              </dd>
            )}
            <dt>Destination</dt>
            <DestinationFacts destination={webhook.destination} />
            <dt>Format</dt>
            <dd>{webhook.format}</dd>
            <dt>Events</dt>
            <dd>
              {webhook.events.map((e) => (
                <span class="chip">{e}</span>
              ))}
            </dd>
            <SigningFacts webhook={webhook} />
            {webhook.headers.length ? (
              <>
                <dt>Extra headers</dt>
                <dd class="mono">{webhook.headers.join(", ")}</dd>
              </>
            ) : null}
            {webhook.filter ? (
              <>
                <dt>Filter</dt>
                <dd>
                  <code class="filter">{filterToText(webhook.filter)}</code>
                </dd>
              </>
            ) : null}
            {webhook.description ? (
              <>
                <dt>Description</dt>
                <dd>{webhook.description}</dd>
              </>
            ) : null}
            <dt>Created</dt>
            <dd>{when(webhook.created_at)}</dd>
            <dt>Id</dt>
            <dd class="mono">{webhook.id}</dd>
          </dl>
        </section>
        <section class="panel" aria-labelledby="health-title">
          <h2 id="health-title">Health</h2>
          <HealthPanel health={health} />
        </section>
      </div>
      <section class="panel" aria-labelledby="activity-title-h">
        <h2 id="activity-title-h">Last 7 days</h2>
        {activity ? <ActivityChart activity={activity} /> : <p class="muted">The chart is not available right now.</p>}
      </section>
      <section aria-labelledby="deliveries-title">
        <div class="page-head">
          <h2 id="deliveries-title">Deliveries</h2>
          <form method="get" action={base} class="inline-form" aria-label="Filter deliveries">
            <div class="field">
              <label for="status">Status</label>
              <select id="status" name="status">
                <option value="" selected={!status}>
                  All
                </option>
                {STATUSES.map((s) => (
                  <option value={s} selected={status === s}>
                    {s[0].toUpperCase() + s.slice(1)}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">Filter</button>
          </form>
        </div>
        {deliveries.length === 0 ? (
          <div class="panel empty">{status ? `No ${status} deliveries.` : canChange(me) ? "No deliveries yet. Press Test Ping Event to send one." : "No deliveries yet."}</div>
        ) : (
          <ListTable columns={["Status", "Event", "Attempts", "Last response", "Created", "Updated", <span class="skip">Details</span>]}>
            {deliveries.map((d) => (
              <tr>
                <td data-label="Status">
                  <DeliveryStatusBadge status={d.status} />
                  {d.failure_reason ? <div class="muted small">{d.failure_reason}</div> : null}
                </td>
                <td data-label="Event">
                  <code>{d.event_type}</code>
                  {d.event_id ? <div class="mono small muted">{d.event_id}</div> : null}
                  {d.ordering_key !== null ? <div class="muted small mono">key {d.ordering_key}</div> : null}
                </td>
                <td data-label="Attempts">{d.attempts}</td>
                <td data-label="Response">
                  <LastResponse attempts={d.attempts} status={d.last_response_status} />
                </td>
                <td data-label="Created">{exactly(d.created_at)}</td>
                <td data-label="Updated">{exactly(d.updated_at)}</td>
                <td data-label="">
                  <a href={`/deliveries/${encodeURIComponent(d.id)}`} aria-label={`Delivery ${d.id}`}>
                    View
                  </a>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
        <Pager
          back={cursor ? { href: `${base}?${filterQs}`.replace(/[?&]$/, ""), label: "← Newest" } : null}
          forward={nextCursor ? { href: `${base}?${filterQs}cursor=${encodeURIComponent(nextCursor)}`, label: "Older →" } : null}
        />
      </section>
    </Layout>
  );
};
