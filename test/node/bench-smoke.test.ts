/**
 * The benchmark, tiny: every scenario runs with a few events against the real
 * Worker, so `npm run bench` never rots. No thresholds: the figures depend on
 * the machine. What must hold is that each one is there and consistent.
 */
import { describe, expect, it } from "vitest";
import { runBench } from "../../bench/core.ts";

describe("benchmark smoke run", () => {
  it("runs every scenario and reports every figure", async () => {
    const result = await runBench({ scale: 0.005, ports: { dispatcher: 8876, receiver: 8877, ceiling: 8878 }, publishConcurrency: 4 });
    expect(result.ceiling.deliveries_per_second).toBeGreaterThan(0);
    expect(Object.keys(result.scenarios)).toEqual(["fan_out_1", "fan_out_10", "fan_out_500", "retry", "unordered_keys", "ordered"]);
    for (const [name, s] of Object.entries(result.scenarios)) {
      expect(s.deliveries, name).toBe(s.events * s.webhooks_per_event);
      expect(s.deliveries_per_second, name).toBeGreaterThan(0);
      expect(s.ratio_to_ceiling, name).toBeCloseTo(s.deliveries_per_second / s.ceiling_deliveries_per_second, 2);
      for (const p of [s.publish_ms, s.latency_ms]) expect(p.p50 <= p.p95 && p.p95 <= p.p99, name).toBe(true);
      // Counted by the Worker, not estimated: every delivery wrote rows, and retention deleted some.
      expect(s.d1_queries_per_delivery_hot_path, name).toBeGreaterThan(0);
      expect(s.rows_written_per_delivery_hot_path, name).toBeGreaterThan(0);
      expect(s.rows_written_per_delivery_retention, name).toBeGreaterThan(0);
      expect(s.rows_written_per_delivery, name).toBeCloseTo(s.rows_written_per_delivery_hot_path + s.rows_written_per_delivery_retention, 2);
      // One message per delivery at a time: a retried delivery's second is its slow-lane message.
      // (The 20 %-failing pair sends a second message for a retry, and an ordered delivery parked behind its key another.)
      if (name === "unordered_keys" || name === "ordered") expect(s.queue_messages_sent_per_delivery, name).toBeGreaterThanOrEqual(1);
      else expect(s.queue_messages_sent_per_delivery, name).toBe(name === "retry" ? 2 : 1);
      expect(s.worker_invocations_per_delivery, name).toBeGreaterThan(0);
      expect(s.usd_per_million_deliveries_marginal, name).toBeGreaterThan(0);
      // Bytes stored (dbstat on the local D1 file) and what one 10 GB shard holds at that size.
      expect(s.bytes_stored_per_delivery, name).toBeGreaterThan(0);
      expect(s.deliveries_per_10gb_shard / (10e9 / s.bytes_stored_per_delivery), name).toBeCloseTo(1, 1);
    }
    // The noisy neighbour: both figures measured on the same run, the target derived from the first.
    const nn = result.noisy_neighbour;
    expect(nn.hanging_deliveries).toBe(nn.hanging_webhooks * Math.max(2, Math.round(60 * 0.005)));
    expect(nn.latency_alone_ms.p95).toBeGreaterThan(0);
    expect(nn.latency_with_neighbour_ms.p95).toBeGreaterThan(0);
    expect(nn.target_p95_ms).toBeCloseTo(Math.max(2000, 2 * nn.latency_alone_ms.p95), 1);
    expect(nn.within_target).toBe(nn.latency_with_neighbour_ms.p95 <= nn.target_p95_ms);
    expect(nn.hanging_posts_before_healthy).toBe(nn.hanging_deliveries); // all 10 hanging when the healthy events went out
    // One message per delivery is 3 operations; a retry moves to the slow lane: the main lane's ack,
    // a send to the slow lane, its read and its ack (3 more, where a retry on the same queue was 1).
    expect(result.scenarios.fan_out_1.queue_operations_per_delivery).toBe(3);
    expect(result.scenarios.retry.queue_operations_per_delivery).toBe(6);
    expect(result.scenarios.retry.queue_retries_per_delivery).toBe(0);
    // poll (bench/poll.ts): every event polled; recording a polled item writes its log row and index entry, nothing else.
    const poll = result.poll;
    expect(poll.catch_up.items).toBe(poll.events);
    expect(poll.catch_up.rows_written_per_item).toBe(2);
    expect(poll.catch_up.rows_read_per_item).toBeGreaterThan(0);
    expect(poll.tail.latency_ms.p95).toBeLessThan(25_000);
  });
});
