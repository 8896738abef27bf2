/**
 * Namespaces as an operator sees them (docs/operations.md): one namespace
 * (its shard, counts, state), the list of every namespace (the control
 * database's directory, by name), and the start of a deletion (the purge
 * itself runs in the background: namespaces/purge.ts).
 */
import { controlDb } from "../db/client";
import { heldWithoutPlacement, lookupNamespace, namespaceEnv, onShard, remember, shardDb } from "../db/shards";
import { changeStatus, directoryEntry, directoryPage, type DirectoryEntry } from "../db/stores/namespace-shards";
import { deleteLinksOfStatement } from "../db/stores/portal-links";
import { deleteTokensOfStatement } from "../db/stores/tokens";
import { deleteWebhooksOfStatement, namespaceCounts } from "../db/stores/webhooks";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { PURGE_SETTLE_MS, sendPurge } from "./purge";
import type { NamespaceDetailView, NamespaceSummaryView } from "./schemas";

/** The namespace with its counts, or 404 for one never placed (or deleted). */
export async function getNamespace(env: AppEnv, namespace: string): Promise<NamespaceDetailView> {
  const entry = await lookupNamespace(env, namespace);
  if (!entry) throw new ApiError("not_found", "No such namespace.");
  const [summary] = await summaries(env, [entry]);
  return { ...summary, moving_to: entry.movingTo };
}

/** A page of the directory, by name, each with its counts (one batch per shard for the page). */
export async function listNamespaces(env: AppEnv, limit: number, after?: string) {
  const rows = await directoryPage(controlDb(env), after, limit + 1);
  const shown = rows.slice(0, limit);
  return { data: await summaries(env, shown), next: rows.length > limit ? shown[shown.length - 1].namespace : null };
}

async function summaries(env: AppEnv, entries: readonly DirectoryEntry[]): Promise<NamespaceSummaryView[]> {
  const byShard = new Map<string, string[]>();
  for (const e of entries) byShard.set(e.shard, [...(byShard.get(e.shard) ?? []), e.namespace]);
  const counts = new Map<string, { webhooks: number; events: number }>();
  await Promise.all(
    [...byShard].map(async ([shard, names]) => {
      for (const [ns, c] of await namespaceCounts(shardDb(onShard(env, shard)), names)) counts.set(ns, c);
    }),
  );
  return entries.map((e) => ({ namespace: e.namespace, shard: e.shard, status: e.status, ...(counts.get(e.namespace) ?? { webhooks: 0, events: 0 }) }));
}

/**
 * Starts deleting a namespace: its directory row turns `deleting` (from now
 * on writes to it answer 409), its tokens, portal links and webhooks go at once (nobody
 * can call it, and no delivery of it is sent again), and the purge of its
 * events, deliveries and attempts is queued for when every Worker has seen
 * the change and every attempt in flight has ended (PURGE_SETTLE_MS).
 * Deleting a namespace already being deleted answers the same. One with
 * only tokens (never written to a shard) loses them at once.
 */
export async function deleteNamespace(env: AppEnv, namespace: string, now = Date.now()): Promise<void> {
  const control = controlDb(env);
  let entry = await directoryEntry(control, namespace);
  if (!entry && (await heldWithoutPlacement(env, namespace))) {
    // Rows from before shards, never written since: placed where they are (db/shards.ts), then deleted like any other.
    await namespaceEnv(env, namespace, "write");
    entry = await directoryEntry(control, namespace);
  }
  if (!entry) {
    // Nothing on any shard: only its tokens (and portal links), if any, make it a namespace.
    const removed = await control.batch([deleteTokensOfStatement(control, namespace), deleteLinksOfStatement(control, namespace)]);
    if (removed.some((r) => (r.meta.changes ?? 0) > 0)) return;
    throw new ApiError("not_found", "No such namespace.");
  }
  if (entry.status === "moving") throw new ApiError("conflict", "This namespace is being moved; delete it once the move has ended.");
  if (entry.status === "active" && !(await changeStatus(control, namespace, "active", "deleting", now))) {
    throw new ApiError("conflict", "This namespace changed meanwhile; try again.");
  }
  remember({ ...entry, status: "deleting", statusAt: entry.status === "deleting" ? entry.statusAt : now });
  const db = shardDb(onShard(env, entry.shard));
  await Promise.all([control.batch([deleteTokensOfStatement(control, namespace), deleteLinksOfStatement(control, namespace)]), deleteWebhooksOfStatement(db, namespace).run()]);
  await sendPurge(env, entry.shard, namespace, Math.ceil(PURGE_SETTLE_MS / 1000));
}
