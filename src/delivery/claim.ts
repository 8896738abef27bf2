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
 * - max_in_flight and rate_limit allow it (delivery/flow-control.ts);
 * - for an ordered delivery, every earlier one of its key has ended
 *   (delivery/ordering.ts); one held back is left untouched and acked.
 * A healthy first try costs what it always did: one statement, the delivery
 * row. Only when something was left does a second, read-only statement say
 * why (the unclaimed rows), for the routing.
 */
import { config } from "../config";
import { byGeneration, unlessDayMissing } from "../db/generations";
import { shardDb, type ShardEnv } from "../db/shards";
import type { AppEnv } from "../env";
import type { RawRow } from "../db/columns";
import type { StoredDestination } from "../db/schema";
import { claimedRows, claimStatement, type ClaimArgs, type ClaimedRow } from "../db/stores/deliveries";
import { unclaimedRows } from "../db/stores/delivery-reads";
import type { OrderKey } from "../db/stores/delivery-order";
import { unpackData, type StoredData } from "../events/stored-data";
import { advanceRate, reserveProbesStatement } from "../db/stores/webhooks";
import type { SignatureScheme, WebhookFormat } from "./formats";
import type { Lane } from "./lanes";


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
  signature_scheme: SignatureScheme;
  failing_since: number | null;
  failing_alert_percent: number | null;
  consecutive_failures: number;
  timeout_ms: number | null;
  rate_limit: number | null;
  circuit_state: string;
  circuit_since: number | null;
  circuit_next_probe_at: number | null;
  circuit_failures: number;
  /** A non-HTTP destination (webhooks/destinations.ts) and its sealed credentials; null for HTTP. */
  destination: StoredDestination | null;
  destination_sealed: string | null;
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
  /** Its (webhook, key) when it is an ordered delivery (delivery/ordering.ts): its end releases the next of that key. */
  order: OrderKey | null;
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
  /** An earlier delivery of its key has not ended (delivery/ordering.ts). */
  held: number;
};

export async function claimDeliveries(
  env: ShardEnv,
  seqs: number[],
  now: number,
  lane: Lane,
  defaultTimeoutMs: number,
): Promise<{ claimed: Claim[]; unclaimed: Unclaimed[] }> {
  const db = shardDb(env);
  // Extra time past the HTTP timeout before a claimed attempt counts as abandoned (CLAIM_LEASE_MARGIN_SECONDS).
  const leaseMarginMs = config(env).claimLeaseMarginMs;
  const args: ClaimArgs = [JSON.stringify(seqs), now, defaultTimeoutMs, leaseMarginMs];
  // One claim per day among the batch's deliveries (db/generations.ts); almost always one.
  const days = byGeneration(seqs, (s) => s);
  const claimOf = ([g, list]: [number, number[]]) => claimStatement(db, g, lane, [JSON.stringify(list), now, defaultTimeoutMs, leaseMarginMs]);
  const run = async (claims: D1PreparedStatement[]) =>
    (await db.batch<RawRow>(lane === "slow" ? [reserveProbesStatement(db, args), ...claims] : claims)).slice(lane === "slow" ? 1 : 0).flatMap((r) => r.results);
  // A day retention dropped holds nothing to claim: claim the other days alone.
  const rows =
    (await unlessDayMissing(run(days.map(claimOf)), null)) ??
    (await Promise.all(days.map((day) => unlessDayMissing(run([claimOf(day)]), [])))).flat();
  const claimed = await Promise.all(claimedRows(rows).map(decode));
  const rated = new Map<string, number>();
  for (const c of claimed) if (c.webhook?.rate_limit) rated.set(c.webhook.id, (rated.get(c.webhook.id) ?? 0) + 1);
  if (rated.size) {
    await advanceRate(db, JSON.stringify([...rated].map(([id, n]) => ({ id, n }))), now);
  }
  const taken = new Set(claimed.map((c) => c.seq));
  const left = seqs.filter((s) => !taken.has(s));
  if (left.length === 0) return { claimed, unclaimed: [] };
  return { claimed, unclaimed: await unclaimedRows(db, left) };
}

async function decode(row: ClaimedRow): Promise<Claim> {
  const event = row.event ? (JSON.parse(row.event) as ClaimedEvent & StoredData) : null;
  return {
    seq: row.seq,
    attempts: row.attempts,
    manual: row.manual,
    namespace: row.namespace,
    eventType: row.eventType,
    webhook: row.webhook ? (JSON.parse(row.webhook) as ClaimedWebhook) : null,
    order: row.ordered && row.orderingKey !== null ? { w: row.webhookId, k: row.orderingKey } : null,
    event: event ? { id: event.id, type: event.type, data: await unpackData(event), created_at: event.created_at, test: event.test } : null,
  };
}
