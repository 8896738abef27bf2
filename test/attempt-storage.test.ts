/**
 * Where attempts are stored (src/delivery/attempt-log.ts): attempt 1 in its
 * delivery row, attempts 2 on as rows of `attempts`; the API shows every
 * attempt either way.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordStatements } from "../src/delivery/record";
import type { Settlement } from "../src/delivery/settle";
import { ATTEMPT_SLOTS } from "../src/db/schema";
import { parseDeliveryId } from "../src/ids";
import { api, createWebhook, onlyDeliveryOf, receiverUrl, settledDelivery, uniqueKey } from "./support/api";
import { attemptTableRows, deliveryRow, hookAt, seedOwed } from "./support/deliveries";
import { pinNamespace } from "./support/shards";

const ns = "attempt-storage";

async function deliveredTo(path: string) {
  // On SHARD_0, where attemptTableRows reads by seq (seqs are per shard).
  await pinNamespace(ns);
  const hook = await createWebhook(ns, { url: receiverUrl(`${path}/${uniqueKey()}`) });
  const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { id: 1 } });
  expect(pub.status).toBe(202);
  const delivery = await onlyDeliveryOf(ns, hook.id);
  const detail = await settledDelivery(ns, delivery.id, 30_000);
  return { detail, seq: parseDeliveryId(delivery.id)! };
}

describe("attempt storage", () => {
  it("a first-try delivery writes no attempt row, yet GET delivery shows its attempt", async () => {
    const { detail, seq } = await deliveredTo("/ok");
    expect(await attemptTableRows(seq)).toEqual([]);
    expect(detail.status).toBe("succeeded");
    expect(detail.attempt_count).toBe(1);
    expect(detail.attempts).toHaveLength(1);
    const [first] = detail.attempts;
    expect(first).toMatchObject({ attempt: 1, trigger: "automatic", response_status: 200, response_body: "thanks", error: null });
    expect(first.request_headers["webhook-id"]).toBe(detail.event_id);
    expect(first.request_headers["webhook-signature"]).toBe("v1,[redacted]");
    expect(first.url).toContain("/ok/");
    expect(Date.parse(first.started_at)).toBeGreaterThan(0);
  });

  it("a second attempt: one attempt row (attempt 2), and GET delivery shows both in order", async () => {
    const { detail, seq } = await deliveredTo("/fail/1");
    const rows = await attemptTableRows(seq);
    expect(rows.map((r) => r.attempt)).toEqual([2]);
    expect(detail.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2]);
    expect(detail.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
    expect(detail.attempts[0].response_body).toBe("not yet");
    expect(detail.attempts[1].response_body).toBe("thanks");
  });

  it("keeps the response headers a person debugging needs, not every one", async () => {
    const { detail } = await deliveredTo("/chatty");
    const headers = detail.attempts[0].response_headers as Record<string, string>;
    expect(headers["content-type"]).toBe("text/plain");
    expect(headers.server).toBe("bench-receiver");
    expect(headers["x-request-id"]).toMatch(/^req-/);
    for (const dropped of ["set-cookie", "cache-control", "strict-transport-security", "x-powered-by", "connection", "keep-alive"]) {
      expect(headers[dropped]).toBeUndefined();
    }
  });

  it("an attempt 1 recorded after its claim moved on (lease passed, attempt 2 claimed) still gets a row", async () => {
    const { ns: hookNs, hook } = await hookAt("/ok");
    const T = Date.now();
    const { seq } = await seedOwed(hookNs, hook.id, T, { attempts: 2 });
    const attemptRow = {
      seq: seq * ATTEMPT_SLOTS + 1,
      delivery_seq: seq,
      attempt: 1,
      trigger: "automatic",
      started_at: T,
      duration_ms: 7,
      url: hook.url,
      request_headers: "{}",
      response_status: 500,
      response_headers: null,
      response_body: "late",
      error_class: null,
      error_message: null,
    };
    const stateRow = { seq, attempt: 1, status: "pending", response_status: 500, duration_ms: 7, next_attempt_at: T, failure_reason: null, updated_at: T };
    const late: Settlement = {
      settled: { seq, namespace: hookNs, eventType: "build.finished", eventId: "", webhook: null, status: "pending" },
      outcome: { kind: "skipped" },
      attemptRow,
      stateRow: { ...stateRow, first_started_at: T, first_response_body: "late" },
    };
    await env.SHARD_0.batch(recordStatements(env.SHARD_0, [late], T));
    expect((await attemptTableRows(seq)).map((r) => r.attempt)).toEqual([1]);
    const row = (await deliveryRow(seq)) as unknown as { attempts: number; first_started_at: number | null };
    expect(row).toMatchObject({ attempts: 2, first_started_at: null });
    const detail = await api("GET", `/v1/namespaces/${hookNs}/deliveries/dlv_${seq.toString(36)}`);
    expect(detail.body.attempts.map((a: { attempt: number; response_body: string }) => [a.attempt, a.response_body])).toEqual([[1, "late"]]);
  });
});
