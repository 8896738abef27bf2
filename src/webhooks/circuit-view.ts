/** A webhook's circuit breaker as answers, stats and the dashboard show it. */
import { z } from "@hono/zod-openapi";
import type { WebhookRow } from "../db/schema";
import { circuitView, type CircuitView } from "../delivery/circuit";

export const CircuitSchema = z
  .object({
    state: z.enum(["closed", "open", "half_open"]).openapi({
      description: "closed: sending; open: deliveries wait (no attempts used) until next_probe_at; half_open: one probe goes through.",
    }),
    since: z.string().nullable().openapi({ description: "When it opened (or last closed again); null if it never opened." }),
    next_probe_at: z.string().nullable().openapi({ description: "When the next probe may go; null while closed." }),
  })
  .openapi("Circuit");

export function webhookCircuit(row: Pick<WebhookRow, "circuitState" | "circuitSince" | "circuitNextProbeAt" | "circuitFailures">, now = Date.now()): CircuitView {
  return circuitView({ state: row.circuitState, since: row.circuitSince, nextProbeAt: row.circuitNextProbeAt, failures: row.circuitFailures }, now);
}

/** The columns of a closed circuit (a new webhook, or one turned back on). */
export const CLOSED_CIRCUIT = { circuitState: "closed", circuitSince: null, circuitNextProbeAt: null, circuitFailures: 0 } as const;
