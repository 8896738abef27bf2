/**
 * Refuses to work (500 `misconfigured`, nothing more said) when a deployed
 * Worker lacks its secrets, still carries the local development values, allows
 * loopback targets, has an ADMIN_TOKEN too short to resist guessing, lists
 * shards that are not D1 bindings (db/shards.ts), or has a setting that does not parse (src/config.ts logs which). Called first by
 * every handler: fetch, queue and scheduled (src/index.ts).
 */
import { config, ConfigError } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { shardSettingsProblem } from "../db/shards";

const DEV_ADMIN_TOKEN = "dev-admin-token";
const DEV_SECRETS_KEY = "ZGV2LW9ubHktc2VjcmV0cy1rZXktZG8tbm90LXVzZSE=";
/** 32 characters: e.g. `openssl rand -base64 24` gives that many. */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

export function checkDeployment(env: AppEnv): void {
  try {
    config(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new ApiError("misconfigured", "The service is not configured.");
    throw err;
  }
  if (!env.ADMIN_TOKEN || !env.SECRETS_KEY) throw new ApiError("misconfigured", "The service is not configured.");
  const shards = shardSettingsProblem(env);
  if (shards) {
    console.error("misconfigured shards", { problem: shards });
    throw new ApiError("misconfigured", "The service is not configured.");
  }
  if (env.ENVIRONMENT === "development") return;
  if (
    env.ADMIN_TOKEN === DEV_ADMIN_TOKEN ||
    env.ADMIN_TOKEN.length < MIN_ADMIN_TOKEN_LENGTH ||
    env.SECRETS_KEY === DEV_SECRETS_KEY ||
    env.ALLOW_LOOPBACK_TARGETS === "true"
  ) {
    throw new ApiError("misconfigured", "The service is not configured.");
  }
}
