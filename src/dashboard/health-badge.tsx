/** A webhook's health in one badge: from its stats, or why it does not send. */
import type { FC } from "hono/jsx";
import type { Health, Webhook } from "./types";
import { Badge, percent } from "./view";

export const HealthBadge: FC<{ webhook: Webhook; health: Health | null }> = ({ webhook, health }) => {
  if (webhook.disabled_reason) return <Badge tone="bad" label="Disabled" title={webhook.disabled_reason} />;
  if (!webhook.active) return <Badge tone="idle" label="Paused" />;
  if (!health) return <Badge tone="idle" label="Unknown" />;
  const day = health.windows["24h"];
  const lastFailure = health.last_failure_at ? ` · last failure ${health.last_failure_at.replace("T", " ").replace(/\.\d+Z$/, " UTC")}` : "";
  if (health.consecutive_failures > 0) {
    return <Badge tone="bad" label={`Failing (${health.consecutive_failures} in a row)`} title={`Failing since ${health.failing_since ?? "?"}${lastFailure}`} />;
  }
  if (day.success_rate === null) return <Badge tone="idle" label="No deliveries (24 h)" title={lastFailure.slice(3) || undefined} />;
  const tone = day.success_rate >= 0.95 ? "ok" : day.success_rate >= 0.8 ? "warn" : "bad";
  const word = tone === "ok" ? "Healthy" : tone === "warn" ? "Degraded" : "Unhealthy";
  return <Badge tone={tone} label={`${word} ${percent(day.success_rate)}`} title={`Success rate over 24 h (${day.succeeded}/${day.succeeded + day.failed})${lastFailure}`} />;
};
