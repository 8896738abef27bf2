/**
 * Per-key ordered delivery (docs/ordering.md). A webhook with `ordered` gets
 * the deliveries of events sharing an `ordering_key` one at a time, in the
 * order the dispatcher accepted them (their seqs: a seq names its day, and
 * days and seqs only grow). The rules live in SQL beside their statements
 * (db/stores/delivery-order.ts); what happens where:
 *
 * - fan-out: a delivery is `ordered` when its webhook is and its event has a
 *   key. Only those enter the partial index deliveries_ordered (while
 *   pending): an unordered delivery writes exactly the rows it did before.
 * - claim (claim.ts): an ordered delivery is not claimed while an earlier one
 *   of its (webhook, key) has not ended, on any day. The claim leaves it
 *   untouched (no row written) and its message is acked: it is parked.
 * - record (record.ts): when an ordered delivery ends (succeeded, or failed
 *   for good), the same D1 batch that records the end finds the head of its
 *   key, and its message is sent. A failing head therefore holds only its
 *   key; its retries keep their schedule, since it is the one claimed.
 * - sweep (recovery-sweep.ts): ordered deliveries get a pass of their own
 *   that reads the pending ordered ones once and keeps each key's head: a
 *   parked delivery is never re-sent while it is held (no timer storm behind
 *   a failing head); a head whose message was lost (the Worker died between
 *   the record and the send) is re-sent like every other overdue delivery.
 * - manual attempts (redeliver, recover) are outside the order: never held,
 *   and never holding anyone.
 * - `waiting_for` in a delivery's detail is read, not stored (day by day):
 *   the latest earlier delivery of its key that has not ended.
 * No statement nests a subquery over the views inside another over them: that
 * compiles one per pair of days, out of memory at the longest retention.
 */
import type { ShardEnv } from "../db/shards";
import type { OrderKey } from "../db/stores/delivery-order";
import { enqueueDeliveries } from "../events/publish";

/** The distinct keys among these ended deliveries. */
export function endedKeys(keys: readonly (OrderKey | undefined)[]): OrderKey[] {
  const seen = new Map<string, OrderKey>();
  for (const k of keys) if (k) seen.set(JSON.stringify([k.w, k.k]), k);
  return [...seen.values()];
}

/** Sends the heads their message; a send that fails is left to the sweep (it re-sends a head that waits unsent). */
export async function sendHeads(env: ShardEnv, heads: number[]): Promise<void> {
  if (heads.length) await enqueueDeliveries(env, heads);
}
