/**
 * The Worker: the API and dashboard (fetch), the delivery pipeline (queue:
 * the main and slow lanes of deliveries and their dead letters), and the minute's housekeeping
 * (scheduled: recovery sweep and retention).
 */
import { eachShardSettled } from "./db/shards";
import { mountAdminRoutes } from "./api/admin.routes";
import { buildApp } from "./api/app";
import { checkDeployment } from "./api/deployment-check";
import { mountDeliveryRoutes } from "./api/deliveries.routes";
import { mountEventRoutes } from "./api/events.routes";
import { mountHealthRoutes } from "./api/health.routes";
import { mountReferenceRoutes } from "./api/reference.routes";
import { mountSecretsKeyRoutes } from "./api/secrets-key.routes";
import { mountTokenRoutes } from "./api/tokens.routes";
import { mountWebhookRoutes } from "./api/webhooks.routes";
import { mountDashboard } from "./dashboard/routes";
import { handleDeliveryBatch } from "./delivery/consumer";
import { handleDeadLetters } from "./delivery/dead-letter";
import { laneOf } from "./delivery/lanes";
import { sweepOverdueDeliveries } from "./delivery/recovery-sweep";
import { pruneExpired } from "./delivery/retention";
import type { AppEnv, DeliveryMessage } from "./env";
import { usage } from "./usage";
import { webhookReactions } from "./webhooks/delivery-reactions";

export const app = buildApp((a) => {
  a.get("/healthz", (c) => c.json({ ok: true }));
  mountWebhookRoutes(a);
  mountHealthRoutes(a);
  mountEventRoutes(a);
  mountDeliveryRoutes(a);
  mountAdminRoutes(a);
  mountTokenRoutes(a);
  mountSecretsKeyRoutes(a);
  mountReferenceRoutes(a);
  mountDashboard(a);
});

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
    ctx.waitUntil(eachShardSettled(env, "housekeeping", (senv) => sweepOverdueDeliveries(senv, now).then(() => pruneExpired(senv, now))));
  },
} satisfies ExportedHandler<AppEnv, DeliveryMessage>;
