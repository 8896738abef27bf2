/**
 * Record: writes settlements to D1 as their attempts end, so a hanging POST
 * holds up nobody else's record (and ack). Writes are coalesced: a flush goes
 * out when FLUSH_SIZE settlements are ready, FLUSH_WINDOW_MS after the first
 * one is, or at once when nothing else of the batch is still running. One
 * flush is ONE D1 batch: one multi-row INSERT of attempts (from the second attempt on;
 * attempt 1 rides in the settle UPDATE), one or two
 * multi-row UPDATEs of deliveries, and one UPDATE per webhook whose health or
 * circuit changed (a healthy webhook costs no writes). When an ordered
 * delivery ended, the batch also reads the head of its key, which is sent
 * before the flush resolves (delivery/ordering.ts).
 */
import type { RawRow } from "../db/columns";
import { recordAttemptsStatements } from "../db/stores/attempts";
import { endWithoutAttemptStatements, releaseClaimsStatements, settleStatements } from "../db/stores/deliveries";
import { recordFailuresStatement, recordRecoveryStatement, slowUntilStatement } from "../db/stores/webhooks";
import { keyHeads, keyHeadsStatement } from "../db/stores/delivery-order";
import { endedKeys } from "./ordering";
import { circuitOf, type CircuitState } from "./circuit";
import type { Settlement } from "./settle";

const FLUSH_SIZE = 50;
const FLUSH_WINDOW_MS = 100;

type Waiting = { settlement: Settlement; resolve: () => void; reject: (err: unknown) => void };

export class Recorder {
  private ready: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * `running`: deliveries of the batch whose settlement is still to come.
   * `release`: hears the heads of the ordering keys whose delivery ended in a flush (delivery/ordering.ts).
   */
  constructor(
    private readonly db: D1Database,
    private readonly now: number,
    private running: number,
    private readonly release: (heads: number[]) => Promise<void> = async () => {},
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
      const settlements = taken.map((w) => w.settlement);
      // The heads are read in the same transaction, after the ends they follow.
      const keys = endedKeys(settlements.map((s) => s.releases));
      const statements = recordStatements(this.db, settlements, this.now);
      const results = await this.db.batch<RawRow>(keys.length ? [...statements, keyHeadsStatement(this.db, keys)] : statements);
      if (keys.length) await this.release(keyHeads(results[results.length - 1].results));
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
    ...recordAttemptsStatements(db, attemptRows),
    ...settleStatements(db, settledRows, true),
    ...settleStatements(db, pendingRows, false),
    ...endWithoutAttemptStatements(db, ended, now),
    ...releaseClaimsStatements(db, handed.map((s) => ({ seq: s.settled.seq, attempt: s.handedToSlowLane!.attempt })), now),
    slowUntil.size ? slowUntilStatement(db, JSON.stringify([...slowUntil].map(([id, until]) => ({ id, until })))) : null,
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
    const circuitMoved = !sameCircuit(c, circuitOf(webhook));
    // A success after failures in the same flush: the newest outcome decides the streak.
    const recovered = lastSuccess !== null && lastSuccess > lastFailure;
    if (failures === 0 || recovered) {
      if (failures === 0 && webhook.consecutive_failures === 0 && webhook.failing_since === null && !circuitMoved) continue;
      statements.push(recordRecoveryStatement(db, webhook.id, lastSuccess, failures ? lastFailure : null, c));
    } else {
      statements.push(recordFailuresStatement(db, webhook.id, failures, firstFailure, lastFailure, c));
    }
  }
  return statements;
}
