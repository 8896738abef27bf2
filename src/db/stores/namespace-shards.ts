/** namespace_shards (control database): the directory that places each namespace on a shard (db/shards.ts). */
import { decodeRow, decodeRows, type RawRow } from "../columns";
import { namespaceShards, type NamespaceStatus } from "../control-schema";
import { NS } from "./names";

type NamespaceShardRow = typeof namespaceShards.$inferSelect;

const SHARD_OF_SQL = `SELECT ${NS.shard} FROM namespace_shards WHERE ${NS.namespace} = ?`;

/** The namespace's shard, or null if it was never placed. */
export async function shardOf(db: D1Database, namespace: string): Promise<string | null> {
  return decodeRow(namespaceShards, ["shard"], await db.prepare(SHARD_OF_SQL).bind(namespace).first<RawRow>())?.shard ?? null;
}

/** Namespaces placed per shard: on the given shards only, or on every shard. */
export async function namespacesPerShard(db: D1Database, shards?: string[]): Promise<Map<string, number>> {
  const statement = shards
    ? db.prepare(`SELECT ${NS.shard}, count(*) AS n FROM namespace_shards WHERE ${NS.shard} IN (${shards.map(() => "?").join(", ")}) GROUP BY ${NS.shard}`).bind(...shards)
    : db.prepare(`SELECT ${NS.shard}, count(*) AS n FROM namespace_shards GROUP BY ${NS.shard}`);
  const { results } = await statement.all<RawRow>();
  return new Map(results.map((r) => [decodeRow(namespaceShards, ["shard"], r)!.shard, r.n as number]));
}

/** Places the namespace on `target` unless it is placed already; answers where it is (the first placement written wins). */
export async function placeNamespace(db: D1Database, namespace: string, target: string, now: number): Promise<string | null> {
  const [, read] = await db.batch<RawRow>([
    db
      .prepare(`INSERT INTO namespace_shards (${NS.namespace}, ${NS.shard}, ${NS.createdAt}) VALUES (?, ?, ?) ON CONFLICT (${NS.namespace}) DO NOTHING`)
      .bind(namespace, target, now),
    db.prepare(SHARD_OF_SQL).bind(namespace),
  ]);
  return decodeRow(namespaceShards, ["shard"], read.results[0])?.shard ?? null;
}

const ENTRY_KEYS = ["namespace", "shard", "status", "statusAt", "movingTo"] as const;
const ENTRY_COLUMNS = `${NS.namespace}, ${NS.shard}, ${NS.status}, ${NS.statusAt}, ${NS.movingTo}`;

/** A namespace's directory row: where it is and what is happening to it. */
export type DirectoryEntry = Pick<NamespaceShardRow, (typeof ENTRY_KEYS)[number]>;

export async function directoryEntry(db: D1Database, namespace: string): Promise<DirectoryEntry | null> {
  return decodeRow(namespaceShards, ENTRY_KEYS, await db.prepare(`SELECT ${ENTRY_COLUMNS} FROM namespace_shards WHERE ${NS.namespace} = ?`).bind(namespace).first<RawRow>());
}

/** Up to `limit` entries after `after`, by name (the primary key's order). */
export async function directoryPage(db: D1Database, after: string | undefined, limit: number): Promise<DirectoryEntry[]> {
  const { results } = await db
    .prepare(`SELECT ${ENTRY_COLUMNS} FROM namespace_shards WHERE ${NS.namespace} > ? ORDER BY ${NS.namespace} LIMIT ?`)
    .bind(after ?? "", limit)
    .all<RawRow>();
  return decodeRows(namespaceShards, ENTRY_KEYS, results);
}

/** The namespaces not `active` (through the partial index namespace_shards_busy). */
export async function busyEntries(db: D1Database): Promise<DirectoryEntry[]> {
  const { results } = await db.prepare(`SELECT ${ENTRY_COLUMNS} FROM namespace_shards WHERE ${NS.status} <> 'active'`).all<RawRow>();
  return decodeRows(namespaceShards, ENTRY_KEYS, results);
}

/** Sets the status if it is `from` now; answers whether it did (one caller wins a race). */
export async function changeStatus(
  db: D1Database,
  namespace: string,
  from: NamespaceStatus,
  to: NamespaceStatus,
  now: number,
  movingTo: string | null = null,
): Promise<boolean> {
  const r = await db
    .prepare(`UPDATE namespace_shards SET ${NS.status} = ?3, ${NS.statusAt} = ?4, ${NS.movingTo} = ?5 WHERE ${NS.namespace} = ?1 AND ${NS.status} = ?2`)
    .bind(namespace, from, to, now, movingTo)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** Switches a moving namespace to its new shard and back to `active` (db/shards.ts: the move's switch). */
export async function switchShard(db: D1Database, namespace: string, to: string, now: number): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE namespace_shards SET ${NS.shard} = ?2, ${NS.status} = 'active', ${NS.statusAt} = ?3, ${NS.movingTo} = NULL
       WHERE ${NS.namespace} = ?1 AND ${NS.status} = 'moving' AND ${NS.movingTo} = ?2`,
    )
    .bind(namespace, to, now)
    .run();
  return (r.meta.changes ?? 0) > 0;
}

/** The purge's heartbeat: its last step's time. */
export async function touchStatus(db: D1Database, namespace: string, now: number): Promise<void> {
  await db.prepare(`UPDATE namespace_shards SET ${NS.statusAt} = ? WHERE ${NS.namespace} = ?`).bind(now, namespace).run();
}

/** The purge's last write: the directory row of a namespace being deleted. */
export function removeDeletedStatement(db: D1Database, namespace: string): D1PreparedStatement {
  return db.prepare(`DELETE FROM namespace_shards WHERE ${NS.namespace} = ? AND ${NS.status} = 'deleting'`).bind(namespace);
}

/**
 * The move's write switch: a moving namespace's row names its target as its
 * shard, still `moving` (namespaces/move.ts drains the source, then
 * switchShard ends the move). Answers whether it did.
 */
export async function switchWrites(db: D1Database, namespace: string, from: string, to: string, now: number): Promise<boolean> {
  const r = await db
    .prepare(
      `UPDATE namespace_shards SET ${NS.shard} = ?3, ${NS.statusAt} = ?4
       WHERE ${NS.namespace} = ?1 AND ${NS.status} = 'moving' AND ${NS.shard} = ?2 AND ${NS.movingTo} = ?3`,
    )
    .bind(namespace, from, to, now)
    .run();
  return (r.meta.changes ?? 0) > 0;
}
