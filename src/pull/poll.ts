/**
 * Polling a webhook of mode `poll` (GET /v1/namespaces/{ns}/webhooks/{id}/poll):
 * the feed (pull/feed.ts) narrowed to what the webhook would have been sent
 * (subscription and format in SQL, the payload filter over the data), each
 * item as a push would have carried it: the body and headers from the push
 * path's own buildRequest and signers (delivery/formats.ts), so a receiver
 * verifies a polled item as it verifies a push.
 *
 * Nothing is written at fan-out for a polling webhook. An item handed out is
 * recorded then as a succeeded delivery of the webhook (two rows: the row and
 * its log index entry), once, so the delivery log shows it. Recording also
 * closes the newest group of events (pull/feed.ts): a poll records the
 * not-yet-final items it is about to hand out first, then reads again, so a
 * long poll answers within about POLL_EVERY_MS of a publish.
 */
import { namespaceEnv, seqSlot, shardDb } from "../db/shards";
import type { WebhookRow } from "../db/schema";
import { passingFilter, polledSeqsStatement, recordPolledStatement, type PolledItem } from "../db/stores/event-feed";
import { buildRequest } from "../delivery/formats";
import { signingSecrets } from "../delivery/signing-secrets";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { payloadFilterSql } from "../events/payload-filter";
import { unpackData, type StoredData } from "../events/stored-data";
import { deliveryId } from "../ids";
import { sendableCustomHeaders } from "../security/custom-headers";
import { openCursor, sealCursor } from "../security/feed-cursor";
import { findWebhook } from "../webhooks/service";
import { dayStart, readFeed, type FeedItem } from "./feed";
import type { PollItemView } from "./schemas";

/** How often a long poll reads again while it waits. */
const POLL_EVERY_MS = 400;
/** Reads per poll at most (about 3 queries each): one invocation's 1,000 queries are never approached. */
const MAX_ROUNDS = 100;

export type PollRequest = { cursor?: string; since?: string; limit: number; wait: number };

type Readable = FeedItem & { data: string };

export async function pollWebhook(env: AppEnv, namespace: string, webhookId: string, q: PollRequest): Promise<{ data: PollItemView[]; next_cursor: string; done: boolean }> {
  const webhook = await findWebhook(env, namespace, webhookId);
  if (webhook.mode !== "poll") throw new ApiError("not_polling", "This webhook pushes to its url; only a webhook of mode poll is polled.");
  // As a disabled push webhook is sent nothing, a disabled polling one hands nothing out (its cursor keeps its place).
  if (!webhook.active) throw new ApiError("webhook_disabled", "This webhook is disabled; re-enable it (PATCH active: true) to poll it again.");
  const binding = { namespace, webhookId };
  let position = q.cursor === undefined ? dayStart(0) : await openCursor(env.SECRETS_KEY, q.cursor, binding);
  const senv = await namespaceEnv(env, namespace);
  const db = shardDb(senv);
  const slot = seqSlot(senv);
  const since = q.since ? Date.parse(q.since) : 0;
  const deadline = Date.now() + q.wait * 1000;
  const filter = webhook.filter ? payloadFilterSql("j.value") : null;
  const wanted = async (items: FeedItem[]): Promise<Readable[]> => {
    const read = await Promise.all(items.map(async (e) => ({ ...e, data: await unpackData(JSON.parse(e.stored) as StoredData) })));
    if (!filter || read.length === 0) return read;
    const pass = await passingFilter(db, filter, webhook.id, read.map((e) => e.data));
    return read.filter((_, k) => pass.has(k));
  };
  let closed = false;
  for (let round = 1; ; round++) {
    const page = await readFeed(db, { namespace, position, since, types: null, limit: q.limit, webhookId: webhook.id, now: Date.now() });
    const items = await wanted(page.items);
    if (items.length < q.limit && page.unsettled.length > 0 && !closed && round < MAX_ROUNDS) {
      // Record what comes next before handing it out: that makes its group final (see above).
      const next = (await wanted(page.unsettled)).slice(0, q.limit - items.length);
      if (next.length > 0) {
        await record(db, webhook, namespace, next, Date.now(), slot);
        closed = true;
        continue;
      }
    }
    closed = false;
    const waiting = items.length === 0 && Date.now() < deadline && round < MAX_ROUNDS;
    if (waiting) {
      position = page.next;
      // Everything read was filtered out: read on at once; caught up: wait a little.
      if (!page.more) await new Promise((r) => setTimeout(r, Math.min(POLL_EVERY_MS, Math.max(0, deadline - Date.now()))));
      continue;
    }
    const data = await handOut(env, db, webhook, namespace, items, slot);
    return { data, next_cursor: await sealCursor(env.SECRETS_KEY, page.next, binding), done: !page.more };
  }
}

const polled = (items: readonly Readable[]): PolledItem[] => items.map((e) => ({ id: e.id, type: e.type, created_at: e.createdAt }));

/** Records the items as delivered (once each), one statement per day among them; answers each event's delivery seq. */
async function record(db: D1Database, webhook: WebhookRow, namespace: string, items: readonly Readable[], now: number, slot: number): Promise<Map<string, number>> {
  const days = [...new Set(items.map((e) => e.g))];
  const statements = days.flatMap((g) => {
    const list = polled(items.filter((e) => e.g === g));
    return [recordPolledStatement(db, g, webhook.id, namespace, list, now, slot), polledSeqsStatement(db, g, webhook.id, list)];
  });
  const results = await db.batch<{ seq: number; event_id: string }>(statements);
  const seqs = new Map<string, number>();
  results.forEach((r, k) => {
    if (k % 2 === 1) for (const row of r.results) seqs.set(row.event_id, row.seq);
  });
  return seqs;
}

async function handOut(env: AppEnv, db: D1Database, webhook: WebhookRow, namespace: string, items: Readable[], slot: number): Promise<PollItemView[]> {
  if (items.length === 0) return [];
  const now = Date.now();
  const seqs = await record(db, webhook, namespace, items, now, slot);
  const secrets = await signingSecrets(env, { webhookId: webhook.id, sealed: webhook.secretSealed, previousSealed: webhook.previousSecretSealed, previousExpiresAt: webhook.previousSecretExpiresAt, scheme: webhook.signatureScheme }, now);
  // Custom headers never override ours, as on a push (delivery/send.ts).
  const custom = sendableCustomHeaders(webhook.headers);
  return Promise.all(
    items.map(async (e) => {
      const request = await buildRequest(
        webhook.format,
        { id: e.id, namespace, type: e.type, data: e.data, createdAt: e.createdAt },
        { id: webhook.id, name: webhook.name },
        secrets,
        Math.floor(now / 1000),
      );
      const seq = seqs.get(e.id);
      return {
        id: seq === undefined ? e.id : deliveryId(seq),
        event_id: e.id,
        event_type: e.type,
        created_at: new Date(e.createdAt).toISOString(),
        headers: { ...custom, ...request.headers },
        body: request.body,
      };
    }),
  );
}
