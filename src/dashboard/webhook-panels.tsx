/**
 * The webhook page's two result panels: what Test Ping Event or Send example
 * just did, and the webhook's health over the last 24 hours.
 */
import type { FC } from "hono/jsx";
import type { ApiErrorBody } from "./api-client";
import type { DeliveryDetail, Health } from "./types";
import { ApiErrorNotice, AttemptError, DeliveryStatusBadge, exactly, excerpt, HttpStatus, Notice, percent, plural, when } from "./view";
/** `sent`: what the button sent, so the result names it ("Example deploy.finished delivered", not "Ping delivered"). */
export type PingResult = { delivery: DeliveryDetail; sent: "ping" | "example" } | { error: ApiErrorBody } | null;

/** What the result box calls the test delivery. */
function sentName(d: DeliveryDetail, sent: "ping" | "example"): string {
  if (sent === "example") return `Example ${d.event_type}`;
  return d.event_type === "ping" ? "Test ping" : `Test ping (an example ${d.event_type})`;
}

export const PingPanel: FC<{ ping: PingResult }> = ({ ping }) => {
  if (!ping) return null;
  if ("error" in ping) return <ApiErrorNotice error={ping.error} title="Test event failed" />;
  const d = ping.delivery;
  const name = sentName(d, ping.sent);
  const last = d.attempts[d.attempts.length - 1];
  const href = `/deliveries/${encodeURIComponent(d.id)}`;
  if (d.status === "pending" && !last) {
    return (
      <Notice tone="info" title={`${name} sent, waiting for the receiver…`}>
        <p>
          This page refreshes by itself. <a href={href}>Open the delivery</a>
        </p>
      </Notice>
    );
  }
  const ok = d.status === "succeeded";
  return (
    <section class={`notice ${ok ? "ok" : d.status === "failed" ? "bad" : "warn"}`} aria-labelledby="ping-title" role="status" id="ping-result">
      <strong id="ping-title">{name} {ok ? "delivered" : d.status === "failed" ? "failed" : "not delivered yet (retrying)"}</strong>
      <p>
        <DeliveryStatusBadge status={d.status} /> {last ? <HttpStatus status={last.response_status} /> : null}{" "}
        {last ? (
          <span>
            in <strong>{last.duration_ms} ms</strong>, {exactly(last.started_at)}
          </span>
        ) : null}
      </p>
      {last?.error ? (
        <p>
          <AttemptError error={last.error} />
        </p>
      ) : null}
      {last?.response_body ? <pre class="excerpt" aria-label="Response excerpt">{excerpt(last.response_body, 400)}</pre> : null}
      <p>
        <a href={href}>Open the delivery</a>
      </p>
    </section>
  );
};

export const HealthPanel: FC<{ health: Health | null }> = ({ health }) => {
  if (!health) return <p class="muted">Health is not available right now.</p>;
  const d = health.windows["24h"];
  const w = health.windows["7d"];
  return (
    <>
      <div class="stats">
        <div class="stat">
          <div class="v">{percent(d.success_rate)}</div>
          <div class="k">Success, 24 h ({plural(d.deliveries, "delivery", "deliveries")})</div>
        </div>
        <div class="stat">
          <div class="v">{percent(w.success_rate)}</div>
          <div class="k">Success, 7 days ({plural(w.deliveries, "delivery", "deliveries")})</div>
        </div>
        <div class="stat">
          <div class="v">{d.p50_ms === null ? "–" : `${d.p50_ms} ms`}</div>
          <div class="k">Median response, 24 h</div>
        </div>
        <div class="stat">
          <div class="v">{d.p95_ms === null ? "–" : `${d.p95_ms} ms`}</div>
          <div class="k">p95 response, 24 h</div>
        </div>
      </div>
      <p class="small muted">
        Last success {when(health.last_success_at)} · last failure {when(health.last_failure_at)}
        {health.consecutive_failures > 0 ? ` · ${health.consecutive_failures} failures in a row` : ""}
      </p>
    </>
  );
};

