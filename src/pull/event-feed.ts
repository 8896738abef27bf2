/** GET /v1/namespaces/{ns}/events: a page of the feed (pull/feed.ts) in the event's API shape. */
import { namespaceEnv, shardDb } from "../db/shards";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { unpackData, type StoredData } from "../events/stored-data";
import { normalizePatterns } from "../events/subscription";
import { openCursor, sealCursor } from "../security/feed-cursor";
import { dayStart, readFeed } from "./feed";
import type { FeedEventView } from "./schemas";

export type FeedRequest = { since?: string; cursor?: string; limit: number; type?: string };

/** `type` as the subscription patterns it names (422 for an unknown one). */
function typePatterns(type: string | undefined): string[] | null {
  if (type === undefined || type.trim() === "") return null;
  const r = normalizePatterns(type.split(",").map((p) => p.trim()));
  if (!r.ok) throw new ApiError("unknown_event_type", r.problems.map((p) => p.message).join("; "), r.problems.map((p) => ({ path: "type", message: p.message })));
  return r.patterns;
}

export async function eventFeed(env: AppEnv, namespace: string, q: FeedRequest): Promise<{ data: FeedEventView[]; next_cursor: string; done: boolean }> {
  const binding = { namespace, webhookId: "" };
  const position = q.cursor === undefined ? dayStart(0) : await openCursor(env.SECRETS_KEY, q.cursor, binding);
  const types = typePatterns(q.type);
  const db = shardDb(await namespaceEnv(env, namespace));
  const page = await readFeed(db, { namespace, position, since: q.since ? Date.parse(q.since) : 0, types, limit: q.limit, webhookId: null, now: Date.now() });
  const data = await Promise.all(
    page.items.map(async (e) => ({
      id: e.id,
      type: e.type,
      data: JSON.parse(await unpackData(JSON.parse(e.stored) as StoredData)) as unknown,
      ordering_key: e.orderingKey,
      created_at: new Date(e.createdAt).toISOString(),
      deliveries: e.deliveryCount,
    })),
  );
  return { data, next_cursor: await sealCursor(env.SECRETS_KEY, page.next, binding), done: !page.more };
}
