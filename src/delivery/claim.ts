/**
 * The claim: one conditional UPDATE takes every due delivery of a batch that
 * may be sent now, and returns each one's event and webhook, so a duplicate or
 * concurrent message never sends twice. While an attempt runs,
 * next_attempt_at holds its lease (the webhook's timeout + a margin) and
 * last_duration_ms is NULL; if the Worker dies, the sweep picks it up once the
 * lease has passed.
 *
 * What may be sent now (else the delivery is left untouched, nothing written):
 * - main lane: only first attempts to a healthy webhook (no failures, circuit
 *   closed, not found too slow lately: slow_until); the rest is routed to the
 *   slow lane;
 * - the circuit is closed, or this is the one probe of a half-open circuit
 *   (the slow lane reserves it on the webhook row in the same transaction),
 *   or a person asked for the attempt;
 * - max_in_flight and rate_limit allow it (delivery/flow-control.ts).
 * A healthy first try costs what it always did: one statement, the delivery
 * row. Only when something was left does a second, read-only statement say
 * why (the unclaimed rows), for the routing.
 */
import { shardDb, type ShardEnv } from "../db/shards";
import type { AppEnv } from "../env";
import { storedDataSql, unpackData, type StoredData } from "../events/stored-data";
import { ADVANCE_RATE_SQL, IN_FLIGHT_SQL, RATE_ALLOWED_SQL } from "./flow-control";
import type { WebhookFormat } from "./formats";
import type { Lane } from "./lanes";

/** Extra time past the HTTP timeout before a claimed attempt counts as abandoned. */
export const LEASE_MARGIN_MS = 60_000;

export type ClaimedWebhook = {
  id: string;
  name: string;
  url: string;
  format: WebhookFormat;
  active: number;
  headers: string;
  secret_sealed: string | null;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  failing_since: number | null;
  consecutive_failures: number;
  timeout_ms: number | null;
  rate_limit: number | null;
  circuit_state: string;
  circuit_since: number | null;
  circuit_next_probe_at: number | null;
  circuit_failures: number;
};

export type ClaimedEvent = { id: string; type: string; data: string; created_at: number; test: number };

/** A claimed delivery, decoded. */
export type Claim = {
  seq: number;
  /** This attempt's number. */
  attempts: number;
  manual: boolean;
  namespace: string;
  eventType: string;
  webhook: ClaimedWebhook | null;
  event: ClaimedEvent | null;
};

/** A delivery of the batch the claim left, and what the routing needs to know why. */
export type Unclaimed = {
  seq: number;
  status: string;
  attempts: number;
  manual: number;
  next_attempt_at: number;
  wid: string | null;
  consecutive_failures: number | null;
  circuit_state: string | null;
  circuit_next_probe_at: number | null;
  rate_limit: number | null;
  rate_tat: number | null;
  max_in_flight: number | null;
  slow_until: number | null;
};

type ClaimedRow = {
  seq: number;
  attempts: number;
  manual: number;
  namespace: string;
  event_type: string;
  event: string | null;
  webhook: string | null;
};

const LEASE_END = (w: string) => `?2 + coalesce(${w}.timeout_ms, ?3) + ?4`;

const LANE_GATE: Record<Lane, string> = {
  main: "c.attempts = 0 AND c.consecutive_failures = 0 AND c.circuit_state = 'closed' AND coalesce(c.slow_until, 0) <= ?2",
  slow: "1",
};

const claimSql = (lane: Lane) => `WITH cand AS (
  SELECT d.seq, d.attempts, d.manual, w.id AS wid, w.consecutive_failures, w.circuit_state, w.circuit_next_probe_at,
    w.timeout_ms, w.rate_limit, w.rate_tat, w.max_in_flight, w.slow_until,
    row_number() OVER (PARTITION BY d.webhook_id ORDER BY d.seq) AS k
  FROM deliveries d LEFT JOIN webhooks w ON w.id = d.webhook_id
  WHERE d.seq IN (SELECT value FROM json_each(?1)) AND d.status = 'pending' AND d.next_attempt_at <= ?2
), go AS (
  SELECT c.seq FROM cand c WHERE c.wid IS NULL OR (${LANE_GATE[lane]}
    AND (c.manual = 1 OR c.circuit_state = 'closed'
      OR (c.circuit_state = 'half_open' AND c.circuit_next_probe_at = ${LEASE_END("c")} AND c.k = 1))
    AND (c.max_in_flight IS NULL OR c.k + ${IN_FLIGHT_SQL} <= c.max_in_flight)
    AND (c.rate_limit IS NULL OR c.k <= ${RATE_ALLOWED_SQL}))
)
UPDATE deliveries SET attempts = attempts + 1, last_duration_ms = NULL, updated_at = ?2,
  next_attempt_at = ?2 + coalesce((SELECT w.timeout_ms FROM webhooks w WHERE w.id = deliveries.webhook_id), ?3) + ?4
WHERE seq IN (SELECT seq FROM go) AND status = 'pending' AND next_attempt_at <= ?2
RETURNING seq, attempts, manual, namespace, event_type,
  (SELECT json_object('id', e.id, 'type', e.type, ${storedDataSql("e")}, 'created_at', e.created_at, 'test', e.test)
     FROM events e WHERE e.seq = deliveries.event_seq) AS event,
  (SELECT json_object('id', w.id, 'name', w.name, 'url', w.url, 'format', w.format, 'active', w.active,
          'headers', w.headers, 'secret_sealed', w.secret_sealed, 'previous_secret_sealed', w.previous_secret_sealed,
          'previous_secret_expires_at', w.previous_secret_expires_at, 'failing_since', w.failing_since,
          'consecutive_failures', w.consecutive_failures, 'timeout_ms', w.timeout_ms, 'rate_limit', w.rate_limit,
          'circuit_state', w.circuit_state, 'circuit_since', w.circuit_since,
          'circuit_next_probe_at', w.circuit_next_probe_at, 'circuit_failures', w.circuit_failures)
     FROM webhooks w WHERE w.id = deliveries.webhook_id) AS webhook`;

/**
 * The slow lane's probe reservation: an open circuit whose cool-down is over
 * (or whose probe's lease ran out) turns half-open with the lease of the
 * probe about to be claimed, if the batch holds a due delivery for it.
 */
const RESERVE_PROBES_SQL = `UPDATE webhooks SET circuit_state = 'half_open', circuit_next_probe_at = ${LEASE_END("webhooks")}
WHERE circuit_state != 'closed' AND circuit_next_probe_at <= ?2
  AND id IN (SELECT webhook_id FROM deliveries WHERE seq IN (SELECT value FROM json_each(?1))
    AND status = 'pending' AND next_attempt_at <= ?2 AND manual = 0)`;

const UNCLAIMED_SQL = `SELECT d.seq, d.status, d.attempts, d.manual, d.next_attempt_at, w.id AS wid, w.consecutive_failures,
  w.circuit_state, w.circuit_next_probe_at, w.rate_limit, w.rate_tat, w.max_in_flight, w.slow_until
FROM deliveries d LEFT JOIN webhooks w ON w.id = d.webhook_id
WHERE d.seq IN (SELECT value FROM json_each(?1))`;

export async function claimDeliveries(
  env: ShardEnv,
  seqs: number[],
  now: number,
  lane: Lane,
  defaultTimeoutMs: number,
): Promise<{ claimed: Claim[]; unclaimed: Unclaimed[] }> {
  const db = shardDb(env);
  const args = [JSON.stringify(seqs), now, defaultTimeoutMs, LEASE_MARGIN_MS] as const;
  const claim = db.prepare(claimSql(lane)).bind(...args);
  let rows: ClaimedRow[];
  if (lane === "slow") {
    const [, claimed] = await db.batch<ClaimedRow>([db.prepare(RESERVE_PROBES_SQL).bind(...args), claim]);
    rows = claimed.results;
  } else {
    rows = (await claim.all<ClaimedRow>()).results;
  }
  const claimed = await Promise.all(rows.map(decode));
  const rated = new Map<string, number>();
  for (const c of claimed) if (c.webhook?.rate_limit) rated.set(c.webhook.id, (rated.get(c.webhook.id) ?? 0) + 1);
  if (rated.size) {
    await db
      .prepare(ADVANCE_RATE_SQL)
      .bind(JSON.stringify([...rated].map(([id, n]) => ({ id, n }))), now)
      .run();
  }
  const taken = new Set(claimed.map((c) => c.seq));
  const left = seqs.filter((s) => !taken.has(s));
  if (left.length === 0) return { claimed, unclaimed: [] };
  const { results } = await db.prepare(UNCLAIMED_SQL).bind(JSON.stringify(left)).all<Unclaimed>();
  return { claimed, unclaimed: results };
}

async function decode(row: ClaimedRow): Promise<Claim> {
  const event = row.event ? (JSON.parse(row.event) as ClaimedEvent & StoredData) : null;
  return {
    seq: row.seq,
    attempts: row.attempts,
    manual: Boolean(row.manual),
    namespace: row.namespace,
    eventType: row.event_type,
    webhook: row.webhook ? (JSON.parse(row.webhook) as ClaimedWebhook) : null,
    event: event ? { id: event.id, type: event.type, data: await unpackData(event), created_at: event.created_at, test: event.test } : null,
  };
}
