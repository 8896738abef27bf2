/**
 * The consumer's decisions without D1: settle (retry or not, what is
 * recorded), the circuit breaker's state machine, and the routing of
 * deliveries the claim left.
 */
import { describe, expect, it } from "vitest";
import { CLOSED, nextCircuit, shownState, type CircuitState } from "../src/delivery/circuit";
import type { Claim, ClaimedWebhook, Unclaimed } from "../src/delivery/claim";
import { rateDelaySeconds } from "../src/delivery/flow-control";
import type { AttemptResult } from "../src/delivery/http-attempt";
import { routeUnclaimed } from "../src/delivery/routing";
import { settle, type SettleInput } from "../src/delivery/settle";

const knobs = { threshold: 5, cooldownMs: 30_000, maxCooldownMs: 3_600_000 };
const T = 1_700_000_000_000;

const webhook: ClaimedWebhook = {
  id: "wh_1",
  name: "hook",
  url: "https://example.com/hook",
  format: "standard",
  active: 1,
  headers: "{}",
  secret_sealed: null,
  previous_secret_sealed: null,
  previous_secret_expires_at: null,
  signature_scheme: "hmac-sha256",
  failing_since: null,
  failing_alert_percent: null,
  consecutive_failures: 0,
  timeout_ms: null,
  rate_limit: null,
  circuit_state: "closed",
  circuit_since: null,
  circuit_next_probe_at: null,
  circuit_failures: 0,
  destination: null,
  destination_sealed: null,
};

const claim = (over: Partial<Claim> = {}): Claim => ({
  seq: 7,
  attempts: 1,
  manual: false,
  namespace: "ns",
  eventType: "build.finished",
  order: null,
  webhook,
  event: { id: "evt_1", type: "build.finished", data: "{}", created_at: T, test: 0 },
  ...over,
});

const attempt = (over: Partial<AttemptResult>): AttemptResult => ({ startedAt: T, durationMs: 100, ...over });

const input = (a: AttemptResult, over: Partial<SettleInput> = {}): SettleInput => ({
  claim: claim(),
  sent: { urlAllowed: true, requestHeaders: {}, attempt: a },
  retrySchedule: [5, 300],
  circuit: CLOSED,
  circuitKnobs: knobs,
  random: () => 0,
  ...over,
});

describe("settle", () => {
  it("a 2xx succeeds and leaves a healthy circuit untouched", () => {
    const s = settle(input(attempt({ status: 204 })));
    expect(s.outcome).toMatchObject({ kind: "settled", status: "succeeded" });
    expect(s.stateRow).toMatchObject({ seq: 7, attempt: 1, status: "succeeded", next_attempt_at: T + 100 });
    expect(s.settled.circuit).toEqual({ state: CLOSED, change: null });
  });

  it("a 500 is retried on the schedule, due a second before the queue's delay ends", () => {
    const s = settle(input(attempt({ status: 500 })));
    expect(s.outcome).toMatchObject({ kind: "retry", delaySeconds: 5 });
    expect(s.stateRow).toMatchObject({ status: "pending", next_attempt_at: T + 100 + 4000 });
    expect(s.settled.circuit?.state.failures).toBe(1);
  });

  it("the last automatic attempt, a 410, a manual attempt and a refused URL are not retried", () => {
    expect(settle(input(attempt({ status: 500 }), { claim: claim({ attempts: 3 }) })).settled).toMatchObject({ status: "failed", failureReason: "attempts_exhausted" });
    expect(settle(input(attempt({ status: 410 }))).outcome).toMatchObject({ kind: "settled", status: "failed" });
    expect(settle(input(attempt({ status: 500 }), { claim: claim({ manual: true }) })).settled.failureReason).toBe("manual_attempt_failed");
    const refused = settle({ ...input(attempt({ errorClass: "url_not_allowed" })), sent: { urlAllowed: false, requestHeaders: {}, attempt: attempt({ errorClass: "url_not_allowed" }) } });
    expect(refused.settled.failureReason).toBe("url_not_allowed");
  });

  it("a destination's throttling answer (any status) is retried as a 429: its Retry-After stretches the wait; a rejected 2xx fails", () => {
    const throttled = settle(input(attempt({ status: 400, errorClass: "throttled", headers: { "retry-after": "60" } })));
    expect(throttled.outcome).toMatchObject({ kind: "retry", delaySeconds: 60 });
    expect(throttled.attemptRow).toMatchObject({ response_status: 400, error_class: "throttled" });
    // The same Retry-After on a plain 400 is not a slow-down answer: the schedule decides.
    expect(settle(input(attempt({ status: 400, headers: { "retry-after": "60" } }))).outcome).toMatchObject({ kind: "retry", delaySeconds: 5 });
    const rejected = settle(input(attempt({ status: 200, errorClass: "rejected" })));
    expect(rejected.outcome).toMatchObject({ kind: "retry", delaySeconds: 5 });
    expect(rejected.settled.circuit?.state.failures).toBe(1);
  });

  it("a deleted webhook or a disabled one ends the delivery without an attempt row", () => {
    const gone = settle({ ...input(attempt({})), claim: claim({ webhook: null }), sent: undefined });
    expect(gone).toMatchObject({ endedWithoutAttempt: "webhook_deleted", outcome: { kind: "settled", status: "failed" } });
    expect(gone.attemptRow).toBeUndefined();
    const off = settle({ ...input(attempt({})), claim: claim({ webhook: { ...webhook, active: 0 } }), sent: undefined });
    expect(off.endedWithoutAttempt).toBe("webhook_disabled");
  });

  it("a request the main lane cut (a slow receiver) is handed to the slow lane: no attempt spent, nothing recorded", () => {
    const s = settle(input(attempt({ errorClass: "slow_lane", durationMs: 1000 })));
    expect(s.outcome).toEqual({ kind: "routed" });
    expect(s.handedToSlowLane).toEqual({ until: T + 1000 + 10 * 60_000, attempt: 1 });
    expect(s.attemptRow).toBeUndefined();
    expect(s.stateRow).toBeUndefined();
    expect(s.settled.circuit).toBeUndefined();
  });

  it("the attempt that reaches the threshold opens the circuit; a probe's success closes it", () => {
    const nearly: CircuitState = { ...CLOSED, failures: 4 };
    const opened = settle(input(attempt({ status: 500 }), { circuit: nearly }));
    expect(opened.settled.circuit).toEqual({ state: { state: "open", since: T + 100, nextProbeAt: T + 100 + 30_000, failures: 5 }, change: "opened" });
    const probe = settle(input(attempt({ status: 200, startedAt: T + 40_000 }), { circuit: { ...opened.settled.circuit!.state, state: "half_open" } }));
    expect(probe.settled.circuit).toEqual({ state: { state: "closed", since: T + 40_100, nextProbeAt: null, failures: 0 }, change: "recovered" });
  });
});

describe("circuit breaker", () => {
  const fail = (c: CircuitState, at: number, timeout = false) => nextCircuit(c, { ok: false, timeout, at }, knobs);

  it("opens after N weighted failures in a row: a timeout counts double", () => {
    let c = CLOSED;
    for (let i = 0; i < 2; i++) c = fail(c, T + i, true).circuit;
    expect(c).toMatchObject({ state: "closed", failures: 4 });
    const r = fail(c, T + 10);
    expect(r.change).toBe("opened");
    expect(r.circuit).toEqual({ state: "open", since: T + 10, nextProbeAt: T + 10 + 30_000, failures: 5 });
  });

  it("a success resets the count while closed", () => {
    const c = fail(fail(CLOSED, T).circuit, T).circuit;
    expect(nextCircuit(c, { ok: true, timeout: false, at: T }, knobs)).toEqual({ circuit: CLOSED, change: null });
  });

  it("the cool-down grows while probes keep failing, up to the maximum", () => {
    let c: CircuitState = { state: "open", since: T, nextProbeAt: T + 30_000, failures: 5 };
    const waits: number[] = [];
    let at = T + 30_000;
    for (let i = 0; i < 12; i++) {
      const r = fail({ ...c, state: "half_open" }, at);
      expect(r.change).toBeNull();
      waits.push(r.circuit.nextProbeAt! - at);
      c = r.circuit;
      at = c.nextProbeAt!;
    }
    expect(waits.slice(0, 4)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(Math.max(...waits)).toBe(3_600_000);
    expect(c.since).toBe(T);
  });

  it("an open circuit whose probe is due reads as half-open", () => {
    const c: CircuitState = { state: "open", since: T, nextProbeAt: T + 30_000, failures: 5 };
    expect(shownState(c, T + 29_999)).toBe("open");
    expect(shownState(c, T + 30_000)).toBe("half_open");
    expect(shownState(CLOSED, T)).toBe("closed");
  });
});

describe("routing what the claim left", () => {
  const row = (over: Partial<Unclaimed>): Unclaimed => ({
    seq: 1,
    status: "pending",
    attempts: 0,
    manual: 0,
    next_attempt_at: T - 1,
    wid: "wh_1",
    held: 0,
    consecutive_failures: 0,
    circuit_state: "closed",
    circuit_next_probe_at: null,
    rate_limit: null,
    rate_tat: null,
    max_in_flight: null,
    slow_until: null,
    ...over,
  });

  it("settled, not yet due or leased deliveries are skipped", () => {
    const r = routeUnclaimed("main", [row({ seq: 1, status: "succeeded" }), row({ seq: 2, next_attempt_at: T + 60_000 })], T);
    expect([...r.values()]).toEqual([{ kind: "skipped" }, { kind: "skipped" }]);
  });

  it("the main lane hands retries and failing webhooks to the slow lane", () => {
    const r = routeUnclaimed("main", [row({ seq: 1, attempts: 1 }), row({ seq: 2, consecutive_failures: 3 }), row({ seq: 3, circuit_state: "open", circuit_next_probe_at: T + 5000 })], T);
    expect([...r.values()].map((x) => x.kind)).toEqual(["routed", "routed", "routed"]);
  });

  it("the slow lane waits for the probe time of an open circuit", () => {
    const r = routeUnclaimed("slow", [row({ seq: 1, circuit_state: "open", circuit_next_probe_at: T + 12_500 }), row({ seq: 2, circuit_state: "half_open", circuit_next_probe_at: T + 60_000 })], T);
    expect(r.get(1)).toEqual({ kind: "deferred", delaySeconds: 13, reason: "circuit_open" });
    expect(r.get(2)).toMatchObject({ kind: "deferred", reason: "probe_in_flight" });
  });

  it("rate-limited deliveries held back are spread over the coming slots", () => {
    const rows = [1, 2, 3, 4, 5].map((seq) => row({ seq, rate_limit: 2, rate_tat: T + 3000 }));
    const delays = [...routeUnclaimed("slow", rows, T).values()].map((x) => (x.kind === "deferred" ? x.delaySeconds : -1));
    expect(delays).toEqual([3, 3, 4, 4, 5]);
    expect(rateDelaySeconds(10, null, 0, T)).toBe(1);
  });
});
