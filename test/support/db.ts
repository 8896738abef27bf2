/** Direct D1 access for tests: seeding rows with chosen times, query plans, tokens. */
import { env } from "cloudflare:workers";
import { createGeneration, generationAt, listGenerations } from "../../src/db/generations";
import { nsDb } from "./shards";
import { sha256Hex, TOKEN_PREFIX } from "../../src/security/token-check";

export type SeedDelivery = {
  webhookId: string;
  namespace: string;
  status: "pending" | "succeeded" | "failed";
  createdAt: number;
  durationMs?: number | null;
  eventType?: string;
};

/** Inserts deliveries, each on its namespace's shard, as the fan-out would have, with the given times; returns their seqs (per shard). */
export async function seedDeliveries(rows: SeedDelivery[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const r of rows) seqs.push(await seedDelivery(await nsDb(r.namespace), r));
  return seqs;
}

async function seedDelivery(db: D1Database, r: SeedDelivery): Promise<number> {
  const row = await db
    .prepare(
      `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, status, attempts, last_duration_ms,
         next_attempt_at, enqueued_at, created_at, updated_at)
       VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
    ).bind(
      r.webhookId,
      r.namespace,
      r.eventType ?? "build.finished",
      r.status,
      r.durationMs == null ? 0 : 1,
      r.durationMs ?? null,
      // Far in the future for pending rows, so no sweep picks them up.
      r.status === "pending" ? r.createdAt + 365 * 86_400_000 : r.createdAt,
      r.createdAt,
      r.createdAt,
      r.createdAt + 1000,
    )
    .first<{ seq: number }>();
  return row!.seq;
}

/** The `detail` lines of EXPLAIN QUERY PLAN for a statement. */
export async function queryPlan(sql: string, ...params: unknown[]): Promise<string[]> {
  const { results } = await env.SHARD_0.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

/** Plan lines that read a deliveries table without an index (a full scan). */
export const deliveryScans = (plan: string[]) => plan.filter((l) => /\bSCAN (deliveries(_g\d+)?|d|d2)\b/.test(l) && !/USING (COVERING )?INDEX|INTEGER PRIMARY KEY/.test(l));

/** The generations of the shard queryPlan reads, today's created if missing: plans then cover a day's table and the template. */
export async function planGenerations(): Promise<number[]> {
  await createGeneration(env.SHARD_0, generationAt(Date.now()));
  return listGenerations(env.SHARD_0);
}

/** A namespace token with the given scopes, written as token creation would. */
export async function namespaceToken(namespace: string, scopes: string[]): Promise<string> {
  const token = `${TOKEN_PREFIX}${crypto.randomUUID().replace(/-/g, "")}`;
  await env.DB.prepare("INSERT INTO tokens (id, namespace, name, scopes, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(`tok_${crypto.randomUUID().slice(0, 8)}`, namespace, "test", JSON.stringify(scopes), await sha256Hex(token), Date.now())
    .run();
  return token;
}
