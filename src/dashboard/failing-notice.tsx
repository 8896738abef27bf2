/**
 * The webhook page's warning once a `webhook.failing` alert went out
 * (webhooks/failing-alerts.ts): how long it has failed and the date it will be
 * disabled unless a delivery succeeds first.
 */
import type { FC } from "hono/jsx";
import type { Health, Webhook } from "./types";
import { Notice, when } from "./view";

/** The date as a person reads it, in UTC (the page has no time zone of the reader). */
const day = (iso: string) => iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");

export const FailingNotice: FC<{ webhook: Webhook; health: Health | null }> = ({ webhook, health }) => {
  if (!webhook.active || !health || health.failing_alert_percent === null || !health.disables_at) return null;
  return (
    <Notice tone="warn" title={`This webhook will be disabled on ${day(health.disables_at)}`}>
      <p id="failing-notice">
        Every delivery has failed since {when(health.failing_since)} ({health.failing_alert_percent} % of the way to auto-disable). It will be disabled{" "}
        {when(health.disables_at)} unless a delivery succeeds first: fix the receiver, then send a test ping.
      </p>
    </Notice>
  );
};
