/**
 * The `poll` scenario (issue 23): what a polling webhook costs. One
 * namespace, one webhook of mode `poll` (no push webhook), and three phases,
 * each counted by the Worker itself (GET /v1/admin/usage):
 *
 * 1. publish: `events` events; nothing fans out to a polling webhook, so this
 *    is the event's own row;
 * 2. catch-up: a receiver polls them all in pages of 50 (wait=0): rows
 *    written and read per polled item (recording an item in the delivery log
 *    is its two written rows);
 * 3. tail: `tail` more events one at a time while the receiver long-polls
 *    (wait=25): publish-to-answer latency, and the rows per item when every
 *    answer carries one item.
 *
 * Retention drops whole days (docs/storage.md): no rows per item there.
 */
import { percentiles, pool, r1, sleep, type Percentiles } from "./stats.ts";

export type PollSpec = { events: number; tail: number };

export const POLL: PollSpec = { events: 1000, tail: 20 };

type Usage = Record<string, number>;
type ApiLike = {
  json<T>(method: string, path: string, body: unknown, expect: number): Promise<T>;
  usage(): Promise<Usage>;
  resetUsage(): Promise<void>;
};

type Phase = { items: number; rows_written_per_item: number; rows_read_per_item: number; d1_queries_per_item: number };

export type PollResult = {
  events: number;
  publish: Phase;
  catch_up: Phase & { pages: number };
  tail: Phase & { latency_ms: Percentiles };
};

const r3 = (n: number) => Math.round(n * 1000) / 1000;

async function measured(api: ApiLike, items: () => number, work: () => Promise<void>): Promise<Phase> {
  await api.resetUsage();
  await work();
  await sleep(300); // the last invocation's bookkeeping
  const u = await api.usage();
  const n = Math.max(1, items());
  return { items: items(), rows_written_per_item: r3(u.d1RowsWritten / n), rows_read_per_item: r3(u.d1RowsRead / n), d1_queries_per_item: r3(u.d1Queries / n) };
}

type Page = { data: { event_id: string }[]; next_cursor: string; done: boolean };

export async function runPollScenario(spec: PollSpec, ctx: { api: ApiLike; concurrency: number; eventData: (i: number) => unknown; log: (s: string) => void }): Promise<PollResult> {
  const { api, log } = ctx;
  const ns = `bench-poll-${Date.now().toString(36)}`;
  const hook = await api.json<{ id: string }>("POST", `/v1/namespaces/${ns}/webhooks`, { name: "poller", mode: "poll", events: ["build.finished"] }, 201);
  const pollPath = (q: string) => `/v1/namespaces/${ns}/webhooks/${hook.id}/poll?${q}`;

  log(`poll: publishing ${spec.events} events to a namespace with one polling webhook`);
  const publish = await measured(
    api,
    () => spec.events,
    () =>
      pool(spec.events, ctx.concurrency, async (i) => {
        await api.json("POST", `/v1/namespaces/${ns}/events`, { id: `poll-${i}`, type: "build.finished", data: ctx.eventData(i) }, 202);
      }),
  );

  log(`poll: catching up in pages of 50`);
  const seen = new Set<string>();
  let cursor = "";
  let pages = 0;
  const catchUp = await measured(
    api,
    () => seen.size,
    async () => {
      const deadline = Date.now() + 120_000;
      while (seen.size < spec.events) {
        if (Date.now() > deadline) throw new Error(`poll: only ${seen.size} of ${spec.events} items polled in time`);
        const page = await api.json<Page>("GET", pollPath(`limit=50${cursor ? `&cursor=${cursor}` : ""}`), undefined, 200);
        pages++;
        for (const item of page.data) seen.add(item.event_id);
        cursor = page.next_cursor;
        if (page.data.length === 0) await sleep(200);
      }
    },
  );

  log(`poll: ${spec.tail} events one at a time under a long poll`);
  const latencies: number[] = [];
  const tail = await measured(
    api,
    () => latencies.length,
    async () => {
      for (let i = 0; i < spec.tail; i++) {
        const answer = api.json<Page>("GET", pollPath(`wait=25&cursor=${cursor}`), undefined, 200);
        await sleep(100); // the poll is waiting when the event comes
        const publishedAt = Date.now();
        await api.json("POST", `/v1/namespaces/${ns}/events`, { id: `poll-tail-${i}`, type: "build.finished", data: ctx.eventData(i) }, 202);
        const page = await answer;
        if (page.data.length !== 1) throw new Error(`poll: the long poll answered ${page.data.length} items`);
        latencies.push(Date.now() - publishedAt);
        cursor = page.next_cursor;
      }
    },
  );
  return { events: spec.events, publish, catch_up: { ...catchUp, pages }, tail: { ...tail, latency_ms: percentiles(latencies) } };
}

export function pollLines(r: PollResult): string[] {
  const phase = (p: Phase) => `rows written ${p.rows_written_per_item}  rows read ${p.rows_read_per_item}  D1 queries ${p.d1_queries_per_item}`;
  return [
    `== poll: ${r.events} events to one polling webhook, then ${r.tail.items} under a long poll`,
    `  publish, per event                  ${phase(r.publish)}`,
    `  catch-up, per polled item           ${phase(r.catch_up)}  (${r.catch_up.pages} pages of up to 50)`,
    `  long poll, per polled item          ${phase(r.tail)}`,
    `  long poll latency_ms (publish to answer) p50 ${r.tail.latency_ms.p50}  p95 ${r.tail.latency_ms.p95}  p99 ${r.tail.latency_ms.p99}`,
  ];
}

export function pollSentence(r: PollResult): string {
  return (
    `\`poll\`: publishing to a polling webhook writes ${r.publish.rows_written_per_item} rows per event; polling writes ` +
    `${r.catch_up.rows_written_per_item} rows per item (its delivery-log row and index entry) and reads ${r.catch_up.rows_read_per_item} catching up ` +
    `${r.events} events in pages of 50, ${r.tail.rows_read_per_item} per item under a long poll; a long poll answers ${r1(r.tail.latency_ms.p50)} ms (p50) after the publish.`
  );
}
