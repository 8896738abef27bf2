/**
 * The event feed (GET /v1/namespaces/{ns}/events) and the reader a polling
 * webhook shares with it (pull/poll.ts): events oldest first, resumable
 * exactly from a cursor (security/feed-cursor.ts).
 *
 * Position. A day's events are ordered by (seq, created_at, id). An event's
 * `seq` is the day's largest delivery seq + 1 when it was written
 * (db/stores/events.ts), read in the same transaction as its insert, so
 * seqs never go down in commit order; and the events sharing one (a group:
 * those written while no delivery was) are all committed once the day has a
 * delivery with that seq or more. So a group below the day's largest delivery
 * seq is final, and a reader that stood anywhere in it misses nothing later.
 *
 * The newest group can still grow (events that fan out to nobody). Its
 * events are handed out only once they are SETTLE_MS old (`settled`): one
 * written later has a later created_at, so it sorts after them. That assumes,
 * like the sweep's watermark (docs/storage.md), that a publish commits within
 * SETTLE_MS of reading its clock and that Workers' clocks agree. A poll does
 * not wait for it: it records its items as deliveries first, which closes the
 * group (pull/poll.ts).
 *
 * Days: the reader walks the days from the cursor's on. A day dropped by
 * retention is simply not there any more, so an old cursor resumes with the
 * next day that is; a day that ended more than SETTLE_MS ago is final, and a
 * caught-up cursor moves past it so the next read does not scan it again.
 */
import { generationAt, isMissingGeneration, listGenerations } from "../db/generations";
import { feedPage, type FeedRow } from "../db/stores/event-feed";
import type { FeedPosition } from "../security/feed-cursor";

/** How long the newest group of a day may still grow (see above). */
export const SETTLE_MS = 5_000;

/** Before every event of day g. */
export const dayStart = (g: number): FeedPosition => ({ g, s: -1, t: -1, i: "" });

export type FeedQuery = {
  namespace: string;
  position: FeedPosition;
  since: number;
  types: string[] | null;
  limit: number;
  webhookId: string | null;
  now: number;
};

export type FeedItem = FeedRow & { g: number };

export type FeedResult = {
  items: FeedItem[];
  /** Where the next read starts. */
  next: FeedPosition;
  /** More is there to read now (the page was full). */
  more: boolean;
  /** Events after the page that are not final yet, in order (the same day): what a poll records to close their group. */
  unsettled: FeedItem[];
};

export async function readFeed(db: D1Database, q: FeedQuery): Promise<FeedResult> {
  try {
    return await read(db, q);
  } catch (err) {
    // Retention dropped a day between the list and its read: read the list again.
    if (!isMissingGeneration(err)) throw err;
    return read(db, q);
  }
}

async function read(db: D1Database, q: FeedQuery): Promise<FeedResult> {
  const settledBefore = q.now - SETTLE_MS;
  const sinceDay = q.since > 0 ? generationAt(q.since) : 0;
  const days = (await listGenerations(db))
    .filter((g) => g >= q.position.g && (g === 0 || g >= sinceDay))
    .sort((a, b) => a - b);
  const items: FeedItem[] = [];
  const unsettled: FeedItem[] = [];
  let more = false;
  const types = q.types ? JSON.stringify(q.types) : null;
  days: for (const g of days) {
    const after = g === q.position.g ? q.position : dayStart(g);
    const rows = await feedPage(db, g, {
      namespace: q.namespace,
      after,
      since: q.since,
      types,
      settledBefore,
      webhookId: q.webhookId,
      limit: q.limit - items.length + 1,
    });
    for (const row of rows) {
      if (!row.settled) {
        // Settledness is a prefix of the order: the rest of the day is not final either.
        unsettled.push(...rows.slice(rows.indexOf(row)).map((r) => ({ ...r, g })));
        break days;
      }
      if (items.length === q.limit) {
        more = true;
        break days;
      }
      items.push({ ...row, g });
    }
  }
  const last = items.at(-1);
  let next = last ? { g: last.g, s: last.seq, t: last.createdAt, i: last.id } : q.position;
  // Caught up: days that ended before settledBefore are final, the next read starts after them.
  const open = generationAt(settledBefore);
  if (!more && unsettled.length === 0 && next.g < open) next = dayStart(open);
  return { items, next, more, unsettled };
}
