/**
 * The SSRF guard again at send time (src/delivery/send.ts): a stored URL the
 * guard refuses now (an old row, a rule changed since, a row written past the
 * API) is never fetched, and the attempt says why.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleDeliveryBatch } from "../src/delivery/consumer";
import type { AppEnv } from "../src/env";
import { deliveryId } from "../src/ids";
import { api, received, waitFor } from "./support/api";
import { attemptRows, batchOf, deliveryRow, hookAt, seedOwed } from "./support/deliveries";

const QUEUE = "ci-webhooks-deliveries";
const appEnv = env as unknown as AppEnv;

/**
 * Hands the delivery once to the real consumer with `run`'s env and waits
 * until it has settled (send, then record: once settled, that claim makes
 * no request any more), then reads what it recorded.
 */
async function sendOnce(ns: string, webhookId: string, run: AppEnv) {
  const { seq } = await seedOwed(ns, webhookId, Date.now());
  await handleDeliveryBatch(batchOf(QUEUE, [seq]), run);
  // Settled: a refused URL fails for good, an allowed one succeeds (the claim counts the attempt before the send).
  await waitFor(() => deliveryRow(seq), (d) => d.attempts >= 1 && d.status !== "pending", 10_000, 50);
  const detail = await api("GET", `/v1/namespaces/${ns}/deliveries/${deliveryId(seq)}`);
  expect(detail.status).toBe(200);
  return { row: await deliveryRow(seq), attempts: await attemptRows(seq), detail: detail.body };
}

describe("the send-time URL check", () => {
  it("does not fetch a loopback URL stored while loopback was allowed, once it is not, and records why", async () => {
    // Created while the tests' env allows loopback: the receiver is real and would answer 200.
    const { ns, key, hook } = await hookAt("/ok");
    const strict: AppEnv = { ...appEnv, ALLOW_LOOPBACK_TARGETS: "false" };
    const { row, attempts, detail } = await sendOnce(ns, hook.id, strict);
    // The attempt is on record: a request it made would have reached the receiver by now.
    expect(await received(key)).toEqual([]);
    expect(row).toMatchObject({ status: "failed", attempts: 1, failure_reason: "url_not_allowed", last_response_status: null });
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, error_class: "url_not_allowed", response_status: null, duration_ms: 0 })]);
    expect(detail.failure_reason).toBe("url_not_allowed");
    expect(detail.attempts[0].error).toMatchObject({ class: "url_not_allowed" });
    expect(JSON.stringify(detail.attempts[0].error)).toMatch(/loopback|local|private/i);

    // The same row with loopback allowed (the tests' env) is sent: the check above is what stopped it.
    const allowed = await sendOnce(ns, hook.id, appEnv);
    expect(allowed.row.status).toBe("succeeded");
    expect(await received(key)).toHaveLength(1);
  });

  it("refuses a metadata address written past the API even with loopback allowed", async () => {
    const { ns, key, hook } = await hookAt("/ok");
    // As an old row or a hand edit would hold it: the API would have refused it (422 url_not_allowed).
    await env.SHARD_0.prepare("UPDATE webhooks SET url = ? WHERE id = ?").bind("http://169.254.169.254/latest/meta-data/", hook.id).run();
    const { row, attempts } = await sendOnce(ns, hook.id, appEnv);
    expect(await received(key)).toEqual([]);
    expect(row).toMatchObject({ status: "failed", failure_reason: "url_not_allowed" });
    // duration 0: refused before any connection was tried (a fetch there would time out or be refused).
    expect(attempts).toEqual([expect.objectContaining({ error_class: "url_not_allowed", duration_ms: 0 })]);
  });
});
