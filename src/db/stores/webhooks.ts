/**
 * webhooks, the hand-written statements (the CRUD paths use drizzle:
 * webhooks/service.ts): the claim's probe reservation and rate clock, the
 * recorder's health and circuit writes, disable and delete, stats reads,
 * and the re-seal of secrets.
 */
import type { CircuitState } from "../../delivery/circuit";
import { decodeRow, decodeRows, type RawRow } from "../columns";
import { webhooks, type WebhookRow } from "../schema";
import { ALL_DELIVERIES, ALL_EVENTS } from "../generations";
import { D, E, W } from "./names";
import type { ClaimArgs } from "./deliveries";

/**
 * The slow lane's probe reservation, batched before its claim (same
 * arguments): an open circuit whose cool-down is over (or whose probe's
 * lease ran out) turns half-open with the lease of the probe about to be
 * claimed, if the batch holds a due delivery for it.
 */
const RESERVE_PROBES_SQL = `UPDATE webhooks SET ${W.circuitState} = 'half_open', ${W.circuitNextProbeAt} = ?2 + coalesce(webhooks.${W.timeoutMs}, ?3) + ?4
WHERE ${W.circuitState} != 'closed' AND ${W.circuitNextProbeAt} <= ?2
  AND ${W.id} IN (SELECT ${D.webhookId} FROM ${ALL_DELIVERIES} WHERE ${D.seq} IN (SELECT value FROM json_each(?1))
    AND ${D.status} = 'pending' AND ${D.nextAttemptAt} <= ?2 AND ${D.manual} = 0)`;

export function reserveProbesStatement(db: D1Database, args: ClaimArgs): D1PreparedStatement {
  return db.prepare(RESERVE_PROBES_SQL).bind(...args);
}

/** Moves the GCRA clock of each webhook on by the deliveries just claimed: ?1 = [{id, n}], ?2 = now (delivery/flow-control.ts). */
const ADVANCE_RATE_SQL = `UPDATE webhooks SET ${W.rateTat} = max(coalesce(${W.rateTat}, 0), ?2) + (r.value ->> '$.n') * 1000.0 / ${W.rateLimit}
FROM json_each(?1) r WHERE webhooks.${W.id} = r.value ->> '$.id' AND webhooks.${W.rateLimit} IS NOT NULL`;

export async function advanceRate(db: D1Database, claimedJson: string, now: number): Promise<void> {
  await db.prepare(ADVANCE_RATE_SQL).bind(claimedJson, now).run();
}

const SLOW_UNTIL_SQL = `UPDATE webhooks SET ${W.slowUntil} = r.value ->> '$.until' FROM json_each(?1) r WHERE webhooks.${W.id} = r.value ->> '$.id'`;

/** Webhooks the main lane hands to the slow lane until then: ?1 = [{id, until}]. */
export function slowUntilStatement(db: D1Database, untilJson: string): D1PreparedStatement {
  return db.prepare(SLOW_UNTIL_SQL).bind(untilJson);
}

const CIRCUIT_SET = `${W.circuitState} = ?, ${W.circuitSince} = ?, ${W.circuitNextProbeAt} = ?, ${W.circuitFailures} = ?`;
const circuitArgs = (c: CircuitState) => [c.state, c.since, c.nextProbeAt, c.failures];

/** A success ends the webhook's failure streak (`lastFailure`: a failure of the same flush, older than the success). */
export function recordRecoveryStatement(
  db: D1Database,
  webhookId: string,
  lastSuccess: number | null,
  lastFailure: number | null,
  circuit: CircuitState,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhooks SET ${W.consecutiveFailures} = 0, ${W.failingSince} = NULL, ${W.lastSuccessAt} = ?, ${W.lastFailureAt} = coalesce(?, ${W.lastFailureAt}), ${CIRCUIT_SET} WHERE ${W.id} = ?`,
    )
    .bind(lastSuccess, lastFailure, ...circuitArgs(circuit), webhookId);
}

/** Failures lengthen the webhook's streak. */
export function recordFailuresStatement(
  db: D1Database,
  webhookId: string,
  failures: number,
  firstFailure: number,
  lastFailure: number,
  circuit: CircuitState,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhooks SET ${W.consecutiveFailures} = ${W.consecutiveFailures} + ?, ${W.failingSince} = coalesce(${W.failingSince}, ?), ${W.lastFailureAt} = ?, ${CIRCUIT_SET} WHERE ${W.id} = ?`,
    )
    .bind(failures, firstFailure, lastFailure, ...circuitArgs(circuit), webhookId);
}

/** Disables an active webhook (auto-disable), batched with failing its pending deliveries; RETURNING the webhook if this disabled it. */
export function disableStatement(db: D1Database, reason: string, at: number, webhookId: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhooks SET ${W.active} = 0, ${W.disabledReason} = ?1, ${W.disabledAt} = ?2, ${W.updatedAt} = ?2
         WHERE ${W.id} = ?3 AND ${W.active} = 1 RETURNING ${W.id}, ${W.namespace}, ${W.name}, ${W.url}`,
    )
    .bind(reason, at, webhookId);
}

export const disabledWebhook = (rows: RawRow[]) => decodeRow(webhooks, ["id", "namespace", "name", "url"], rows[0]);

/** Deletes a webhook, batched with failing its pending deliveries (its history stays). */
export function deleteStatement(db: D1Database, webhookId: string): D1PreparedStatement {
  return db.prepare(`DELETE FROM webhooks WHERE ${W.id} = ?`).bind(webhookId);
}

/** The namespace's webhook count (one read through the unique index webhooks_namespace_name). */
export async function countInNamespace(db: D1Database, namespace: string): Promise<number> {
  const row = await db.prepare(`SELECT count(*) AS n FROM webhooks WHERE ${W.namespace} = ?`).bind(namespace).first<{ n: number }>();
  return row?.n ?? 0;
}

/** The webhook's id if it is the namespace's (to batch with a read about it: a 404 otherwise). */
export function existsStatement(db: D1Database, webhookId: string, namespace: string): D1PreparedStatement {
  return db.prepare(`SELECT ${W.id} FROM webhooks WHERE ${W.id} = ? AND ${W.namespace} = ?`).bind(webhookId, namespace);
}

const HEALTH_KEYS = [
  "consecutiveFailures",
  "failingSince",
  "lastSuccessAt",
  "lastFailureAt",
  "circuitState",
  "circuitSince",
  "circuitNextProbeAt",
  "circuitFailures",
] as const;

export type WebhookHealthRow = Pick<WebhookRow, (typeof HEALTH_KEYS)[number]>;

/** The webhook's health record if it is the namespace's (batched with its stats, db/stores/delivery-reads.ts). */
export function healthStatement(db: D1Database, webhookId: string, namespace: string): D1PreparedStatement {
  return db
    .prepare(`SELECT ${W.consecutiveFailures}, ${W.failingSince}, ${W.lastSuccessAt}, ${W.lastFailureAt},
          ${W.circuitState}, ${W.circuitSince}, ${W.circuitNextProbeAt}, ${W.circuitFailures} FROM webhooks WHERE ${W.id} = ? AND ${W.namespace} = ?`)
    .bind(webhookId, namespace);
}

export const healthRow = (rows: RawRow[]): WebhookHealthRow | null => decodeRow(webhooks, HEALTH_KEYS, rows[0]);

export type SealedSecrets = Pick<WebhookRow, "id" | "secretSealed" | "previousSecretSealed" | "destinationSealed">;

/** Up to `limit` webhooks after id `after`, by id, with their sealed secrets (security/reseal.ts). */
export async function sealedSecretsPage(db: D1Database, after: string, limit: number): Promise<SealedSecrets[]> {
  const { results } = await db
    .prepare(`SELECT ${W.id}, ${W.secretSealed}, ${W.previousSecretSealed}, ${W.destinationSealed} FROM webhooks WHERE ${W.id} > ? ORDER BY ${W.id} LIMIT ?`)
    .bind(after, limit)
    .all<RawRow>();
  return decodeRows(webhooks, ["id", "secretSealed", "previousSecretSealed", "destinationSealed"], results);
}

/** Writes re-sealed secrets, conditional on the values read: a rotation in between wins and is left alone. */
export function resealStatement(
  db: D1Database,
  read: SealedSecrets,
  current: string | null,
  previous: string | null,
  destination: string | null,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhooks SET ${W.secretSealed} = ?, ${W.previousSecretSealed} = ?, ${W.destinationSealed} = ?
       WHERE ${W.id} = ? AND ${W.secretSealed} IS ? AND ${W.previousSecretSealed} IS ? AND ${W.destinationSealed} IS ?`,
    )
    .bind(current, previous, destination, read.id, read.secretSealed, read.previousSecretSealed, read.destinationSealed);
}

/**
 * Whether this shard already holds rows of the namespace (placement asks
 * every shard: db/shards.ts): two index lookups, webhooks by
 * (namespace, name) and events by (namespace, id).
 */
export async function holdsNamespace(db: D1Database, namespace: string): Promise<boolean> {
  const row = await db
    .prepare(`SELECT EXISTS (SELECT 1 FROM webhooks WHERE ${W.namespace} = ?1) OR EXISTS (SELECT 1 FROM ${ALL_EVENTS} WHERE ${E.namespace} = ?1) AS holds`)
    .bind(namespace)
    .first<{ holds: number }>();
  return row?.holds === 1;
}
