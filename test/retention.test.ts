/**
 * Retention: events, deliveries and attempts older than RETENTION_DAYS (30)
 * go, in bounded chunks (a run deletes at most RETENTION_CHUNK x 20 rows per
 * table; the next run continues); newer ones stay. `now` is passed in the
 * future so rows written now count as old. (Its own file: storage is per
 * file, so nothing else's rows are in reach.)
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ATTEMPT_SLOTS } from "../src/db/schema";
import { RETENTION_CHUNK, pruneExpired } from "../src/delivery/retention";
import type { AppEnv } from "../src/env";
import { onShard } from "../src/db/shards";

/** Rows are written straight to the second shard, where pruneExpired runs (the cron runs it on every shard). */
const shard = env.SHARD_1;

const DAY = 86_400_000;
const PER_RUN = RETENTION_CHUNK * 20;

async function count(table: string, where = "1 = 1", ...params: unknown[]): Promise<number> {
  return (await shard.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(...params).first<{ n: number }>())!.n;
}

/** An event with `deliveries` deliveries of `attemptsEach` attempts, written directly (one statement per table). */
async function seedEvent(id: string, createdAt: number, deliveries: number, attemptsEach: number) {
  await shard.prepare(
    `INSERT INTO events (namespace, id, type, data, created_at, first_delivery_seq)
     VALUES ('ret', ?, 'build.finished', '{}', ?, (SELECT coalesce(max(seq), 0) + 1 FROM deliveries))`,
  )
    .bind(id, createdAt)
    .run();
  await shard.prepare(
    `INSERT INTO deliveries (event_seq, webhook_id, namespace, event_type, status, attempts, next_attempt_at, enqueued_at, created_at, updated_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
     SELECT (SELECT seq FROM events WHERE namespace = 'ret' AND id = ?1), 'wh_ret', 'ret', 'build.finished', 'failed', ?4, ?2, ?2, ?2, ?2 FROM n`,
  )
    .bind(id, createdAt, deliveries, attemptsEach)
    .run();
  await shard.prepare(
    `INSERT INTO attempts (seq, delivery_seq, attempt, trigger, started_at, duration_ms, url, request_headers, response_status)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
     SELECT d.seq * ?4 + n.i, d.seq, n.i, 'automatic', ?2, 5, 'https://example.com/', '{}', 500
     FROM deliveries d, n WHERE d.event_seq = (SELECT seq FROM events WHERE namespace = 'ret' AND id = ?1)`,
  )
    .bind(id, createdAt, attemptsEach, ATTEMPT_SLOTS)
    .run();
}

describe("retention", () => {
  it("deletes old attempts, deliveries and events in bounded chunks and keeps recent ones", async () => {
    expect(await count("events")).toBe(0); // storage of this file only
    const base = Date.now();
    // Old: 3 events, 21 deliveries of 1,000 attempts each (more than one run's bound).
    await seedEvent("old1", base, 1, 1000);
    await seedEvent("old2", base + 1, 10, 1000);
    await seedEvent("old3", base + 2, 10, 1000);
    // Recent relative to `now` below: kept.
    await seedEvent("new1", base + 20 * DAY, 2, 3);
    expect(await count("attempts")).toBe(21_000 + 6);

    const now = base + 40 * DAY; // cutoff = base + 10 days
    const first = await pruneExpired(onShard(env as unknown as AppEnv, "SHARD_1"), now);
    // Bounded: the rest waits for the next run, and parents wait for their children.
    expect(first).toEqual({ events: 0, deliveries: 0, attempts: PER_RUN });
    expect(await count("attempts", "delivery_seq NOT IN (SELECT seq FROM deliveries)")).toBe(0);

    const second = await pruneExpired(onShard(env as unknown as AppEnv, "SHARD_1"), now);
    expect(second).toEqual({ events: 3, deliveries: 21, attempts: 21_000 - PER_RUN });
    expect(await pruneExpired(onShard(env as unknown as AppEnv, "SHARD_1"), now)).toEqual({ events: 0, deliveries: 0, attempts: 0 });

    // What is left is exactly the recent event, its deliveries and their attempts.
    expect(await count("events")).toBe(1);
    expect(await count("events", "id = 'new1'")).toBe(1);
    expect(await count("deliveries")).toBe(2);
    expect(await count("deliveries", "event_seq = (SELECT seq FROM events WHERE id = 'new1')")).toBe(2);
    expect(await count("attempts")).toBe(6);
    expect(await count("attempts", "delivery_seq IN (SELECT seq FROM deliveries)")).toBe(6);
  });

  it("keeps everything younger than RETENTION_DAYS", async () => {
    const now = Date.now() + 25 * DAY;
    await seedEvent("young", now - 29 * DAY, 3, 2);
    const before = { e: await count("events"), d: await count("deliveries"), a: await count("attempts") };
    expect(before.a).toBeGreaterThanOrEqual(6);
    const removed = await pruneExpired(onShard(env as unknown as AppEnv, "SHARD_1"), now);
    expect(removed).toEqual({ events: 0, deliveries: 0, attempts: 0 });
    expect({ e: await count("events"), d: await count("deliveries"), a: await count("attempts") }).toEqual(before);
  });
});
