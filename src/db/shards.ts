/**
 * Shards (docs/shards.md): every namespace's webhooks, events, deliveries and
 * attempts live on one shard, a D1 database named by its binding in SHARDS.
 * The control database's directory (namespace_shards) says which; a
 * namespace is placed on its first shard-side write, on the open shard with
 * the fewest namespaces, and stays there unless an operator moves it
 * (namespaces/move.ts) or deletes it (namespaces/purge.ts). Shard-side code takes a ShardEnv,
 * so a query cannot run without its shard having been chosen.
 */
import { drizzle } from "drizzle-orm/d1";
import type { AppEnv, DeliveryMessage } from "../env";
import { ApiError } from "../errors";
import { controlDb } from "./client";
import { meteredD1, type ErrorMapper } from "./metered-d1";
import * as schema from "./schema";
import { directoryEntry, namespacesPerShard, placeNamespace, type DirectoryEntry } from "./stores/namespace-shards";
import { daySchemaHealing, isMissingGeneration, MAX_SLOTS } from "./generations";
import { holdsNamespace } from "./stores/webhooks";
import { isTransientD1Error } from "./transient";

/** The Worker's env with one shard chosen. */
export type ShardEnv = AppEnv & { readonly shard: string };

const list = (raw: string | undefined) =>
  (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Every shard binding, in SHARDS order (the first also takes queue messages from before shards). */
export function shardNames(env: AppEnv): string[] {
  return list(env.SHARDS);
}

/** Shards that take new namespaces: listed in SHARDS and not in SHARDS_CLOSED. */
export function openShards(env: AppEnv): string[] {
  const closed = new Set(list(env.SHARDS_CLOSED));
  return shardNames(env).filter((s) => !closed.has(s));
}

function binding(env: AppEnv, shard: string): D1Database {
  const db = shardNames(env).includes(shard) ? (env as unknown as Record<string, unknown>)[shard] : undefined;
  if (!db || typeof (db as D1Database).prepare !== "function") throw new Error(`shard ${shard} is not a D1 binding listed in SHARDS`);
  return db as D1Database;
}

/** What is wrong with SHARDS / SHARDS_CLOSED, or null (checked by api/deployment-check.ts). */
export function shardSettingsProblem(env: AppEnv): string | null {
  const names = shardNames(env);
  if (names.length === 0) return "SHARDS lists no shard";
  const bindings = env as unknown as Record<string, unknown>;
  const missing = names.filter((s) => typeof (bindings[s] as D1Database | undefined)?.prepare !== "function");
  if (missing.length) return `SHARDS names ${missing.join(", ")}, not D1 bindings`;
  const unknown = list(env.SHARDS_CLOSED).filter((s) => !names.includes(s));
  if (unknown.length) return `SHARDS_CLOSED names ${unknown.join(", ")}, not in SHARDS`;
  return null;
}

/**
 * The shard's seq slot: its position in SHARDS (db/generations.ts, sliceBase).
 * SHARDS is therefore append-only: a shard keeps its position for good.
 */
export function seqSlot(env: ShardEnv): number {
  const slot = shardNames(env).indexOf(env.shard);
  if (slot < 0 || slot >= MAX_SLOTS) throw new Error(`shard ${env.shard} has no seq slot (SHARDS lists at most ${MAX_SLOTS})`);
  return slot;
}

export function onShard(env: AppEnv, shard: string): ShardEnv {
  binding(env, shard);
  return { ...env, shard };
}

/**
 * A shard that fails answers 503 `unavailable` for its own namespaces: D1's
 * retryable errors, and a shard without its tables (added to SHARDS but not
 * migrated). Any other error is the query's own (a name taken, a bug) and
 * stays what it was; so does a missing day's table, which the caller
 * creates or knows to be dropped (db/generations.ts).
 */
function shardFailure(shard: string) {
  return (err: unknown): unknown => {
    const message = err instanceof Error ? err.message : String(err);
    if (isMissingGeneration(err)) return err;
    if (!isTransientD1Error(err) && !/no such table/i.test(message)) return err;
    console.error("shard failed", { shard, error: message });
    return new ApiError("unavailable", "This namespace's database is briefly unavailable. Retry in a few seconds.");
  };
}

/** The metered D1 of the chosen shard, for hand-written SQL. */
export function shardDb(env: ShardEnv): D1Database {
  return healingD1(binding(env, env.shard), shardFailure(env.shard));
}

/** Metered, and brought past days that lag behind the template (db/generations.ts, daySchemaHealing). */
function healingD1(raw: D1Database, failure?: ErrorMapper): D1Database {
  return meteredD1(raw, failure, daySchemaHealing(meteredD1(raw, failure)));
}

/** drizzle over the same, for the CRUD paths. */
export function shardOrm(env: ShardEnv) {
  return drizzle(shardDb(env), { schema });
}

/**
 * How long an isolate trusts a directory row it has read. A namespace's
 * placement changes only when it is deleted or moved (namespaces/), and
 * those wait this long after changing the row before they rely on every
 * Worker having seen it.
 */
export const PLACEMENT_TTL_MS = 10_000;

/** Directory rows this isolate has read, with when. */
const placed = new Map<string, { entry: DirectoryEntry; at: number }>();

/** The namespace's directory row (cached for PLACEMENT_TTL_MS), or null if it was never placed. */
export async function lookupNamespace(env: AppEnv, namespace: string): Promise<DirectoryEntry | null> {
  const known = placed.get(namespace);
  // A shard dropped from SHARDS since it was cached is looked up again.
  if (known && Date.now() - known.at < PLACEMENT_TTL_MS && shardNames(env).includes(known.entry.shard)) return known.entry;
  const entry = await directoryEntry(controlDb(env), namespace);
  if (entry) remember(entry);
  else placed.delete(namespace);
  return entry;
}

/** What this isolate now knows of a namespace's row (a lifecycle change it made itself, or a lookup). */
export function remember(entry: DirectoryEntry): void {
  placed.set(entry.namespace, { entry, at: Date.now() });
}

export function forget(namespace: string): void {
  placed.delete(namespace);
}

/**
 * The namespace's shard. Reading a namespace never placed does not place it:
 * it has no rows anywhere, so the first shard answers (empty, or 404).
 * `write` places it first, and refuses (409) while it is being deleted.
 * `owner` is an owner's change of what a move copies (a webhook's settings
 * or secret, a redelivery, a recovery): refused also while it is being
 * moved (namespaces/move.ts), when publishing and delivering go on.
 */
export async function namespaceEnv(env: AppEnv, namespace: string, mode: "read" | "write" | "owner" = "read"): Promise<ShardEnv> {
  const entry = await lookupNamespace(env, namespace);
  if (mode !== "read" && entry?.status === "deleting") throw new ApiError("conflict", "This namespace is being deleted.");
  if (mode === "owner" && entry?.status === "moving") throw new ApiError("conflict", "This namespace is being moved to another shard; try again once the move has ended.");
  const shard = entry?.shard ?? (mode === "read" ? shardNames(env)[0] : await place(env, namespace));
  return onShard(env, shard);
}

type Survey = { shard: string; ready: boolean; holds: boolean };

/**
 * What placement asks every shard: does it answer with its tables, and does
 * it already hold rows of the namespace? The second covers a deployment from
 * before shards (docs/deploying.md, "Upgrading from one database"): its
 * namespaces have rows on the first shard but no directory entry. A shard
 * without its tables (added but not yet migrated) holds nothing and takes
 * nothing; a shard that does not answer makes placement refuse (503) rather
 * than risk splitting a namespace it might hold. Two index lookups per shard,
 * once per namespace.
 */
async function survey(env: AppEnv, namespace: string): Promise<Survey[]> {
  return Promise.all(
    shardNames(env).map(async (shard) => {
      try {
        return { shard, ready: true, holds: await holdsNamespace(healingD1(binding(env, shard)), namespace) };
      } catch (err) {
        if (/no such table/i.test(err instanceof Error ? err.message : String(err))) return { shard, ready: false, holds: false };
        throw shardFailure(shard)(err);
      }
    }),
  );
}

/** Whether some shard holds rows of a namespace the directory does not know (a deployment from before shards). */
export async function heldWithoutPlacement(env: AppEnv, namespace: string): Promise<boolean> {
  return (await survey(env, namespace)).some((s) => s.holds);
}

/**
 * Race-safe: the first placement written wins, and everyone reads it back.
 * A namespace that already has rows on a shard is placed there (even a
 * closed one); otherwise on the open, migrated shard with the fewest.
 */
async function place(env: AppEnv, namespace: string): Promise<string> {
  const shards = await survey(env, namespace);
  const open = new Set(openShards(env));
  const candidates = shards.filter((s) => s.ready && open.has(s.shard)).map((s) => s.shard);
  const holder = shards.find((s) => s.holds)?.shard;
  if (!holder && candidates.length === 0) {
    throw new ApiError("unavailable", "No shard is open to new namespaces with its tables in place (SHARDS_CLOSED, or a shard not yet migrated).");
  }
  const db = controlDb(env);
  let target = holder;
  if (!target) {
    const count = await namespacesPerShard(db, candidates);
    target = candidates.reduce((best, s) => ((count.get(s) ?? 0) < (count.get(best) ?? 0) ? s : best));
  }
  const shard = (await placeNamespace(db, namespace, target, Date.now())) ?? target;
  // The row just read back may be one a concurrent placement wrote: read it whole next time.
  if (shard === target) remember({ namespace, shard, status: "active", statusAt: null, movingTo: null });
  return shard;
}

/** Runs `fn` on every shard at once; throws if any shard's run threw. */
export async function everyShard<T>(env: AppEnv, fn: (senv: ShardEnv) => Promise<T>): Promise<T[]> {
  return Promise.all(shardNames(env).map((s) => fn(onShard(env, s))));
}

/** For housekeeping: every shard is tried, one failing shard is logged and does not stop the others. */
export async function eachShardSettled<T>(env: AppEnv, what: string, fn: (senv: ShardEnv) => Promise<T>): Promise<(T | null)[]> {
  return Promise.all(
    shardNames(env).map(async (s) => {
      try {
        return await fn(onShard(env, s));
      } catch (err) {
        console.error(`${what} failed on a shard`, { shard: s, error: String(err) });
        return null;
      }
    }),
  );
}

/** The shard a queue message is for (see DeliveryMessage). */
export function messageShard(env: AppEnv, body: DeliveryMessage): ShardEnv {
  return onShard(env, body.s ?? shardNames(env)[0]);
}

export type ShardReport = { binding: string; open: boolean; namespaces: number; size_bytes: number | null };

/**
 * Each shard as an operator sees it: open for placement, namespaces placed
 * on it (from the directory), and its size from D1's own result metadata
 * (`meta.size_after` of a one-row read). A shard that does not answer shows
 * `size_bytes: null` instead of failing the whole list.
 */
export async function shardReports(env: AppEnv): Promise<ShardReport[]> {
  const open = new Set(openShards(env));
  const counts = await namespacesPerShard(controlDb(env));
  return Promise.all(
    shardNames(env).map(async (s) => {
      let size: number | null = null;
      try {
        const r = await binding(env, s).prepare("SELECT 1").run();
        size = (r.meta as { size_after?: number }).size_after ?? null;
      } catch (err) {
        console.error("shard size unavailable", { shard: s, error: String(err) });
      }
      return { binding: s, open: open.has(s), namespaces: counts.get(s) ?? 0, size_bytes: size };
    }),
  );
}
