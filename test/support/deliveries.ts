/** Deliveries seeded and read directly in D1 (on SHARD_0: hookAt places its namespace there), and queue batches built by hand, for consumer tests. */
import { createMessageBatch, env } from "cloudflare:test";
import { createGeneration, deliveriesTable, eventsTable, firstSeq, forGeneration, generationAt, generationOfSeq, listGenerations } from "../../src/db/generations";
import { ATTEMPTS_OF_SQL } from "../../src/db/stores/attempts";
import type { AppEnv, DeliveryMessage } from "../../src/env";
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
  const row = await db.prepare("SELECT * FROM all_deliveries WHERE seq = ?").bind(seq).first<DeliveryRow>();
  if (!row) throw new Error(`no delivery ${seq}`);
  return row;
}

/** Every stored attempt of a delivery: attempt 1 from the delivery row, the rest from `attempts` (attempt-log.ts). */
export async function attemptRows(seq: number): Promise<AttemptRow[]> {
  const { results } = await env.SHARD_0.prepare(forGeneration(ATTEMPTS_OF_SQL, generationOfSeq(seq))).bind(seq).all<AttemptRow>();
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
  const seq = await seedOnDay(db, generationAt(Date.now()), { ns, eventId, webhookId, at, ...fields });
  return { seq, eventId };
}

/** An event and its one delivery, written into day g's tables as that day's publish would (db/generations.ts); answers the delivery's seq. */
export async function seedOnDay(
  db: D1Database,
  g: number,
  r: { ns: string; eventId: string; webhookId: string; at: number; attempts?: number; enqueuedAt?: number; status?: string },
): Promise<number> {
  await createGeneration(db, g);
  const [events, deliveries] = [eventsTable(g), deliveriesTable(g)];
  const row = await db.prepare(`SELECT coalesce(max(seq), ?) + 1 AS seq FROM ${deliveries}`).bind(firstSeq(g)).first<{ seq: number }>();
  const seq = row!.seq;
  await db.batch([
    db.prepare(
      `INSERT INTO ${deliveries} (seq, event_seq, event_id, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at, created_at, updated_at)
       VALUES (?1, ?1, ?2, ?3, ?4, 'build.finished', ?5, ?6, ?7, ?8, ?7, ?7)`,
    ).bind(seq, r.eventId, r.webhookId, r.ns, r.status ?? "pending", r.attempts ?? 0, r.at, r.enqueuedAt ?? r.at),
    db.prepare(
      `INSERT INTO ${events} (seq, namespace, id, type, data, created_at, first_delivery_seq, delivery_count)
       VALUES (?1, ?2, ?3, 'build.finished', '{"n":1}', ?4, ?1, 1)`,
    ).bind(seq, r.ns, r.eventId, r.at),
  ]);
  return seq;
}

/**
 * Today's tables (db/generations.ts), created if missing, and the seq they
 * count from: where the Worker writes now, whatever `created_at` a test
 * gives its rows (the sweep's watermark assumes seqs only grow).
 */
export async function todayTables(db: D1Database = env.SHARD_0): Promise<{ events: string; deliveries: string; base: number }> {
  const g = generationAt(Date.now());
  await createGeneration(db, g);
  return { events: eventsTable(g), deliveries: deliveriesTable(g), base: firstSeq(g) };
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

/**
 * An UPDATE of deliveries written in SQL on the table `deliveries`, run on
 * every day's table and the template's (db/generations.ts): tests set a
 * delivery's state wherever it lives.
 */
export async function updateDeliveries(db: D1Database, sql: string, ...params: unknown[]): Promise<void> {
  const gens = await listGenerations(db);
  await db.batch(gens.map((g) => db.prepare(sql.replace(/^UPDATE deliveries\b/, `UPDATE ${deliveriesTable(g)}`)).bind(...params)));
}

/** `appEnv` with these queues refusing every send, as in an outage: nothing reaches the real consumer through them. */
export function withQueuesDown(appEnv: AppEnv, ...queues: ("DELIVERIES" | "SLOW_DELIVERIES")[]): AppEnv {
  const refuse = async () => {
    throw new Error("queue unavailable");
  };
  return { ...appEnv, ...Object.fromEntries(queues.map((q) => [q, { send: refuse, sendBatch: refuse }])) } as AppEnv;
}
