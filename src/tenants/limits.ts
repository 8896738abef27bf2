/**
 * Tenant limits (docs/limits.md): what one namespace may use, so a busy
 * tenant cannot crowd out the others.
 * - NAMESPACE_MAX_WEBHOOKS (var, default 100): beyond it, create answers 422
 *   `limit_exceeded`.
 * - Publishing and owner actions (ping, send example, redeliver, recover, rotate-secret),
 *   per namespace, through Cloudflare's Rate Limiting binding (wrangler.toml
 *   [[ratelimits]]): over the limit, 429 `rate_limited` with Retry-After.
 */
import { namespaceEnv, shardDb } from "../db/shards";
import { countInNamespace } from "../db/stores/webhooks";
import { config } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

export type RateLimitedAction = "publish" | "owner_action";

/** Each limiter's window in seconds: the `period` in wrangler.toml, which Retry-After reports. */
export const RATE_LIMIT_PERIOD_SECONDS: Record<RateLimitedAction, number> = { publish: 60, owner_action: 60 };

const limiterOf = (env: AppEnv, action: RateLimitedAction): RateLimit =>
  action === "publish" ? env.PUBLISH_RATE_LIMITER : env.OWNER_ACTION_RATE_LIMITER;

/** Counts one `action` for `namespace`; throws 429 `rate_limited` when the namespace is over its limit. */
export async function enforceRateLimit(env: AppEnv, action: RateLimitedAction, namespace: string): Promise<void> {
  const { success } = await limiterOf(env, action).limit({ key: namespace });
  if (success) return;
  const period = RATE_LIMIT_PERIOD_SECONDS[action];
  const what = action === "publish" ? "events published" : "webhook actions (ping, send example, redeliver, recover, rotate)";
  throw new ApiError("rate_limited", `Too many ${what} in this namespace; retry in ${period} s.`, undefined, { "retry-after": String(period) });
}

/**
 * Refuses a new webhook once the namespace has NAMESPACE_MAX_WEBHOOKS (one
 * read through the unique index webhooks_namespace_name). Checked before the
 * insert, so creates racing each other may pass the limit by their number.
 */
export async function assertRoomForWebhook(env: AppEnv, namespace: string): Promise<void> {
  const max = config(env).namespaceMaxWebhooks;
  if ((await countInNamespace(shardDb(await namespaceEnv(env, namespace)), namespace)) < max) return;
  throw new ApiError("limit_exceeded", `This namespace already has ${max} webhooks, the most it may have (NAMESPACE_MAX_WEBHOOKS).`, [
    { path: "namespace", message: `at most ${max} webhooks per namespace` },
  ]);
}
