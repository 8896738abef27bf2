/** Small helpers the bench's scenarios share. */
export type Percentiles = { p50: number; p95: number; p99: number };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const r1 = (n: number) => Math.round(n * 10) / 10;

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { p50: r1(at(50)), p95: r1(at(95)), p99: r1(at(99)) };
}

/** Runs `work(i)` for i in [0, n) with at most `limit` in flight. */
export async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, lane));
}
