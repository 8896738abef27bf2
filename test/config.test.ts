/** Settings parsed once with zod: defaults when unset, a loud refusal when set to something unusable. */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, MAX_QUEUE_DELAY_SECONDS, MAX_RETENTION_DAYS, parseConfig } from "../src/config";
import type { AppEnv, DeliveryMessage } from "../src/env";
import worker from "../src/index";

const base = env as unknown as AppEnv;
const withVars = (vars: Record<string, string | undefined>) => ({ ...base, ...vars }) as AppEnv;

afterEach(() => vi.restoreAllMocks());

describe("parseConfig", () => {
  it("takes the defaults for unset or empty vars and clamps long delays", () => {
    const cfg = parseConfig(withVars({ RETRY_SCHEDULE: "", DELIVERY_TIMEOUT_MS: undefined, RETENTION_DAYS: "", AUTO_DISABLE_DAYS: undefined }));
    expect(cfg).toMatchObject({ retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000], deliveryTimeoutMs: 15_000, retentionDays: 30, autoDisableMs: 5 * 86_400_000 });
    expect(parseConfig(withVars({ RETRY_SCHEDULE: " 1, 2,99999 " })).retrySchedule).toEqual([1, 2, MAX_QUEUE_DELAY_SECONDS]);
  });

  it("accepts RETENTION_DAYS from 1 to 400 and says why it refuses more", () => {
    expect(parseConfig(withVars({ RETENTION_DAYS: "1" })).retentionDays).toBe(1);
    expect(parseConfig(withVars({ RETENTION_DAYS: "400" })).retentionDays).toBe(MAX_RETENTION_DAYS);
    expect(() => parseConfig(withVars({ RETENTION_DAYS: "401" }))).toThrow(/RETENTION_DAYS="401": at most 400 days/);
  });

  it("the sweep's grace and re-send back-off: a minute and ten by default, seconds when set (the soak's)", () => {
    expect(parseConfig(withVars({ SWEEP_GRACE_SECONDS: undefined, SWEEP_RESEND_BACKOFF_SECONDS: "", CLAIM_LEASE_MARGIN_SECONDS: undefined }))).toMatchObject({
      sweepGraceMs: 60_000,
      sweepResendBackoffMs: 600_000,
      claimLeaseMarginMs: 60_000,
    });
    expect(parseConfig(withVars({ SWEEP_GRACE_SECONDS: "10", SWEEP_RESEND_BACKOFF_SECONDS: "30", CLAIM_LEASE_MARGIN_SECONDS: "5" }))).toMatchObject({
      sweepGraceMs: 10_000,
      sweepResendBackoffMs: 30_000,
      claimLeaseMarginMs: 5_000,
    });
  });

  it.each([
    ["RETRY_SCHEDULE", "abc"],
    ["RETRY_SCHEDULE", "5,,10"],
    ["RETRY_SCHEDULE", "-5"],
    ["DELIVERY_TIMEOUT_MS", "0"],
    ["DELIVERY_TIMEOUT_MS", "15s"],
    ["RETENTION_DAYS", "-1"],
    ["RETENTION_DAYS", "0"],
    ["RETENTION_DAYS", "401"],
    ["RETENTION_DAYS", "1.5"],
    ["AUTO_DISABLE_DAYS", "five"],
    ["ALLOW_LOOPBACK_TARGETS", "yes"],
    ["ENVIRONMENT", "prod"],
    ["SWEEP_GRACE_SECONDS", "0"],
    ["SWEEP_RESEND_BACKOFF_SECONDS", "10m"],
    ["CLAIM_LEASE_MARGIN_SECONDS", "-1"],
  ])("refuses %s=%s and names it", (name, value) => {
    expect(() => parseConfig(withVars({ [name]: value }))).toThrow(ConfigError);
    expect(() => parseConfig(withVars({ [name]: value }))).toThrow(new RegExp(`${name}="${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`));
  });
});

describe("a bad setting stops the Worker loudly", () => {
  const bad = () => withVars({ RETRY_SCHEDULE: "abc" });

  it("fetch answers 500 misconfigured, says nothing more, and logs the var", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await worker.fetch(new Request("http://dispatcher.test/v1/event-types", { headers: { authorization: "Bearer test-admin-token" } }), bad(), createExecutionContext());
    expect(res.status).toBe(500);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("misconfigured");
    expect(body.error.message).not.toContain("RETRY_SCHEDULE");
    expect(log.mock.calls.flat().join(" ")).toMatch(/RETRY_SCHEDULE="abc"/);
  });

  it("queue retries the batch instead of acking anything", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const batch = createMessageBatch<DeliveryMessage>("ci-webhooks-deliveries", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { d: 1 } }]);
    // The deployment check runs first in every handler and refuses a setting that does not parse.
    await expect(worker.queue(batch, bad())).rejects.toMatchObject({ code: "misconfigured" });
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([]);
  });

  it("scheduled refuses too", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" });
    await expect(worker.scheduled(controller, bad(), createExecutionContext())).rejects.toMatchObject({ code: "misconfigured" });
  });

  it("RETENTION_DAYS=401 refuses to serve: 500 misconfigured, the var named in the log", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await worker.fetch(new Request("http://dispatcher.test/v1/event-types", { headers: { authorization: "Bearer test-admin-token" } }), withVars({ RETENTION_DAYS: "401" }), createExecutionContext());
    expect(res.status).toBe(500);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("misconfigured");
    expect(log.mock.calls.flat().join(" ")).toMatch(/refuses to run: invalid configuration: RETENTION_DAYS="401": at most 400 days/);
  });

  it("the good settings serve", async () => {
    const res = await worker.fetch(new Request("http://dispatcher.test/healthz"), base, createExecutionContext());
    expect(res.status).toBe(200);
  });
});
