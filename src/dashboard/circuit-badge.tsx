/** A webhook's circuit breaker: nothing while closed, a badge and the next probe's time otherwise. */
import type { FC } from "hono/jsx";
import type { Webhook } from "./types";
import { Badge, when } from "./view";

export const CircuitBadge: FC<{ webhook: Webhook }> = ({ webhook }) => {
  const c = webhook.circuit;
  if (c.state === "closed") return null;
  const label = c.state === "open" ? "Circuit open" : "Circuit half-open (probing)";
  return (
    <span class="circuit" data-circuit={c.state}>
      <Badge tone={c.state === "open" ? "bad" : "warn"} label={label} title={`Open since ${c.since ?? "?"}; deliveries wait without using attempts`} />{" "}
      <span class="muted">next probe {when(c.next_probe_at)}</span>
    </span>
  );
};
