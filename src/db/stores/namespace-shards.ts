/** namespace_shards (control database): the directory that places each namespace on a shard (db/shards.ts). */
import { decodeRow, type RawRow } from "../columns";
import { namespaceShards } from "../control-schema";
import { NS } from "./names";

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
