/**
 * Moving a namespace to another shard, online (POST
 * /v1/admin/namespaces/{ns}/move; docs/shards.md "Moving a namespace"),
 * through the queue in bounded steps like the purge (namespaces/purge.ts).
 * The directory row is the state:
 *
 * 1. `moving`, shard S, moving_to T. Owner writes (webhook changes, ping,
 *    redeliver, recover) answer 409 from now until the end; publishing and
 *    delivering go on, on S.
 * 2. Copy (after MOVE_SETTLE_MS, when every Worker has seen the mark): S's
 *    webhooks, then day by day every event and every settled delivery with
 *    its attempts, to T (a replace: nothing on T changes them yet). The
 *    message carries the cursor (`at`: day and event id); a message
 *    retried after a crash starts from its cursor again.
 * 3. Switch writes and reads: the row's shard becomes T (still `moving`).
 *    Within PLACEMENT_TTL_MS every publish, claim of a new delivery and
 *    read goes to T.
 * 4. Drain every other shard X still holding rows of the namespace: per
 *    chunk of events, their pending deliveries with no attempt running are
 *    parked on X (PARKED: no claim or sweep takes them there), the chunk's
 *    settled and parked deliveries, attempts and events are written to T
 *    (a parked one unparked, watched, never overwriting what T has), then
 *    deleted from X, and each moved pending delivery gets a message for T.
 *    A delivery with an attempt running on X stays, is recorded on X, and
 *    moves on a later step, settled or pending again. Once no day of X
 *    holds the namespace and MOVE_SETTLE_MS has passed since the switch,
 *    X's webhooks go; when no shard but T holds anything, the row turns
 *    `active`.
 *
 * Every step of 4 starts from what is left on X, so a step that dies
 * midway is run again (its message is retried; the cron sends a step every
 * MOVE_REDRIVE_MINUTES for every namespace still moving).
 */
import { controlDb } from "../db/client";
import { createGenerations, deliveriesTable, eventsTable, listGenerations } from "../db/generations";
import { forget, onShard, openShards, PLACEMENT_TTL_MS, remember, shardDb, shardNames } from "../db/shards";
import {
  attemptsStatement,
  deleteMovedStatements,
  deliveriesStatement,
  deliverySeqsOf,
  eventsChunk,
  foreignSeqsStatement,
  holdsPollingWebhook,
  holdsTemplateRows,
  insertRowsStatements,
  PARKED,
  parkStatement,
  webhooksOf,
  type MovedDelivery,
  type MovedEvent,
} from "../db/stores/namespace-moves";
import { busyEntries, changeStatus, directoryEntry, switchShard, switchWrites, type DirectoryEntry } from "../db/stores/namespace-shards";
import { deleteWebhooksOfStatement, holdsNamespace } from "../db/stores/webhooks";
import { A, D, E, W } from "../db/stores/names";
import type { RawRow } from "../db/columns";
import { MAX_QUEUE_DELAY_SECONDS } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { usage } from "../usage";

/** Twice PLACEMENT_TTL_MS: every Worker has seen a change of the directory row by then. */
export const MOVE_SETTLE_MS = 2 * PLACEMENT_TTL_MS;
/** Events per chunk (each with its deliveries and attempts). */
export const MOVE_CHUNK = 100;
/** Chunks per step: each costs at most 6 D1 queries, so a step stays far below 1,000. */
const CHUNKS_PER_STEP = 20;
/** How soon a drain step comes back for deliveries whose attempt was running. */
const DRAIN_RETRY_SECONDS = 5;
export const MOVE_REDRIVE_MINUTES = 10;

export type MoveStep = { outcome: "gone" | "settling" | "more" | "switched" | "waiting" | "done"; waitSeconds?: number; at?: string; chunks: number };

/** Queues a move step (its copy cursor `at`, if any) after `delaySeconds`. */
export async function sendMove(env: AppEnv, shard: string, namespace: string, delaySeconds = 0, at?: string): Promise<void> {
  await env.DELIVERIES.send({ d: 0, s: shard, move: namespace, ...(at ? { at } : {}) }, delaySeconds > 0 ? { delaySeconds } : undefined);
  usage.queueMessagesSent++;
}

/** Whether the shard answers with its tables. */
async function ready(env: AppEnv, shard: string): Promise<boolean> {
  try {
    await shardDb(onShard(env, shard)).prepare(`SELECT 1 FROM webhooks LIMIT 1`).all();
    return true;
  } catch {
    return false;
  }
}

/** Starts a move (202), or says why not: 404 unknown, 422 a bad target, 409 busy or holding rows from before days. */
export async function startMove(env: AppEnv, namespace: string, to: string, now = Date.now()): Promise<DirectoryEntry> {
  const control = controlDb(env);
  const entry = await directoryEntry(control, namespace);
  if (!entry) throw new ApiError("not_found", "No such namespace.");
  const invalid = (message: string) => new ApiError("validation_failed", message, [{ path: "to", message }]);
  if (!shardNames(env).includes(to)) throw invalid(`${to} is not a shard listed in SHARDS.`);
  if (!openShards(env).includes(to)) throw invalid(`${to} is closed to new namespaces (SHARDS_CLOSED).`);
  if (entry.status === "active" && entry.shard === to) throw invalid(`The namespace is on ${to} already.`);
  if (entry.status === "moving") throw new ApiError("conflict", `This namespace is being moved to ${entry.movingTo}.`);
  if (entry.status === "deleting") throw new ApiError("conflict", "This namespace is being deleted.");
  if (!(await ready(env, to))) throw invalid(`${to} does not answer with its tables (not yet migrated?).`);
  const source = shardDb(onShard(env, entry.shard));
  if (await holdsTemplateRows(source, namespace)) {
    throw new ApiError("conflict", "This namespace still holds rows from before day tables (generation 0); move it once retention has removed them.");
  }
  if (await holdsPollingWebhook(source, namespace)) {
    throw new ApiError("conflict", "This namespace has a polling webhook (mode poll); its polled records cannot be moved yet.");
  }
  if (!(await changeStatus(control, namespace, "active", "moving", now, to))) throw new ApiError("conflict", "This namespace changed meanwhile; try again.");
  const moving: DirectoryEntry = { ...entry, status: "moving", statusAt: now, movingTo: to };
  remember(moving);
  await sendMove(env, entry.shard, namespace, Math.ceil(MOVE_SETTLE_MS / 1000));
  console.log("namespace move started", { namespace, from: entry.shard, to });
  return moving;
}

const encodeAt = (g: number, id: string) => `${g}:${id}`;
function decodeAt(at: string | undefined): { g: number; id: string } {
  const k = at?.indexOf(":") ?? -1;
  return k > 0 ? { g: Number(at!.slice(0, k)), id: at!.slice(k + 1) } : { g: 0, id: "" };
}

const KEYS = { events: [E.namespace, E.id], deliveries: [D.seq], attempts: [A.seq], webhooks: [W.id] };

/** Day g's tables on the target, created if it lacks them (a day older than the target's own). */
async function ensureDays(db: D1Database, gs: readonly number[]): Promise<void> {
  const have = new Set(await listGenerations(db));
  const missing = gs.filter((g) => !have.has(g));
  if (missing.length) await createGenerations(db, missing);
}

async function chunkRows(src: D1Database, g: number, events: readonly MovedEvent[]) {
  const seqs = deliverySeqsOf(events);
  const [dels, atts] = await src.batch<RawRow>([deliveriesStatement(src, g, seqs), attemptsStatement(src, seqs)]);
  return { seqs, deliveries: dels.results as MovedDelivery[], attempts: atts.results };
}

/** Attempt rows of the given deliveries only. */
const attemptsOf = (attempts: readonly RawRow[], seqs: ReadonlySet<number>) => attempts.filter((a) => seqs.has(a[A.deliverySeq] as number));
const withoutRunning = (d: MovedDelivery): RawRow => {
  const { running: _running, ...row } = d;
  return row;
};

/** Throws if the target holds another namespace's delivery under one of `seqs` (a day from before the seq slices). */
function collisionCheck(found: RawRow[], namespace: string): void {
  if (found.length) throw new Error(`move of ${namespace}: seq ${found[0][D.seq]} is taken on the target by another namespace`);
}

/** Phase 2: a bounded part of the copy from S (the row's shard) to T. */
async function copyStep(env: AppEnv, entry: DirectoryEntry, at: string | undefined, now: number): Promise<MoveStep> {
  const src = shardDb(onShard(env, entry.shard));
  const dst = shardDb(onShard(env, entry.movingTo!));
  let { g: fromG, id: after } = decodeAt(at);
  if (!at) {
    const hooks = await webhooksOf(src, entry.namespace);
    if (hooks.length) await dst.batch(insertRowsStatements(dst, "webhooks", KEYS.webhooks, hooks, "replace"));
  }
  const days = (await listGenerations(src)).filter((g) => g > 0 && g >= fromG).sort((a, b) => a - b);
  await ensureDays(dst, days);
  let chunks = 0;
  for (const g of days) {
    if (g !== fromG) after = "";
    for (;;) {
      if (chunks >= CHUNKS_PER_STEP) return { outcome: "more", at: encodeAt(g, after), chunks };
      chunks++;
      const events = await eventsChunk(src, g, entry.namespace, after, MOVE_CHUNK);
      if (events.length === 0) break;
      const rows = await chunkRows(src, g, events);
      const settled = rows.deliveries.filter((d) => d.status !== "pending");
      const results = await dst.batch<RawRow>([
        foreignSeqsStatement(dst, g, entry.namespace, rows.seqs),
        ...insertRowsStatements(dst, eventsTable(g), KEYS.events, events, "replace"),
        ...insertRowsStatements(dst, deliveriesTable(g), KEYS.deliveries, settled.map(withoutRunning), "replace"),
        ...insertRowsStatements(dst, "attempts", KEYS.attempts, attemptsOf(rows.attempts, new Set(settled.map((d) => d.seq))), "replace"),
      ]);
      collisionCheck(results[0].results, entry.namespace);
      after = events[events.length - 1].id;
      if (events.length < MOVE_CHUNK) break;
    }
  }
  // Everything settled so far is on T: writes and reads switch to it.
  if (!(await switchWrites(controlDb(env), entry.namespace, entry.shard, entry.movingTo!, now))) return { outcome: "gone", chunks };
  forget(entry.namespace);
  console.log("namespace move switched", { namespace: entry.namespace, from: entry.shard, to: entry.movingTo });
  return { outcome: "switched", chunks };
}

type Drained = { chunks: number; left: boolean; moved: { seq: number; due: number }[] };

/** Phase 4 on one source shard X: moves what it can of the namespace to T. */
async function drainShard(env: AppEnv, x: string, entry: DirectoryEntry, now: number, budget: number): Promise<Drained> {
  const src = shardDb(onShard(env, x));
  const dst = shardDb(onShard(env, entry.shard));
  const out: Drained = { chunks: 0, left: false, moved: [] };
  const days = (await listGenerations(src)).filter((g) => g > 0).sort((a, b) => a - b);
  await ensureDays(dst, days);
  for (const g of days) {
    let after = "";
    for (;;) {
      if (out.chunks >= budget) return { ...out, left: true };
      out.chunks++;
      const events = await eventsChunk(src, g, entry.namespace, after, MOVE_CHUNK);
      if (events.length === 0) break;
      after = events[events.length - 1].id;
      const seqs = deliverySeqsOf(events);
      const [, dels, atts] = await src.batch<RawRow>([parkStatement(src, g, seqs, now), deliveriesStatement(src, g, seqs), attemptsStatement(src, seqs)]);
      const deliveries = dels.results as MovedDelivery[];
      const running = new Set(deliveries.filter((d) => d.running).map((d) => d.seq));
      // An event moves with all its deliveries or waits: one with an attempt running on X stays there for now.
      const movable = events.filter((e) => !deliverySeqsOf([e]).some((s) => running.has(s)));
      if (movable.length < events.length) out.left = true;
      if (movable.length) {
        const movedSeqs = new Set(deliverySeqsOf(movable));
        const moving = deliveries.filter((d) => movedSeqs.has(d.seq));
        const unparked = moving.map((d) => {
          const row = withoutRunning(d);
          if (d.status !== "pending") return row;
          return { ...row, [D.nextAttemptAt]: d.next_attempt_at - PARKED, [D.watched]: 1 };
        });
        const results = await dst.batch<RawRow>([
          foreignSeqsStatement(dst, g, entry.namespace, [...movedSeqs]),
          ...insertRowsStatements(dst, eventsTable(g), KEYS.events, movable, "keep"),
          ...insertRowsStatements(dst, deliveriesTable(g), KEYS.deliveries, unparked, "keep"),
          ...insertRowsStatements(dst, "attempts", KEYS.attempts, attemptsOf(atts.results, movedSeqs), "keep"),
        ]);
        collisionCheck(results[0].results, entry.namespace);
        await src.batch(deleteMovedStatements(src, g, entry.namespace, [...movedSeqs], movable.map((e) => e.id)));
        for (const d of moving) if (d.status === "pending") out.moved.push({ seq: d.seq, due: d.next_attempt_at - PARKED });
      }
      if (events.length < MOVE_CHUNK) break;
    }
  }
  return out;
}

/** Each moved pending delivery gets a message on T for when it is due (the sweep finds it too: it is watched). */
async function enqueueMoved(env: AppEnv, shard: string, moved: readonly { seq: number; due: number }[], now: number): Promise<void> {
  if (moved.length === 0) return;
  for (let i = 0; i < moved.length; i += 100) {
    await env.SLOW_DELIVERIES.sendBatch(
      moved.slice(i, i + 100).map((m) => ({
        body: { d: m.seq, s: shard },
        delaySeconds: Math.max(0, Math.min(Math.ceil((m.due - now) / 1000), MAX_QUEUE_DELAY_SECONDS)),
      })),
    );
    usage.queueMessagesSent += Math.min(100, moved.length - i);
  }
}

/** Phase 4: drains every other shard; ends the move when none holds anything. */
async function drainStep(env: AppEnv, entry: DirectoryEntry, now: number): Promise<MoveStep> {
  let chunks = 0;
  let left = false;
  const settled = now >= (entry.statusAt ?? 0) + MOVE_SETTLE_MS;
  for (const x of shardNames(env).filter((s) => s !== entry.shard)) {
    const src = shardDb(onShard(env, x));
    if (!(await holdsNamespace(src, entry.namespace))) continue;
    const drained = await drainShard(env, x, entry, now, CHUNKS_PER_STEP - chunks);
    chunks += drained.chunks;
    await enqueueMoved(env, entry.shard, drained.moved, now);
    if (drained.left) left = true;
    else if (!settled) left = true;
    // No day of X holds it and no Worker writes to X any more: its webhooks go last.
    else await deleteWebhooksOfStatement(src, entry.namespace).run();
    if (chunks >= CHUNKS_PER_STEP) return { outcome: "more", chunks };
  }
  if (left) return { outcome: "waiting", waitSeconds: settled ? DRAIN_RETRY_SECONDS : Math.ceil(((entry.statusAt ?? 0) + MOVE_SETTLE_MS - now) / 1000), chunks };
  if (!(await switchShard(controlDb(env), entry.namespace, entry.shard, now))) return { outcome: "gone", chunks };
  forget(entry.namespace);
  return { outcome: "done", chunks };
}

/** One bounded step of the move; `now` is the step's time (tests pass a later one instead of waiting MOVE_SETTLE_MS). */
export async function moveStep(env: AppEnv, namespace: string, at?: string, now = Date.now()): Promise<MoveStep> {
  const entry = await directoryEntry(controlDb(env), namespace);
  if (!entry || entry.status !== "moving" || !entry.movingTo) return { outcome: "gone", chunks: 0 };
  if (entry.shard === entry.movingTo) return drainStep(env, entry, now);
  const wait = (entry.statusAt ?? 0) + MOVE_SETTLE_MS - now;
  if (wait > 0) return { outcome: "settling", waitSeconds: Math.ceil(wait / 1000), chunks: 0 };
  return copyStep(env, entry, at, now);
}

/** A move message's work: one step, then the next queued; throws to have the queue retry it (from the same cursor). */
export async function continueMove(env: AppEnv, shard: string, namespace: string, at?: string): Promise<void> {
  const step = await moveStep(env, namespace, at);
  if (step.outcome === "more") await sendMove(env, shard, namespace, 0, step.at);
  else if (step.outcome === "switched") await sendMove(env, shard, namespace, Math.ceil(PLACEMENT_TTL_MS / 1000));
  else if (step.outcome === "settling" || step.outcome === "waiting") await sendMove(env, shard, namespace, step.waitSeconds, at);
  else if (step.outcome === "done") console.log("namespace moved", { namespace, to: shard });
}

/** The cron's part: every MOVE_REDRIVE_MINUTES, a step for each namespace still moving (a lost message does not stop its move). */
export async function redriveMoves(env: AppEnv, now: number): Promise<void> {
  if (Math.floor(now / 60_000) % MOVE_REDRIVE_MINUTES !== 0) return;
  const moving = (await busyEntries(controlDb(env))).filter((e) => e.status === "moving");
  await Promise.all(moving.map((e) => sendMove(env, e.shard, e.namespace)));
}
