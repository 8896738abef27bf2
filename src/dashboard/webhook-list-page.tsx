/** The Webhooks tab: every webhook of the namespace with its health. */
import type { FC } from "hono/jsx";
import { shownUrl } from "../security/url-mask";
import { HealthBadge } from "./health-badge";
import type { Health, Webhook } from "./types";
import { Badge, canChange, Csrf, Layout, ListTable, Notice, Pager, type Me } from "./view";

export type WebhookRow = { webhook: Webhook; health: Health | null };

const Events: FC<{ events: string[] }> = ({ events }) => (
  <>
    {events.slice(0, 3).map((e) => (
      <span class="chip">{e}</span>
    ))}
    {events.length > 3 ? <span class="muted small">+{events.length - 3} more</span> : null}
  </>
);

export const ActiveBadge: FC<{ webhook: Webhook }> = ({ webhook }) =>
  webhook.active ? <Badge tone="ok" label="Active" /> : webhook.disabled_reason ? <Badge tone="bad" label="Disabled" /> : <Badge tone="idle" label="Inactive" />;

export const WebhookListPage: FC<{ me: Me; rows: WebhookRow[]; nextCursor: string | null; isFirstPage: boolean; notice?: string; error?: string }> = ({
  me,
  rows,
  nextCursor,
  isFirstPage,
  notice,
  error,
}) => (
  <Layout title="Webhooks" me={me} nav="webhooks">
    <div class="page-head">
      <div>
        <h1>Webhooks</h1>
        <p class="sub">Each webhook receives the events it subscribes to, signed with its secret.</p>
      </div>
      {canChange(me) ? (
        <a class="btn primary" href="/webhooks/new">
          <span aria-hidden="true">+</span> Create webhook
        </a>
      ) : null}
    </div>
    {notice ? <Notice tone="ok">{notice}</Notice> : null}
    {error ? (
      <Notice tone="bad" title="Could not load the webhooks">
        <p>{error}</p>
      </Notice>
    ) : null}
    {me.admin ? (
      <form method="post" action="/namespace" class="panel inline-form" aria-label="Switch namespace">
        <Csrf token={me.csrf} />
        <div class="field">
          <label for="switch-ns">Namespace</label>
          <input id="switch-ns" name="namespace" type="text" value={me.namespace} spellcheck={false} />
        </div>
        <button type="submit">Switch namespace</button>
      </form>
    ) : null}
    {rows.length === 0 && isFirstPage ? (
      <div class="panel empty">
        <h2>No webhooks yet</h2>
        {canChange(me) ? (
          <>
            <p>Create a webhook to send this namespace's CI events to a URL of yours.</p>
            <a class="btn primary" href="/webhooks/new">
              Create webhook
            </a>
          </>
        ) : null}
      </div>
    ) : (
      <ListTable caption={`Webhooks of ${me.namespace}`} columns={["Name", "URL", "Format", "Events", "Active", "Health"]}>
        {rows.map(({ webhook, health }) => (
          <tr>
            <td data-label="Name">
              <a class="name" href={`/webhooks/${encodeURIComponent(webhook.id)}`}>
                {webhook.name}
              </a>
              {webhook.description ? <div class="muted small">{webhook.description}</div> : null}
            </td>
            <td data-label="URL" class="url">
              {webhook.mode === "poll" ? <span class="muted">polled by its receiver</span> : shownUrl(webhook.url, webhook.format)}
            </td>
            <td data-label="Format">{webhook.format}</td>
            <td data-label="Events">
              <Events events={webhook.events} />
            </td>
            <td data-label="Active">
              <ActiveBadge webhook={webhook} />
            </td>
            <td data-label="Health">
              <HealthBadge webhook={webhook} health={health} />
            </td>
          </tr>
        ))}
      </ListTable>
    )}
    <Pager
      back={isFirstPage ? null : { href: "/webhooks", label: "← First page" }}
      forward={nextCursor ? { href: `/webhooks?cursor=${encodeURIComponent(nextCursor)}`, label: "Next page →" } : null}
    />
  </Layout>
);
