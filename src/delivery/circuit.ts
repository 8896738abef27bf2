/**
 * The circuit breaker of one webhook, as a pure state machine (the consumer
 * feeds it every attempt's result; the recorder stores the result on the
 * webhook row):
 * - closed: deliveries are sent. Failed attempts in a row add up (a timeout
 *   counts 2: it held a connection for the whole timeout); at the threshold
 *   the circuit opens.
 * - open: nothing is sent until next_probe_at; waiting deliveries keep their
 *   attempts and write nothing.
 * - half_open: one probe is in flight (delivery/claim.ts reserves it). A
 *   success closes the circuit; a failure opens it again for a cool-down that
 *   grows with the time it has been open (doubling, up to the maximum).
 */
export type CircuitStateName = "closed" | "open" | "half_open";

export type CircuitState = {
  state: CircuitStateName;
  /** When it opened (open/half_open) or last closed again; null if it never opened. */
  since: number | null;
  nextProbeAt: number | null;
  /** Weighted failed attempts since the last success. */
  failures: number;
};

export type CircuitKnobs = { threshold: number; cooldownMs: number; maxCooldownMs: number };

export type CircuitChange = "opened" | "recovered" | null;

export type AttemptVerdict = { ok: boolean; timeout: boolean; at: number };

export const CLOSED: CircuitState = { state: "closed", since: null, nextProbeAt: null, failures: 0 };

export function nextCircuit(c: CircuitState, result: AttemptVerdict, knobs: CircuitKnobs): { circuit: CircuitState; change: CircuitChange } {
  if (result.ok) {
    if (c.state === "closed") return { circuit: { ...c, failures: 0 }, change: null };
    return { circuit: { state: "closed", since: result.at, nextProbeAt: null, failures: 0 }, change: "recovered" };
  }
  const failures = c.failures + (result.timeout ? 2 : 1);
  if (c.state === "closed") {
    if (failures < knobs.threshold) return { circuit: { ...c, failures }, change: null };
    return { circuit: { state: "open", since: result.at, nextProbeAt: result.at + knobs.cooldownMs, failures }, change: "opened" };
  }
  // Still failing while open (a probe, or an attempt that was in flight when it opened).
  const since = c.since ?? result.at;
  const cooldown = Math.min(knobs.maxCooldownMs, Math.max(knobs.cooldownMs, result.at - since));
  return { circuit: { state: "open", since, nextProbeAt: result.at + cooldown, failures }, change: null };
}

/** The state as a reader sees it: an open circuit whose probe is due is half-open. */
export function shownState(c: CircuitState, now: number): CircuitStateName {
  if (c.state === "open" && c.nextProbeAt !== null && c.nextProbeAt <= now) return "half_open";
  return c.state;
}

/** `circuit` in webhook answers, stats and the dashboard. */
export function circuitView(c: CircuitState, now: number) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const state = shownState(c, now);
  return { state, since: iso(c.since), next_probe_at: state === "closed" ? null : iso(c.nextProbeAt) };
}

export type CircuitView = ReturnType<typeof circuitView>;

/** From the webhook row's columns. */
export function circuitOf(row: {
  circuit_state: string;
  circuit_since: number | null;
  circuit_next_probe_at: number | null;
  circuit_failures: number;
}): CircuitState {
  const state = row.circuit_state === "open" || row.circuit_state === "half_open" ? row.circuit_state : "closed";
  return { state, since: row.circuit_since, nextProbeAt: row.circuit_next_probe_at, failures: row.circuit_failures };
}
