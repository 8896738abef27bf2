/**
 * Issue 15, item 3: nothing secret in logs. drizzle wraps a failed D1 query in
 * an error whose message (and so its stack) carries the query's parameters:
 * custom header values and sealed secrets. The error renderer logs an error
 * code and the driver's cause, never the parameters. A trigger makes the
 * webhook writes fail for real in D1.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, createWebhook, receiverUrl, uniqueKey } from "./support/api";
import { awsKeys } from "./support/destinations";

const ns = "log-safety";
const HEADER_VALUE = "hdr-value-must-not-be-logged-7f3a";
const SECRET = "djinn-secret-must-not-be-logged";

beforeAll(async () => {
  // On every shard: the namespace may be placed on either.
  for (const shard of [env.SHARD_0, env.SHARD_1]) {
    await shard.exec(
      "CREATE TRIGGER fail_boom_insert BEFORE INSERT ON webhooks WHEN NEW.description = 'boom' BEGIN SELECT RAISE(ABORT, 'forced write failure'); END",
    );
    await shard.exec(
      "CREATE TRIGGER fail_boom_update BEFORE UPDATE ON webhooks WHEN NEW.description = 'boom' BEGIN SELECT RAISE(ABORT, 'forced write failure'); END",
    );
  }
});

afterEach(() => vi.restoreAllMocks());

function captureLogs(): () => string {
  const lines: unknown[][] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args));
  }
  return () =>
    lines
      .map((args) => args.map((a) => (typeof a === "string" ? a : a instanceof Error ? `${a.stack} ${String(a.cause)}` : JSON.stringify(a))).join(" "))
      .join("\n");
}

describe("logs of a failed write (issue 15)", () => {
  it("a failing create logs a code and the driver's cause, not the header values or the sealed secret", async () => {
    const logs = captureLogs();
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
      name: uniqueKey("h"),
      url: receiverUrl("/ok/x"),
      events: ["*"],
      format: "djinn",
      secret: SECRET,
      description: "boom",
      headers: { "X-Shared-Token": HEADER_VALUE },
    });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("internal_error");
    const text = logs();
    expect(text).toContain(res.body.error.request_id);
    expect(text).not.toContain(HEADER_VALUE);
    expect(text).not.toContain(SECRET);
    expect(text).toContain("forced write failure");
    expect(text).not.toMatch(/v1\.[A-Za-z0-9+/=]{8,}\.[A-Za-z0-9+/=]{8,}|v2\.[A-Za-z0-9+/=]{8,}/);
    expect(text).not.toMatch(/params:/);
  });

  it("a failing create of a queue destination logs none of its credentials (issue 25)", async () => {
    const logs = captureLogs();
    const keys = awsKeys();
    const res = await api("POST", `/v1/namespaces/${ns}/webhooks`, {
      name: uniqueKey("h"),
      events: ["*"],
      description: "boom",
      destination: { type: "sqs", queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/ci", region: "eu-west-1", ...keys },
    });
    expect(res.status).toBe(500);
    const text = logs();
    expect(text).toContain("forced write failure");
    expect(text).not.toContain(keys.access_key_id);
    expect(text).not.toContain(keys.secret_access_key);
    expect(text).not.toMatch(/v2\.[A-Za-z0-9+/=]{8,}/);
  });

  it("a failing update logs no parameters either", async () => {
    const hook = await createWebhook(ns);
    const logs = captureLogs();
    const res = await api("PATCH", `/v1/namespaces/${hook.namespace}/webhooks/${hook.id}`, { description: "boom", headers: { "X-Shared-Token": HEADER_VALUE } });
    expect(res.status).toBe(500);
    const text = logs();
    expect(text).toContain("forced write failure");
    expect(text).not.toContain(HEADER_VALUE);
    expect(text).not.toMatch(/params:/);
  });
});
