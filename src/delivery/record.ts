/**
 * Record: writes settlements to D1 as their attempts end, so a hanging POST
 * holds up nobody else's record (and ack). Writes are coalesced: a flush goes
 * out when FLUSH_SIZE settlements are ready, FLUSH_WINDOW_MS after the first
 * one is, or at once when nothing else of the batch is still running. One
 * flush is ONE D1 batch: one multi-row INSERT of attempts (from the second attempt on;
 * attempt 1 rides in the settle UPDATE), one or two
 * multi-row UPDATEs of deliveries, and one UPDATE per webhook whose health or
 * circuit changed (a healthy webhook costs no writes).
 */
import { ATTEMPT_ROW_NEEDED_SQL, FIRST_ATTEMPT_SET } from "./attempt-log";
import { circuitOf, type CircuitState } from "./circuit";
import type { Settlement } from "./settle";

const FLUSH_SIZE = 50;
const FLUSH_WINDOW_MS = 100;

/** Every attempt of a flush that needs a row (attempt-log.ts), in one statement: the rows come as one JSON array. */
const RECORD_ATTEMPTS_SQL = `INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers,
  response_status, response_headers, response_body, error_class, error_message)
SELECT a.value ->> '$.seq', a.value ->> '$.delivery_seq', a.value ->> '$.attempt', a.value ->> '$.trigger',
  a.value ->> '$.started_at', a.value ->> '$.duration_ms', a.value ->> '$.url', a.value ->> '$.request_headers',
  a.value ->> '$.response_status', a.value ->> '$.response_headers', a.value ->> '$.response_body',
  a.value ->> '$.error_class', a.value ->> '$.error_message'
FROM json_each(?1) a WHERE ${ATTEMPT_ROW_NEEDED_SQL}`;

/**
 * New delivery states, one statement per kind. A delivery that stays pending
 * keeps `status` out of the SET list: assigning it, even unchanged, re-inserts
 * the partial pending-index entry (a billed row; bench/README.md measures it).
 */
const settleSql = (withStatus: boolean) => `UPDATE deliveries SET ${withStatus ? "status = r.value ->> '$.status', " : ""}
  last_response_status = r.value ->> '$.response_status', last_duration_ms = r.value ->> '$.duration_ms',
  next_attempt_at = r.value ->> '$.next_attempt_at', manual = 0, failure_reason = r.value ->> '$.failure_reason',
  updated_at = r.value ->> '$.updated_at', ${FIRST_ATTEMPT_SET}
FROM json_each(?1) r
WHERE deliveries.seq = r.value ->> '$.seq' AND deliveries.attempts = r.value ->> '$.attempt'`;

const END_SQL = `UPDATE deliveries SET status = 'failed', attempts = attempts - 1, failure_reason = r.value ->> '$.reason',
  next_attempt_at = ?2, updated_at = ?2
FROM json_each(?1) r WHERE deliveries.seq = r.value ->> '$.seq' AND deliveries.status = 'pending'`;

/** Claims the main lane gave back (a slow receiver): the attempt number is not spent, the delivery is due again. */
const RELEASE_SQL = `UPDATE deliveries SET attempts = attempts - 1, next_attempt_at = ?2, updated_at = ?2
FROM json_each(?1) r WHERE deliveries.seq = r.value ->> '$.seq' AND deliveries.attempts = r.value ->> '$.attempt' AND deliveries.status = 'pending'`;

const SLOW_UNTIL_SQL = `UPDATE webhooks SET slow_until = r.value ->> '$.until' FROM json_each(?1) r WHERE webhooks.id = r.value ->> '$.id'`;

const CIRCUIT_SET = "circuit_state = ?, circuit_since = ?, circuit_next_probe_at = ?, circuit_failures = ?";

type Waiting = { settlement: Settlement; resolve: () => void; reject: (err: unknown) => void };

export class Recorder {
  private ready: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `running`: deliveries of the batch whose settlement is still to come. */
  constructor(
    private readonly db: D1Database,
    private readonly now: number,
    private running: number,
  ) {}

  /** Resolves once the settlement is in D1. */
  record(settlement: Settlement): Promise<void> {
    this.running--;
    const done = new Promise<void>((resolve, reject) => this.ready.push({ settlement, resolve, reject }));
    this.schedule();
    return done;
  }

  /** A delivery of the batch that will not be recorded (its Worker "died"). */
  forget(): void {
    this.running--;
    this.schedule();
  }

  private schedule(): void {
    if (this.ready.length === 0) return;
    if (this.ready.length >= FLUSH_SIZE || this.running <= 0) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_WINDOW_MS);
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const taken = this.ready;
    this.ready = [];
    if (taken.length === 0) return;
    try {
      await this.db.batch(recordStatements(this.db, taken.map((w) => w.settlement), this.now));
      for (const w of taken) w.resolve();
    } catch (err) {
      for (const w of taken) w.reject(err);
    }
  }
}

export function recordStatements(db: D1Database, settlements: Settlement[], now: number): D1PreparedStatement[] {
  const attemptRows = settlements.flatMap((s) => (s.attemptRow ? [s.attemptRow] : []));
  const states = settlements.flatMap((s) => (s.stateRow ? [s.stateRow] : []));
  const settledRows = states.filter((r) => r.status !== "pending");
  const pendingRows = states.filter((r) => r.status === "pending");
  const ended = settlements.flatMap((s) => (s.endedWithoutAttempt ? [{ seq: s.settled.seq, reason: s.endedWithoutAttempt }] : []));
  const handed = settlements.filter((s) => s.handedToSlowLane);
  const slowUntil = new Map(handed.map((s) => [s.settled.webhook?.id ?? "", s.handedToSlowLane!.until]));
  return [
    attemptRows.length ? db.prepare(RECORD_ATTEMPTS_SQL).bind(JSON.stringify(attemptRows)) : null,
    settledRows.length ? db.prepare(settleSql(true)).bind(JSON.stringify(settledRows)) : null,
    pendingRows.length ? db.prepare(settleSql(false)).bind(JSON.stringify(pendingRows)) : null,
    ended.length ? db.prepare(END_SQL).bind(JSON.stringify(ended), now) : null,
    handed.length ? db.prepare(RELEASE_SQL).bind(JSON.stringify(handed.map((s) => ({ seq: s.settled.seq, attempt: s.handedToSlowLane!.attempt }))), now) : null,
    slowUntil.size ? db.prepare(SLOW_UNTIL_SQL).bind(JSON.stringify([...slowUntil].map(([id, until]) => ({ id, until })))) : null,
    ...webhookHealthUpdates(db, settlements),
  ].filter((st): st is D1PreparedStatement => st !== null);
}

const sameCircuit = (a: CircuitState, b: CircuitState) =>
  a.state === b.state && a.since === b.since && a.nextProbeAt === b.nextProbeAt && a.failures === b.failures;

/**
 * The webhooks' health records, one statement per webhook that changed: a
 * failure, the first success after failures, or a circuit that moved.
 * Attempts of one flush are folded together per webhook; the circuit written
 * is the one after the flush's last attempt.
 */
function webhookHealthUpdates(db: D1Database, settlements: Settlement[]): D1PreparedStatement[] {
  type Entry = { failures: number; firstFailure: number; lastFailure: number; lastSuccess: number | null; circuit: CircuitState | null; last: number };
  const byWebhook = new Map<string, Entry & { webhook: NonNullable<Settlement["settled"]["webhook"]> }>();
  for (const { settled } of settlements) {
    const { webhook, attempt } = settled;
    if (!webhook || !attempt) continue;
    const at = attempt.startedAt + attempt.durationMs;
    const e = byWebhook.get(webhook.id) ?? { webhook, failures: 0, firstFailure: Infinity, lastFailure: 0, lastSuccess: null, circuit: null, last: -Infinity };
    if (settled.status === "succeeded") e.lastSuccess = Math.max(e.lastSuccess ?? 0, at);
    else {
      e.failures++;
      e.firstFailure = Math.min(e.firstFailure, at);
      e.lastFailure = Math.max(e.lastFailure, at);
    }
    if (settled.circuit && at >= e.last) {
      e.circuit = settled.circuit.state;
      e.last = at;
    }
    byWebhook.set(webhook.id, e);
  }
  const statements: D1PreparedStatement[] = [];
  for (const { webhook, failures, firstFailure, lastFailure, lastSuccess, circuit } of byWebhook.values()) {
    const c = circuit ?? circuitOf(webhook);
    const circuitArgs = [c.state, c.since, c.nextProbeAt, c.failures];
    const circuitMoved = !sameCircuit(c, circuitOf(webhook));
    // A success after failures in the same flush: the newest outcome decides the streak.
    const recovered = lastSuccess !== null && lastSuccess > lastFailure;
    if (failures === 0 || recovered) {
      if (failures === 0 && webhook.consecutive_failures === 0 && webhook.failing_since === null && !circuitMoved) continue;
      statements.push(
        db
          .prepare(
            `UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL, last_success_at = ?, last_failure_at = coalesce(?, last_failure_at), ${CIRCUIT_SET} WHERE id = ?`,
          )
          .bind(lastSuccess, failures ? lastFailure : null, ...circuitArgs, webhook.id),
      );
    } else {
      statements.push(
        db
          .prepare(
            `UPDATE webhooks SET consecutive_failures = consecutive_failures + ?, failing_since = coalesce(failing_since, ?), last_failure_at = ?, ${CIRCUIT_SET} WHERE id = ?`,
          )
          .bind(failures, firstFailure, lastFailure, ...circuitArgs, webhook.id),
      );
    }
  }
  return statements;
}
