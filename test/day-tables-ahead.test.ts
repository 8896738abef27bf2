/**
 * No DDL on the request path (db/generations.ts): the cron creates today's
 * and tomorrow's day tables on every shard, so the first publish of a new
 * day finds its tables and changes no schema; a publish that still finds its
 * day missing creates it as a fallback, counted and logged. Its own file:
 * it moves the clock, and storage is per file.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { generationAt, generationEnd, generationOfSeq, listGenerations } from "../src/db/generations";
import type { AppEnv } from "../src/env";
import worker from "../src/index";
import { usage } from "../src/usage";
import { api } from "./support/api";
import { hookAt } from "./support/deliveries";

const appEnv = env as unknown as AppEnv;

/** Every schema object of a shard: a DDL statement changes this list. */
const schemaOf = async (db: D1Database) =>
  (await db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").all<{ type: string; name: string; sql: string | null }>()).results;

/** Publishes one event as if the clock read `at`; answers the day its delivery went to. */
async function publishAt(ns: string, hookId: string, at: number): Promise<number> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(at);
  try {
    expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { at } })).status).toBe(202);
  } finally {
    vi.useRealTimers();
  }
  const { body } = await api("GET", `/v1/namespaces/${ns}/webhooks/${hookId}/deliveries?limit=1`);
  return generationOfSeq(parseInt(body.data[0].id.slice(4), 36));
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("day tables ahead of time", () => {
  it("the cron the minute before midnight creates tomorrow's tables on every shard, and the first publish of the day runs no DDL", async () => {
    const { ns, hook } = await hookAt("/ok");
    const day = generationAt(Date.now()) + 3;
    const midnight = generationEnd(day - 1);
    expect(await listGenerations(env.SHARD_0)).not.toContain(day);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: midnight - 60_000, cron: "* * * * *" }), appEnv, ctx);
    await waitOnExecutionContext(ctx);
    for (const shard of [env.SHARD_0, env.SHARD_1]) expect(await listGenerations(shard)).toEqual(expect.arrayContaining([day - 1, day]));

    const before = await schemaOf(env.SHARD_0);
    const fallbacks = usage.dayTablesCreatedOnRequest;
    expect(await publishAt(ns, hook.id, midnight + 1)).toBe(day);
    expect(await schemaOf(env.SHARD_0)).toEqual(before);
    expect(usage.dayTablesCreatedOnRequest).toBe(fallbacks);

    // Another run the same day finds both days and changes nothing; the first run of the next day adds the day after.
    const cron = async (at: number) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), appEnv, ctx);
      await waitOnExecutionContext(ctx);
    };
    await cron(midnight - 30_000);
    expect(await schemaOf(env.SHARD_0)).toEqual(before);
    await cron(midnight + 60_000);
    expect(await listGenerations(env.SHARD_0)).toContain(day + 1);
  });

  it("a publish whose day the cron has not created creates it, and counts and logs that", async () => {
    const { ns, hook } = await hookAt("/ok");
    const day = generationAt(Date.now()) + 10;
    expect(await listGenerations(env.SHARD_0)).not.toContain(day);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const fallbacks = usage.dayTablesCreatedOnRequest;
    expect(await publishAt(ns, hook.id, generationEnd(day - 1) + 5)).toBe(day);
    expect(await listGenerations(env.SHARD_0)).toContain(day);
    expect(usage.dayTablesCreatedOnRequest).toBe(fallbacks + 1);
    expect(warn.mock.calls.flat().map(String).join(" ")).toMatch(/missing on the request path/);
  });
});
