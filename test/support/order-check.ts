/**
 * What a receiver of an ordered webhook must have seen (docs/ordering.md),
 * judged from its recorded requests (receiver.ts): per ordering key, event
 * numbers in arrival order never go back, none arrives before the one before
 * it was answered (never two of one key in flight), and each event's last
 * request was answered 200. Events carry `data: { k: <key>, n: <0..perKey-1> }`.
 * Pure: used by the workerd test and the node restart test.
 */
import { expect } from "vitest";

export type Seen = { body: string; at: number; answeredAt?: number; status?: number };

export const eventOf = (r: Seen) => (JSON.parse(r.body) as { data: { k: string; n: number } }).data;

export function checkOrder(requests: Seen[], keys: string[], perKey: number): void {
  for (const k of keys) {
    const mine = requests.filter((r) => eventOf(r).k === k).sort((a, b) => a.at - b.at);
    const ns = mine.map((r) => eventOf(r).n);
    expect(ns, `key ${k}`).toEqual([...ns].sort((a, b) => a - b));
    expect([...new Set(ns)], `key ${k}`).toEqual(Array.from({ length: perKey }, (_, i) => i));
    for (let i = 1; i < mine.length; i++) {
      expect(mine[i - 1].answeredAt, `key ${k}: request ${i - 1} never answered`).toBeDefined();
      expect(mine[i].at, `key ${k}: request ${i} overlaps the one before`).toBeGreaterThanOrEqual(mine[i - 1].answeredAt!);
    }
    for (let n = 0; n < perKey; n++) expect(mine.filter((r) => eventOf(r).n === n).at(-1)!.status, `key ${k} event ${n}`).toBe(200);
  }
}
