/**
 * GET /v1/namespaces/{ns}/export: the namespace as NDJSON, one object a
 * line with its `kind`: every `webhook` (its API shape: `secret_hint`,
 * never the secret), then every `event`, then every `delivery` (its detail
 * shape, attempts included). Streamed: each line is read when the client
 * is ready for it, in bounded reads (a page of webhooks, a page of one
 * day's events, the deliveries of a page of events in one batch), so a
 * large namespace never sits in memory.
 */
import { listGenerations } from "../db/generations";
import { lookupNamespace, onShard, shardDb } from "../db/shards";
import { eventsPage } from "../db/stores/events";
import { deliveryDetails } from "../delivery/log";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { unpackData, type StoredData } from "../events/stored-data";
import { listWebhooks, toView } from "../webhooks/service";

/** Webhooks, events per read. */
const PAGE = 100;
/** Deliveries per batch (two statements each). */
const DELIVERY_PAGE = 50;

export async function exportNamespace(env: AppEnv, namespace: string): Promise<ReadableStream<Uint8Array>> {
  const entry = await lookupNamespace(env, namespace);
  if (!entry) throw new ApiError("not_found", "No such namespace.");
  const lines = exportLines(env, namespace, shardDb(onShard(env, entry.shard)));
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      } catch (err) {
        // Headers are sent: the client sees a truncated stream (no final newline-terminated line count to trust).
        console.error("export failed midway", { namespace, error: String(err) });
        controller.error(err);
      }
    },
  });
}

async function* exportLines(env: AppEnv, namespace: string, db: D1Database): AsyncGenerator<Record<string, unknown>> {
  for (let after: string | undefined, more = true; more; ) {
    const page = await listWebhooks(env, namespace, PAGE, after);
    for (const row of page.rows) yield { kind: "webhook", ...toView(row) };
    more = page.nextName !== null;
    after = page.nextName ?? undefined;
  }
  // Oldest day first, the template's rows (from before days) before them.
  const days = (await listGenerations(db)).sort((a, b) => a - b);
  for (const g of days) {
    for await (const events of eventPages(db, g, namespace)) {
      for (const e of events) {
        yield { kind: "event", id: e.id, type: e.type, data: JSON.parse(await unpackData(JSON.parse(e.stored) as StoredData)), ordering_key: e.orderingKey, created_at: new Date(e.createdAt).toISOString() };
      }
    }
  }
  for (const g of days) {
    for await (const events of eventPages(db, g, namespace)) {
      const seqs = events.flatMap((e) => Array.from({ length: e.deliveryCount }, (_, i) => e.firstDeliverySeq + i));
      for (let i = 0; i < seqs.length; i += DELIVERY_PAGE) {
        for (const d of await deliveryDetails(db, namespace, seqs.slice(i, i + DELIVERY_PAGE))) yield { kind: "delivery", ...d };
      }
    }
  }
}

/** One day's events of the namespace, a page at a time, by id. */
async function* eventPages(db: D1Database, g: number, namespace: string) {
  for (let after = ""; ; ) {
    const page = await eventsPage(db, g, namespace, after, PAGE).catch((err: unknown) => {
      // A day dropped by retention while the export ran: nothing more there.
      if (/no such table/i.test(String(err))) return [];
      throw err;
    });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1].id;
  }
}
