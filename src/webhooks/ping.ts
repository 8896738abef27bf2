/**
 * The test ping (CircleCI's "Test Ping Event") and "send example": one test
 * event sent to one webhook through the normal publish + queue path, so it is
 * signed, retried and logged like any delivery. It reaches the webhook
 * whether or not it subscribes to the type (publishEvent's `onlyWebhookId`
 * skips the subscription match); what is sent is in test-events.ts.
 *
 * With `wait`, the caller holds the request until the first attempt is
 * recorded (at most PING_WAIT_MS), then gets its result; otherwise just the
 * delivery id to look up later.
 */
import { namespaceEnv, shardDb } from "../db/shards";
import { z } from "@hono/zod-openapi";
import { deliveryStatuses, type WebhookRow } from "../db/schema";
import { firstAttemptRecorded } from "../db/stores/delivery-reads";
import { getDelivery } from "../delivery/log";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { publishEvent } from "../events/publish";
import { deliveryId } from "../ids";
import { findWebhook } from "./service";
import { exampleEventFor, pingEventFor, type TestEvent } from "./test-events";

export const PING_WAIT_MS = 20_000;
/** Polling the attempt row by rowid is one cheap read; 80 of them stay far below the per-request query limit. */
const POLL_EVERY_MS = 250;
/** The part of the receiver's answer the ping result shows. */
const EXCERPT_CHARS = 1024;

export const PingQuery = z.object({
  wait: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "`true`: wait up to 20 s for the first attempt and answer its result." }),
});

export const PingQueued = z.object({ delivery_id: z.string() }).openapi("PingQueued");

export const PingResult = z
  .object({
    delivery_id: z.string(),
    event_id: z.string().nullable(),
    status: z.enum(deliveryStatuses).openapi({ description: "`pending` when the first attempt failed and a retry is scheduled." }),
    response_status: z.number().int().nullable(),
    duration_ms: z.number().int(),
    response_excerpt: z.string().nullable().openapi({ description: `The first ${EXCERPT_CHARS} characters of the receiver's answer.` }),
    error: z.object({ class: z.string(), message: z.string() }).nullable(),
  })
  .openapi("PingResult");

export type PingQueued = z.infer<typeof PingQueued>;
export type PingResult = z.infer<typeof PingResult>;

export const ExampleRequest = z
  .strictObject({ type: z.string().min(1).max(100).openapi({ example: "build.finished" }) })
  .openapi("ExampleRequest");

export type TestOptions = { wait: boolean; waitMs?: number };

/** The test ping: something the webhook's receiver accepts (test-events.ts). */
export async function pingWebhook(env: AppEnv, namespace: string, webhookId: string, opts: TestOptions) {
  const webhook = await findWebhook(env, namespace, webhookId);
  return sendTestEvent(env, namespace, webhook, pingEventFor(webhook), opts);
}

/** "Send example": the catalog's example of `type`, if the webhook's format carries it. */
export async function sendExample(env: AppEnv, namespace: string, webhookId: string, type: string, opts: TestOptions) {
  const webhook = await findWebhook(env, namespace, webhookId);
  return sendTestEvent(env, namespace, webhook, exampleEventFor(webhook, type), opts);
}

async function sendTestEvent(
  env: AppEnv,
  namespace: string,
  webhook: WebhookRow,
  event: TestEvent,
  opts: TestOptions,
): Promise<{ queued: PingQueued } | { result: PingResult }> {
  if (webhook.mode === "poll") throw new ApiError("conflict", "A polling webhook is not pushed to: its receiver polls GET .../poll.");
  if (!webhook.active) throw disabled(webhook.disabledReason);

  const published = await publishEvent(env, namespace, event, { onlyWebhookId: webhook.id, test: true });
  const seq = published.deliverySeqs[0];
  // The webhook was disabled or deleted between the read above and the fan-out.
  if (seq === undefined) throw disabled(null);

  const queued = { delivery_id: deliveryId(seq) };
  if (!opts.wait) return { queued };
  const result = await firstAttempt(env, namespace, seq, opts.waitMs ?? PING_WAIT_MS);
  return result ? { result } : { queued };
}

function disabled(reason: string | null): ApiError {
  const why = reason ? ` (${reason})` : "";
  return new ApiError("webhook_disabled", `The webhook is disabled${why}; enable it with PATCH {"active": true} before testing it.`);
}

/** Waits for the delivery's first attempt row; null if it does not appear in time. */
async function firstAttempt(env: AppEnv, namespace: string, seq: number, waitMs: number): Promise<PingResult | null> {
  const db = shardDb(await namespaceEnv(env, namespace));
  const until = Date.now() + waitMs;
  for (;;) {
    if (await firstAttemptRecorded(db, seq)) break;
    if (Date.now() + POLL_EVERY_MS > until) return null;
    await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
  }
  const delivery = await getDelivery(env, namespace, seq);
  const first = delivery.attempts[0];
  return {
    delivery_id: delivery.id,
    event_id: delivery.event_id,
    status: delivery.status,
    response_status: first.response_status,
    duration_ms: first.duration_ms,
    response_excerpt: first.response_body === null ? null : first.response_body.slice(0, EXCERPT_CHARS),
    error: first.error,
  };
}
