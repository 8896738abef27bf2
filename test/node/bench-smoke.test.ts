/**
 * The benchmark, tiny: every scenario runs with a few events against the real
 * Worker, so `npm run bench` never rots. No thresholds: the figures depend on
 * the machine. What must hold is that each one is there and that the counts
 * behind them (the Worker's own usage counters) are what the scenario did.
 */
import { describe, expect, it } from "vitest";
import { runBench } from "../../bench/core.ts";

describe("benchmark smoke run", () => {
  it("runs every scenario and reports every figure, each what the Worker's counters say happened", async () => {
    const result = await runBench({ scale: 0.005, ports: { dispatcher: 8876, receiver: 8877, ceiling: 8878 }, publishConcurrency: 4 });
    expect(result.ceiling.deliveries_per_second).toBeGreaterThan(0);
    expect(Object.keys(result.scenarios)).toEqual(["fan_out_1", "fan_out_10", "fan_out_500", "retry", "unordered_keys", "ordered"]);
    // Rows a scenario writes besides its deliveries': the day's tables, created again by its first
    // publish (the previous scenario's retention run dropped them). The same for every scenario.
    const overhead = new Set<number>();
    const retentionOverhead = new Set<number>();
    for (const [name, s] of Object.entries(result.scenarios)) {
      const hot = s.counters_hot_path;
      const retention = s.counters_retention;
      const retried = name === "retry";
      const keyed = name === "unordered_keys" || name === "ordered";
      // Every delivery sent, answered and acked, as the Worker counted them: first try, or a failure then one retry.
      expect(hot.deliverySuccesses, name).toBe(s.deliveries);
      if (keyed) expect(hot.deliveryAttempts, name).toBeGreaterThanOrEqual(s.deliveries);
      else expect(hot.deliveryAttempts, name).toBe(retried ? 2 * s.deliveries : s.deliveries);
      // One message per delivery at a time: a retried delivery's second is its slow-lane message.
      if (keyed) {
        // The pair's receiver fails 1 first attempt in 5: a retry sends a second message, and an ordered delivery parked behind its key another.
        expect(hot.queueMessagesSent, name).toBeGreaterThanOrEqual(s.deliveries);
      } else {
        expect(hot.queueMessagesSent, name).toBe(retried ? 2 * s.deliveries : s.deliveries);
        expect(hot.queueAcks, name).toBe(hot.queueMessagesSent);
        expect(hot.queueRetries, name).toBe(0);
      }
      // What each per-delivery figure is made of: the counters, not the bench's own arithmetic.
      expect(s.rows_written_per_delivery_hot_path, name).toBeCloseTo(hot.d1RowsWritten / s.deliveries, 3);
      expect(s.rows_written_per_delivery_retention, name).toBeCloseTo(retention.d1RowsWritten / s.deliveries, 3);
      expect(s.queue_operations_per_delivery, name).toBeCloseTo((hot.queueMessagesSent + hot.queueMessagesReceived + hot.queueAcks) / s.deliveries, 3);
      if (keyed) {
        // Counted, not pinned: how many first attempts fail is the dice's.
      } else if (!retried) {
        // A first-try delivery: its event's row once, then 4 (insert + webhook log index, claim, settle);
        // test/rows-written.test.ts pins the same without the day's creation.
        overhead.add(hot.d1RowsWritten - (s.events + 4 * s.deliveries));
        retentionOverhead.add(retention.d1RowsWritten);
        expect(hot.queueMessagesReceived, name).toBe(s.deliveries);
      } else {
        // Retention deletes each retried delivery's attempts row (attempt 2); the day's rows go with DROP TABLE.
        retentionOverhead.add(retention.d1RowsWritten - s.deliveries);
      }
      expect(s.deliveries_per_second, name).toBeGreaterThan(0);
      for (const p of [s.publish_ms, s.latency_ms]) expect(p.p50 <= p.p95 && p.p95 <= p.p99, name).toBe(true);
      expect(s.d1_queries_per_delivery_hot_path, name).toBeGreaterThan(0);
      expect(s.worker_invocations_per_delivery, name).toBeGreaterThan(0);
      expect(s.usd_per_million_deliveries_marginal, name).toBeGreaterThan(0);
      // Bytes stored (dbstat on the local D1 file).
      expect(s.bytes_stored_per_delivery, name).toBeGreaterThan(0);
    }
    expect(overhead.size, `day-creation rows per scenario: ${[...overhead]}`).toBe(1);
    const [dayRows] = [...overhead];
    expect(dayRows).toBeGreaterThan(0);
    expect(dayRows).toBeLessThan(20);
    expect(retentionOverhead.size, `retention's rows besides attempts: ${[...retentionOverhead]}`).toBe(1);
    // The noisy neighbour: every hanging delivery was in flight when the healthy events went out.
    const nn = result.noisy_neighbour;
    expect(nn.hanging_deliveries).toBeGreaterThan(0);
    expect(nn.hanging_posts_before_healthy).toBe(nn.hanging_deliveries);
    expect(nn.latency_alone_ms.p95).toBeGreaterThan(0);
    expect(nn.latency_with_neighbour_ms.p95).toBeGreaterThan(0);
    expect(nn.target_p95_ms).toBeCloseTo(Math.max(2000, 2 * nn.latency_alone_ms.p95), 1);
    expect(nn.within_target).toBe(nn.latency_with_neighbour_ms.p95 <= nn.target_p95_ms);
    // poll (bench/poll.ts): every event polled; recording a polled item writes its log row and index entry, nothing else.
    const poll = result.poll;
    expect(poll.catch_up.items).toBe(poll.events);
    expect(poll.catch_up.rows_written_per_item).toBe(2);
    expect(poll.catch_up.rows_read_per_item).toBeGreaterThan(0);
    expect(poll.tail.latency_ms.p95).toBeLessThan(25_000);
  });
});
