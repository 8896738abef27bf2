/**
 * The statements of a namespace's move between shards (namespaces/move.ts,
 * docs/shards.md "Moving a namespace"). D1 has no statement across
 * databases: the Worker reads a chunk on the source and writes it on the
 * target as JSON (one bound parameter per statement, each under D1's 2 MB
 * per value). Rows keep their keys (event id, delivery seq, attempt rowid),
 * so ids and the log are the same on the target.
 */
import { ATTEMPT_RUNNING_SQL } from "../../delivery/claims";
import type { RawRow } from "../columns";
import { ATTEMPT_SLOTS } from "../schema";
import { deliveriesTable, eventsTable, SEQS_PER_SLOT } from "../generations";
import { A, D, E, W } from "./names";

/**
 * A pending delivery taken off its shard for the move has PARKED added to
 * its next_attempt_at: no claim or sweep takes it there (both want it due),
 * and its own due time is kept for the target (the value minus PARKED).
 */
export const PARKED = 1e15;

/** Largest JSON text bound to one insert (D1 takes at most 2 MB per value). */
const MAX_JSON_BYTES = 900_000;

export type MovedEvent = RawRow & { id: string; first_delivery_seq: number; delivery_count: number };
export type MovedDelivery = RawRow & { seq: number; status: string; next_attempt_at: number; running: number };

/**
 * Up to `limit` events of the namespace on day g after `afterId`, by id
 * (each day's key). `data` comes as text: a compressed body as `x` + hex,
 * a plain one as `t` + the text (a BLOB does not travel in JSON).
 */
export async function eventsChunk(db: D1Database, g: number, namespace: string, afterId: string, limit: number): Promise<MovedEvent[]> {
  const { results } = await db
    .prepare(
      `SELECT *, CASE typeof(${E.data}) WHEN 'blob' THEN 'x' || hex(${E.data}) ELSE 't' || ${E.data} END AS __data
       FROM ${eventsTable(g)} WHERE ${E.namespace} = ?1 AND ${E.id} > ?2 ORDER BY ${E.id} LIMIT ?3`,
    )
    .bind(namespace, afterId, limit)
    .all<RawRow>();
  return results.map((r) => {
    const { __data, ...row } = r;
    return { ...row, [E.data]: __data } as unknown as MovedEvent;
  });
}

/** The seqs of the events' deliveries (each event's range). */
export const deliverySeqsOf = (events: readonly MovedEvent[]): number[] =>
  events.flatMap((e) => Array.from({ length: e.delivery_count }, (_, k) => e.first_delivery_seq + k));

/**
 * Parks the pending deliveries among `seqs` (day g) that no attempt is
 * running for (?2 = now): from here only the target may send them. One
 * running now is left pending; a later step takes it once it has settled
 * or its lease has run out.
 */
export function parkStatement(db: D1Database, g: number, seqs: readonly number[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE ${deliveriesTable(g)} AS d SET ${D.nextAttemptAt} = d.${D.nextAttemptAt} + ${PARKED}
       WHERE d.${D.seq} IN (SELECT value FROM json_each(?1)) AND d.${D.status} = 'pending' AND d.${D.nextAttemptAt} < ${PARKED}
         AND NOT ${ATTEMPT_RUNNING_SQL}`,
    )
    .bind(JSON.stringify(seqs), now);
}

/** The deliveries among `seqs` (day g), each with `running`: pending, not parked (an attempt is running, or the copy does not park). */
export function deliveriesStatement(db: D1Database, g: number, seqs: readonly number[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT *, (${D.status} = 'pending' AND ${D.nextAttemptAt} < ${PARKED}) AS running
       FROM ${deliveriesTable(g)} WHERE ${D.seq} IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(seqs));
}

/** The attempt rows (attempt 2 on) of `seqs`, by rowid range. */
export function attemptsStatement(db: D1Database, seqs: readonly number[]): D1PreparedStatement {
  return db
    .prepare(`SELECT a.* FROM json_each(?1) j JOIN attempts a ON a.${A.seq} >= j.value * ${ATTEMPT_SLOTS} AND a.${A.seq} < (j.value + 1) * ${ATTEMPT_SLOTS}`)
    .bind(JSON.stringify(seqs));
}

/** The namespace's webhooks, every column as stored (sealed secrets and credentials included: their seal is bound to the webhook id). */
export async function webhooksOf(db: D1Database, namespace: string): Promise<RawRow[]> {
  return (await db.prepare(`SELECT * FROM webhooks WHERE ${W.namespace} = ?`).bind(namespace).all<RawRow>()).results;
}

/**
 * Inserts `rows` (all with the same columns) into `table`: `keep` leaves a
 * row already there as it is (its key taken: the target's copy may have
 * moved on), `replace` overwrites it with the source's (a copy made before
 * the switch, when nothing on the target changes the namespace's rows).
 * `data` of events arrives as eventsChunk encodes it.
 */
export function insertRowsStatements(db: D1Database, table: string, key: readonly string[], rows: readonly RawRow[], mode: "keep" | "replace"): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const cols = Object.keys(rows[0]);
  const value = (c: string) =>
    table.startsWith("events") && c === E.data
      ? `CASE substr(j.value ->> '$.${c}', 1, 1) WHEN 'x' THEN unhex(substr(j.value ->> '$.${c}', 2)) ELSE substr(j.value ->> '$.${c}', 2) END`
      : `j.value ->> '$.${c}'`;
  const update = cols.filter((c) => !key.includes(c)).map((c) => `\`${c}\` = excluded.\`${c}\``);
  // A blank row (deleteMovedStatements) is overwritten even by `keep`: a namespace moved back brings its row home.
  const blankOnly = table.startsWith("deliveries") ? ` WHERE ${table}.${D.namespace} = ''` : null;
  const onConflict =
    update.length === 0 || (mode === "keep" && !blankOnly) ? "NOTHING" : `UPDATE SET ${update.join(", ")}${mode === "keep" ? blankOnly : ""}`;
  const sql = `INSERT INTO ${table} (${cols.map((c) => `\`${c}\``).join(", ")}) SELECT ${cols.map(value).join(", ")} FROM json_each(?1) j WHERE true
    ON CONFLICT (${key.map((c) => `\`${c}\``).join(", ")}) DO ${onConflict}`;
  const out: D1PreparedStatement[] = [];
  let part: RawRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (part.length > 0 && bytes + size > MAX_JSON_BYTES) {
      out.push(db.prepare(sql).bind(JSON.stringify(part)));
      part = [];
      bytes = 0;
    }
    part.push(row);
    bytes += size;
  }
  out.push(db.prepare(sql).bind(JSON.stringify(part)));
  return out;
}

/** Seqs among `seqs` (day g) held on this shard by another namespace (a blank row aside): a copy that would collide (a day from before the seq slices). */
export function foreignSeqsStatement(db: D1Database, g: number, namespace: string, seqs: readonly number[]): D1PreparedStatement {
  return db
    .prepare(`SELECT ${D.seq} FROM ${deliveriesTable(g)} WHERE ${D.seq} IN (SELECT value FROM json_each(?1)) AND ${D.namespace} NOT IN (?2, '')`)
    .bind(JSON.stringify(seqs), namespace);
}

/**
 * Removes moved rows from the source: attempts and deliveries of `seqs`,
 * then the events `ids` (day g). A delivery that is the highest seq of its
 * slice stays as a blank row (no namespace, webhook or event, `failed`):
 * the fan-out allocates above the slice's highest seq, and a seq handed
 * out again would collide with the moved row on the target at a later move.
 */
export function deleteMovedStatements(db: D1Database, g: number, namespace: string, seqs: readonly number[], ids: readonly string[]): D1PreparedStatement[] {
  const list = JSON.stringify(seqs);
  const dt = deliveriesTable(g);
  const sliceTop = `(SELECT max(t.${D.seq}) FROM ${dt} t WHERE t.${D.seq} >= (${dt}.${D.seq} / ${SEQS_PER_SLOT}) * ${SEQS_PER_SLOT}
    AND t.${D.seq} < (${dt}.${D.seq} / ${SEQS_PER_SLOT} + 1) * ${SEQS_PER_SLOT})`;
  return [
    db
      .prepare(`DELETE FROM attempts WHERE ${A.seq} IN (SELECT a.${A.seq} FROM json_each(?1) j JOIN attempts a ON a.${A.seq} >= j.value * ${ATTEMPT_SLOTS} AND a.${A.seq} < (j.value + 1) * ${ATTEMPT_SLOTS})`)
      .bind(list),
    db.prepare(`DELETE FROM ${dt} WHERE ${D.seq} IN (SELECT value FROM json_each(?1)) AND ${D.namespace} = ?2 AND ${D.seq} < ${sliceTop}`).bind(list, namespace),
    db
      .prepare(
        `UPDATE ${dt} SET ${D.namespace} = '', ${D.webhookId} = '', ${D.eventId} = '', ${D.status} = 'failed', ${D.watched} = 0
         WHERE ${D.seq} IN (SELECT value FROM json_each(?1)) AND ${D.namespace} = ?2`,
      )
      .bind(list, namespace),
    db.prepare(`DELETE FROM ${eventsTable(g)} WHERE ${E.namespace} = ?1 AND ${E.id} IN (SELECT value FROM json_each(?2))`).bind(namespace, JSON.stringify(ids)),
  ];
}

/** Whether the namespace has rows in generation 0, the template pair from before days (its events' rowids would collide). */
export async function holdsTemplateRows(db: D1Database, namespace: string): Promise<boolean> {
  const row = await db.prepare(`SELECT EXISTS (SELECT 1 FROM events WHERE ${E.namespace} = ?1) AS held`).bind(namespace).first<{ held: number }>();
  return row?.held === 1;
}

/** Whether the namespace has a polling webhook: its polled records are delivery rows outside the events' ranges, which the move does not carry yet. */
export async function holdsPollingWebhook(db: D1Database, namespace: string): Promise<boolean> {
  const row = await db.prepare(`SELECT EXISTS (SELECT 1 FROM webhooks WHERE ${W.namespace} = ?1 AND ${W.mode} = 'poll') AS held`).bind(namespace).first<{ held: number }>();
  return row?.held === 1;
}
