/** The Cloudflare bill for a number of deliveries, from per-delivery counts and bench/prices.ts. */
import * as P from "./prices.ts";

export type PerDelivery = {
  workerRequests: number;
  /** null when the runtime does not expose it: billed as 0 and said so. */
  workerCpuMs: number | null;
  queueOperations: number;
  d1RowsWritten: number;
  d1RowsRead: number;
};

export type Bill = {
  workers_requests: number;
  workers_cpu: number;
  queues: number;
  d1_rows_written: number;
  d1_rows_read: number;
  total: number;
};

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

function bill(per: PerDelivery, deliveries: number, included: boolean): Bill {
  const over = (used: number, inc: number) => (included ? Math.max(0, used - inc) : used);
  const parts = {
    workers_requests: (over(per.workerRequests * deliveries, P.WORKERS_INCLUDED_REQUESTS) / 1e6) * P.WORKERS_USD_PER_MILLION_REQUESTS,
    workers_cpu: (over((per.workerCpuMs ?? 0) * deliveries, P.WORKERS_INCLUDED_CPU_MS) / 1e6) * P.WORKERS_USD_PER_MILLION_CPU_MS,
    queues: (over(per.queueOperations * deliveries, P.QUEUES_INCLUDED_OPERATIONS) / 1e6) * P.QUEUES_USD_PER_MILLION_OPERATIONS,
    d1_rows_written: (over(per.d1RowsWritten * deliveries, P.D1_INCLUDED_ROWS_WRITTEN) / 1e6) * P.D1_USD_PER_MILLION_ROWS_WRITTEN,
    d1_rows_read: (over(per.d1RowsRead * deliveries, P.D1_INCLUDED_ROWS_READ) / 1e6) * P.D1_USD_PER_MILLION_ROWS_READ,
  };
  const out = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v)])) as Omit<Bill, "total">;
  return { ...out, total: round(Object.values(parts).reduce((a, b) => a + b, 0)) };
}

/** What one more million deliveries costs once the plan's included amounts are used up. */
export function marginalPerMillion(per: PerDelivery): Bill {
  return bill(per, 1_000_000, false);
}

/** A whole month on Workers Paid with this many deliveries and nothing else: subscription + overage. */
export function monthTotal(per: PerDelivery, deliveries = 1_000_000): Bill & { subscription: number } {
  const b = bill(per, deliveries, true);
  return { ...b, subscription: P.WORKERS_PAID_USD_PER_MONTH, total: round(b.total + P.WORKERS_PAID_USD_PER_MONTH) };
}
