/** Deliveries seeded and read directly in D1 (on SHARD_0: hookAt places its namespace there), and queue batches built by hand, for consumer tests. */
import { createMessageBatch, env } from "cloudflare:test";
import { ATTEMPTS_OF_SQL } from "../../src/db/stores/attempts";
import type { DeliveryMessage } from "../../src/env";
import { createWebhook, receiverUrl, uniqueKey } from "./api";
import { pinNamespace } from "./shards";

export type DeliveryRow = {
  seq: number;
  status: string;
  attempts: number;
  next_attempt_at: number;
  enqueued_at: number;
  created_at: number;
  updated_at: number;
  failure_reason: string | null;
  last_response_status: number | null;
};
export type AttemptRow = { attempt: number; response_status: number | null; response_body: string | null; error_class: string | null; duration_ms: number };

export async function deliveryRow(seq: number, db: D1Database = env.SHARD_0): Promise<DeliveryRow> {
  const row = await db.prepare("SELECT * FROM deliveries WHERE seq = ?").bind(seq).first<DeliveryRow>();
  if (!row) throw new Error(`no delivery ${seq}`);
  return row;
}

/** Every stored attempt of a delivery: attempt 1 from the delivery row, the rest from `attempts` (attempt-log.ts). */
export async function attemptRows(seq: number): Promise<AttemptRow[]> {
  const { results } = await env.SHARD_0.prepare(ATTEMPTS_OF_SQL).bind(seq).all<AttemptRow>();
  return results;
}

/** Rows of the `attempts` table alone (attempt 2 on, normally). */
export async function attemptTableRows(seq: number): Promise<AttemptRow[]> {
  const { results } = await env.SHARD_0.prepare("SELECT * FROM attempts WHERE delivery_seq = ? ORDER BY attempt").bind(seq).all<AttemptRow>();
  return results;
}

/**
 * Writes an event and its delivery exactly as publish's batch does, but
 * sends no message (as if the Worker died before the enqueue). Returns the
 * delivery seq and the event id.
 */
export async function seedOwed(
  ns: string,
  webhookId: string,
  at: number,
  fields: { attempts?: number; enqueuedAt?: number; status?: string } = {},
  db: D1Database = env.SHARD_0,
) {
  const eventId = `evt_${uniqueKey()}`;
  await db.batch([
    db.prepare(
      `INSERT INTO events (namespace, id, type, data, created_at, first_delivery_seq)
       VALUES (?, ?, 'build.finished', '{"n":1}', ?, (SELECT coalesce(max(seq), 0) + 1 FROM deliveries))`,
    ).bind(ns, eventId, at),
    db.prepare(
      `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at, created_at, updated_at)
       VALUES ((SELECT seq FROM events WHERE namespace = ?1 AND id = ?2), ?3, ?1, 'build.finished', ?4, ?5, ?6, ?7, ?6, ?6)`,
    ).bind(ns, eventId, webhookId, fields.status ?? "pending", fields.attempts ?? 0, at, fields.enqueuedAt ?? at),
  ]);
  const row = await db.prepare("SELECT d.seq FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE e.namespace = ? AND e.id = ?")
    .bind(ns, eventId)
    .first<{ seq: number }>();
  return { seq: row!.seq, eventId };
}

export function batchOf(queue: string, seqs: number[]) {
  return createMessageBatch<DeliveryMessage>(
    queue,
    seqs.map((d, i) => ({ id: `m${i}-${d}`, timestamp: new Date(), attempts: 1, body: { d, s: "SHARD_0" } })),
  );
}

/** A webhook on the loopback receiver at `path/<key>`, in a namespace of its own. */
export async function hookAt(path: string, overrides: Record<string, unknown> = {}) {
  const ns = uniqueKey("rel");
  // On SHARD_0, where this file's helpers read and seed by seq.
  await pinNamespace(ns);
  const key = uniqueKey();
  const hook = await createWebhook(ns, { url: receiverUrl(`${path}/${key}`), ...overrides });
  return { ns, key, hook };
}
