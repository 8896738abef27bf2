/**
 * The Worker: the API and dashboard (fetch), the delivery pipeline (queue:
 * the main and slow lanes of deliveries and their dead letters), and the minute's housekeeping
 * (scheduled: today's and tomorrow's day tables, recovery sweep and retention).
 */
import { ensureGenerations } from "./db/generations";
import { eachShardSettled, shardDb } from "./db/shards";
import { adminRoutes } from "./api/admin.routes";
import { buildApp } from "./api/app";
import { checkDeployment } from "./api/deployment-check";
import { deliveryRoutes } from "./api/deliveries.routes";
import { pullRoutes } from "./api/pull.routes";
import { eventRoutes } from "./api/events.routes";
import { healthRoutes } from "./api/health.routes";
import { portalRoutes } from "./api/portal.routes";
import { referenceRoutes } from "./api/reference.routes";
import { newRouter } from "./api/router";
import { secretsKeyRoutes } from "./api/secrets-key.routes";
import { tokenRoutes } from "./api/tokens.routes";
import { webhookRoutes } from "./api/webhooks.routes";
import { dashboardRoutes } from "./dashboard/routes";
import { handleDeliveryBatch } from "./delivery/consumer";
import { handleDeadLetters } from "./delivery/dead-letter";
import { laneOf } from "./delivery/lanes";
import { sweepOverdueDeliveries } from "./delivery/recovery-sweep";
import { pruneExpired } from "./delivery/retention";
import type { AppEnv, DeliveryMessage } from "./env";
import { redriveMoves } from "./namespaces/move";
import { redrivePurges } from "./namespaces/purge";
import { namespaceRoutes } from "./api/namespaces.routes";
import { usage } from "./usage";
import { webhookReactions } from "./webhooks/delivery-reactions";
import { deleteExpiredWebhooks } from "./webhooks/expiry";

const root = buildApp();

/**
 * Every route module is a sub-app mounted at `/` (their paths are absolute,
 * as the OpenAPI document shows them), in this order: routes and their
 * definitions are copied into `root` as they are mounted. Chained, so that
 * `typeof app` carries the types of every route but the dashboard's HTML
 * pages (src/dashboard/routes.tsx says why): the dashboard's client
 * (src/dashboard/api-client.ts) is built from `AppType`.
 */
export const app = root
  .route("/", newRouter().get("/healthz", (c) => c.json({ ok: true })))
  .route("/", webhookRoutes)
  .route("/", healthRoutes)
  .route("/", eventRoutes)
  .route("/", pullRoutes)
  .route("/", deliveryRoutes)
  .route("/", adminRoutes)
  .route("/", namespaceRoutes)
  .route("/", tokenRoutes)
  .route("/", portalRoutes)
  .route("/", secretsKeyRoutes)
  .route("/", referenceRoutes(root))
  .route("/", dashboardRoutes(root));

export type AppType = typeof app;

export default {
  fetch(request, env, ctx) {
    usage.workerInvocations++;
    // Settings are parsed by the app's deployment check (src/api/deployment-check.ts): 500 `misconfigured` when bad.
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env) {
    usage.workerInvocations++;
    usage.queueMessagesReceived += batch.messages.length;
    // Misconfigured (secrets, or a setting that does not parse): throw before touching
    // anything, so no message is acked and the queue retries them.
    checkDeployment(env);
    if (batch.queue.endsWith("-dlq")) await handleDeadLetters(batch, env);
    else await handleDeliveryBatch(batch, env, { lane: laneOf(batch.queue), reactions: webhookReactions });
  },
  async scheduled(controller, env, ctx) {
    usage.workerInvocations++;
    checkDeployment(env);
    // The trigger's own time is "now" for the housekeeping (in production the
    // minute the cron fired); the soak fires it with a later time to stand in
    // for the minutes a recovery would otherwise wait.
    const now = controller.scheduledTime;
    // Every shard on its own: one failing shard does not stop the others' housekeeping.
    // The day tables first, so the publishes of the next day run no DDL (db/generations.ts).
    // A step for every namespace still being deleted, every few minutes (namespaces/purge.ts).
    ctx.waitUntil(redrivePurges(env, now).catch((err) => console.error("purge redrive failed", { error: String(err) })));
    ctx.waitUntil(redriveMoves(env, now).catch((err) => console.error("move redrive failed", { error: String(err) })));
    ctx.waitUntil(
      eachShardSettled(env, "housekeeping", async (senv) => {
        await ensureGenerations(shardDb(senv), now);
        await sweepOverdueDeliveries(senv, now);
        await pruneExpired(senv, now);
        await deleteExpiredWebhooks(senv, now);
      }),
    );
  },
} satisfies ExportedHandler<AppEnv, DeliveryMessage>;
