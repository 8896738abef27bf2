/** The shard a namespace is on, for tests that read or seed its rows directly. */
import { env } from "cloudflare:workers";
import { onShard, type ShardEnv } from "../../src/db/shards";
import type { AppEnv } from "../../src/env";

/** The namespace's shard name, as the control database's directory has it (the first shard when not placed). */
export async function shardOf(ns: string): Promise<string> {
  const row = await env.DB.prepare("SELECT shard FROM namespace_shards WHERE namespace = ?").bind(ns).first<{ shard: string }>();
  return row?.shard ?? env.SHARDS.split(",")[0];
}

/** The unmetered D1 binding of the namespace's shard. */
export async function nsDb(ns: string): Promise<D1Database> {
  return (env as unknown as Record<string, D1Database>)[await shardOf(ns)];
}

/** The Worker's env with the namespace's shard chosen, for calling shard-side functions. */
export async function nsEnv(ns: string): Promise<ShardEnv> {
  return onShard(env as unknown as AppEnv, await shardOf(ns));
}

/**
 * Places a namespace on a shard before its first write, as placement would
 * have: for consumer tests that seed and read rows by seq on one known shard
 * (seqs are per shard). API tests leave placement to the Worker.
 */
export async function pinNamespace(ns: string, shard = "SHARD_0"): Promise<void> {
  await env.DB.prepare("INSERT INTO namespace_shards (namespace, shard, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING").bind(ns, shard, Date.now()).run();
}

/** The unmetered D1 binding of the shard holding this webhook (ids are unique across shards). */
export async function hookDb(webhookId: string): Promise<D1Database> {
  for (const name of env.SHARDS.split(",")) {
    const db = (env as unknown as Record<string, D1Database>)[name];
    if (await db.prepare("SELECT 1 FROM webhooks WHERE id = ?").bind(webhookId).first()) return db;
  }
  throw new Error(`no shard holds webhook ${webhookId}`);
}

/**
 * Places every namespace on one shard before their first writes, so a check
 * that one cannot see another's rows runs on one database, where a missing
 * `namespace = ?` would show (on two shards it never could).
 */
export async function pinTogether(...namespaces: string[]): Promise<void> {
  for (const ns of namespaces) await pinNamespace(ns, "SHARD_0");
  const shards = await Promise.all(namespaces.map(shardOf));
  if (new Set(shards).size !== 1) throw new Error(`namespaces ${namespaces.join(", ")} were already placed apart: ${shards.join(", ")}`);
}
