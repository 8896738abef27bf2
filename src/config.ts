/**
 * The Worker's settings (wrangler.toml [vars]), parsed once with zod. An
 * unset var takes its default; a var set to something unusable stops the
 * Worker loudly (a log line naming the var, 500 `misconfigured` to clients,
 * queue batches retried) rather than running on a silent fallback.
 */
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import type { GuardOptions } from "./security/ssrf-guard";

export type Config = {
  retrySchedule: number[];
  deliveryTimeoutMs: number;
  retentionDays: number;
  autoDisableMs: number;
  allowLoopback: boolean;
  namespaceMaxWebhooks: number;
  development: boolean;
  /** What the SSRF guard is told, at create/update and before every send. */
  guard: GuardOptions;
  /** Weighted failed attempts in a row (timeouts count 2) that open a webhook's circuit. */
  circuitThreshold: number;
  circuitCooldownMs: number;
  circuitMaxCooldownMs: number;
  /** How long the main lane waits for a receiver before it hands the delivery to the slow lane. */
  slowReceiverMs: number;
  /** The recovery sweep (delivery/recovery-sweep.ts): how overdue a never-attempted delivery is before it is re-sent... */
  sweepGraceMs: number;
  /** ...and how long after its last enqueue any other pending delivery is re-sent again. */
  sweepResendBackoffMs: number;
  /** Extra time past the HTTP timeout before a claimed attempt counts as abandoned (its Worker died). */
  claimLeaseMarginMs: number;
};

/** Cloudflare Queues accept delays up to 12 h; longer waits are clamped. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/**
 * The longest retention served: every day kept is one more table pair and
 * one more arm of the views and of the reads across days (docs/storage.md,
 * "Bounded retention"); test/max-days.test.ts runs them with this many days.
 */
export const MAX_RETENTION_DAYS = 400;

const DEFAULT_SCHEDULE = "5,300,1800,7200,18000,36000,36000";

/** Unset and empty both mean "use the default" (wrangler passes vars as strings). */
const unsetToDefault = (fallback: string) => z.preprocess((v) => (v === undefined || v === "" ? fallback : v), z.string());

const positive = (fallback: number, what: string) =>
  unsetToDefault(String(fallback)).pipe(z.coerce.number<string>().refine((n) => Number.isFinite(n) && n > 0, `${what}: a positive number`));

const ConfigSchema = z.object({
  RETRY_SCHEDULE: unsetToDefault(DEFAULT_SCHEDULE)
    .pipe(z.string().regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, "comma-separated seconds, for example 5,300,1800"))
    .transform((raw) => raw.split(",").map((s) => Math.min(Number(s.trim()), MAX_QUEUE_DELAY_SECONDS))),
  DELIVERY_TIMEOUT_MS: positive(15_000, "milliseconds"),
  RETENTION_DAYS: positive(30, "days").pipe(
    z
      .number()
      .int("a whole number of days")
      .max(MAX_RETENTION_DAYS, `at most ${MAX_RETENTION_DAYS} days (each day kept is a table pair and an arm of the views: docs/storage.md)`),
  ),
  AUTO_DISABLE_DAYS: positive(5, "days"),
  CIRCUIT_FAILURE_THRESHOLD: positive(5, "weighted failed attempts"),
  CIRCUIT_COOLDOWN_SECONDS: positive(30, "seconds"),
  CIRCUIT_MAX_COOLDOWN_SECONDS: positive(3600, "seconds"),
  SLOW_RECEIVER_MS: positive(1000, "milliseconds"),
  SWEEP_GRACE_SECONDS: positive(60, "seconds"),
  SWEEP_RESEND_BACKOFF_SECONDS: positive(600, "seconds"),
  CLAIM_LEASE_MARGIN_SECONDS: positive(60, "seconds"),
  NAMESPACE_MAX_WEBHOOKS: positive(100, "a whole number of webhooks").pipe(z.number().int("a whole number of webhooks")),
  ALLOW_LOOPBACK_TARGETS: unsetToDefault("false").pipe(z.enum(["true", "false"], "true or false")),
  ENVIRONMENT: unsetToDefault("production").pipe(z.enum(["production", "development"], "production or development")),
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
  }
}

export function parseConfig(env: AppEnv): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}=${JSON.stringify(valueAt(env, i.path))}: ${i.message}`));
  }
  const v = parsed.data;
  const development = v.ENVIRONMENT === "development";
  // Loopback targets are a local-development convenience only: the flag is
  // ignored elsewhere (and the deployment check refuses to run with it).
  const allowLoopback = development && v.ALLOW_LOOPBACK_TARGETS === "true";
  return {
    retrySchedule: v.RETRY_SCHEDULE,
    deliveryTimeoutMs: v.DELIVERY_TIMEOUT_MS,
    retentionDays: v.RETENTION_DAYS,
    autoDisableMs: v.AUTO_DISABLE_DAYS * 86_400_000,
    namespaceMaxWebhooks: v.NAMESPACE_MAX_WEBHOOKS,
    circuitThreshold: v.CIRCUIT_FAILURE_THRESHOLD,
    circuitCooldownMs: v.CIRCUIT_COOLDOWN_SECONDS * 1000,
    circuitMaxCooldownMs: v.CIRCUIT_MAX_COOLDOWN_SECONDS * 1000,
    slowReceiverMs: v.SLOW_RECEIVER_MS,
    sweepGraceMs: v.SWEEP_GRACE_SECONDS * 1000,
    sweepResendBackoffMs: v.SWEEP_RESEND_BACKOFF_SECONDS * 1000,
    claimLeaseMarginMs: v.CLAIM_LEASE_MARGIN_SECONDS * 1000,
    allowLoopback,
    development,
    guard: { allowLoopback, development },
  };
}

function valueAt(env: AppEnv, path: PropertyKey[]): unknown {
  return (env as unknown as Record<PropertyKey, unknown>)[path[0]];
}

const cache = new WeakMap<object, Config>();

/**
 * The parsed settings; parsed on an invocation's first call, then cached per
 * env object. Throws ConfigError, after logging it once, on a bad value.
 */
export function config(env: AppEnv): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  let made: Config;
  try {
    made = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) console.error(`ci-webhooks refuses to run: ${err.message}`);
    throw err;
  }
  cache.set(env, made);
  return made;
}
