/**
 * Issue 15, items 8 and 9: a misconfigured deployment is caught in all three
 * handlers (fetch, queue, scheduled), `ALLOW_LOOPBACK_TARGETS` counts only in
 * development, and an ADMIN_TOKEN shorter than 32 characters is refused
 * outside development.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { config } from "../src/config";
import type { AppEnv, DeliveryMessage } from "../src/env";
import worker from "../src/index";

const base = env as unknown as AppEnv;
const PRODUCTION_KEY = btoa("p".repeat(32));
const production = (over: Partial<AppEnv> = {}): AppEnv =>
  ({ ...base, ENVIRONMENT: "production", ADMIN_TOKEN: "a".repeat(40), SECRETS_KEY: PRODUCTION_KEY, ALLOW_LOOPBACK_TARGETS: "false", ...over }) as AppEnv;

const MISCONFIGURED: [string, Partial<AppEnv>][] = [
  ["loopback targets allowed", { ALLOW_LOOPBACK_TARGETS: "true" }],
  ["the dev admin token", { ADMIN_TOKEN: "dev-admin-token" }],
  ["an admin token of 31 characters", { ADMIN_TOKEN: "x".repeat(31) }],
  ["no SECRETS_KEY", { SECRETS_KEY: "" }],
  ["no shard listed", { SHARDS: "" }],
  ["a shard that is not a D1 binding", { SHARDS: "SHARD_0,SHARD_9" }],
  ["a closed shard that is not listed", { SHARDS_CLOSED: "SHARD_7" }],
];

async function fetchHealth(e: AppEnv) {
  return worker.fetch(new Request("http://dispatcher.test/healthz"), e, createExecutionContext());
}

describe("deployment check (issue 15)", () => {
  it("a sound production configuration serves", async () => {
    expect((await fetchHealth(production())).status).toBe(200);
  });

  it.each(MISCONFIGURED)("fetch refuses to serve with %s: 500 misconfigured", async (_, over) => {
    const res = await fetchHealth(production(over));
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("misconfigured");
  });

  it.each(MISCONFIGURED)("the queue handler refuses to work with %s (misconfigured), acking nothing", async (_, over) => {
    const batch = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { d: 987_654_321 } }]);
    const ctx = createExecutionContext();
    // The deployment check's refusal, not any error on the way (a missing row, a bad message).
    await expect(worker.queue(batch, production(over))).rejects.toMatchObject({ code: "misconfigured", message: "The service is not configured." });
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
  });

  it.each(MISCONFIGURED)("the scheduled handler refuses to work with %s (misconfigured)", async (_, over) => {
    const ctx = createExecutionContext();
    await expect(worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), production(over), ctx)).rejects.toMatchObject({
      code: "misconfigured",
      message: "The service is not configured.",
    });
  });

  it("honours ALLOW_LOOPBACK_TARGETS in development only", () => {
    expect(config(production({ ALLOW_LOOPBACK_TARGETS: "true" })).allowLoopback).toBe(false);
    expect(config(production({ ALLOW_LOOPBACK_TARGETS: "true" })).guard.allowLoopback).toBe(false);
    expect(config({ ...base, ENVIRONMENT: "development", ALLOW_LOOPBACK_TARGETS: "true" } as AppEnv).guard.allowLoopback).toBe(true);
  });

  it("accepts a short ADMIN_TOKEN in development (the tests' own)", async () => {
    expect(base.ADMIN_TOKEN.length).toBeLessThan(32);
    expect((await fetchHealth(base)).status).toBe(200);
  });
});
