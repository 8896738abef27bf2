/**
 * The bill's figure pinned as a count: D1 rows written per first-try push
 * delivery, publish batch included, read from the metered D1's counters
 * (src/db/metered-d1.ts, GET /v1/admin/usage). The README's 5.007 / 4.107 are
 * these plus retention's share; a change that adds a row (an index, a
 * second update) fails here instead of surfacing in the next bench.
 * The per-statement breakdown is in bench/README.md ("Local D1 metering").
 */
import { describe, expect, it } from "vitest";
import { api, createWebhook, received, receiverUrl, uniqueKey, waitFor } from "./support/api";
import { pinNamespace } from "./support/shards";

type Usage = { d1RowsWritten: number; deliverySuccesses: number; queueMessagesSent: number };
const usageNow = async () => (await api<Usage>("GET", "/v1/admin/usage")).body;

/** Publishes one event to `fanOut` webhooks after a warm-up, and answers the rows written from the publish to the last settle. */
async function rowsForOneEvent(ns: string, fanOut: number): Promise<{ rows: number; usage: Usage }> {
  await pinNamespace(ns);
  const keys = Array.from({ length: fanOut }, () => uniqueKey("rw"));
  for (const k of keys) await createWebhook(ns, { url: receiverUrl(`/ok/${k}`), events: ["build.*"] });
  // Warm-up: today's tables and the namespace's first write exist before counting (both once a day / once ever).
  expect((await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.started", data: { n: 0 } })).status).toBe(202);
  await waitFor(() => Promise.all(keys.map(received)), (r) => r.every((x) => x.length === 1));
  await waitFor(() => api("GET", `/v1/namespaces/${ns}/deliveries?status=pending`), (r) => r.status === 200 && r.body.data.length === 0);

  expect((await api("POST", "/v1/admin/usage/reset")).status).toBe(204);
  const pub = await api("POST", `/v1/namespaces/${ns}/events`, { type: "build.finished", data: { n: 1 } });
  expect(pub.status).toBe(202);
  // Every delivery settled: the last write of a first-try delivery is its settle.
  const after = await waitFor(usageNow, (u) => u.deliverySuccesses === fanOut, 30_000, 50);
  const settled = await waitFor(
    () => api("GET", `/v1/namespaces/${ns}/deliveries?status=succeeded&limit=200`),
    (r) => r.body.data.filter((d: { event_id: string }) => d.event_id === pub.body.id).length === fanOut,
  );
  expect(settled.status).toBe(200);
  const usage = await usageNow();
  expect(usage.deliverySuccesses).toBe(after.deliverySuccesses);
  return { rows: usage.d1RowsWritten, usage };
}

describe("D1 rows written per first-try delivery", () => {
  it("is exactly 5 at fan-out 1: event 1, delivery 2 (row + webhook log index), claim 1, settle 1", async () => {
    const { rows, usage } = await rowsForOneEvent("rows-fan1", 1);
    expect(usage.queueMessagesSent).toBe(1);
    expect(rows).toBe(5);
  });

  it("is exactly 1 + 4 per delivery at fan-out 10 (41 rows: the event once, each delivery 4)", async () => {
    const { rows, usage } = await rowsForOneEvent("rows-fan10", 10);
    expect(usage.queueMessagesSent).toBe(10);
    expect(rows).toBe(41);
  });
});
