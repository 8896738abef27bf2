import type { AppEnv } from "./env";

export type Config = {
  retrySchedule: number[];
  deliveryTimeoutMs: number;
  retentionDays: number;
  autoDisableMs: number;
  allowLoopback: boolean;
  development: boolean;
  /** Weighted failed attempts in a row (timeouts count 2) that open a webhook's circuit. */
  circuitThreshold: number;
  circuitCooldownMs: number;
  circuitMaxCooldownMs: number;
  /** How long the main lane waits for a receiver before it hands the delivery to the slow lane. */
  slowReceiverMs: number;
};

/** Cloudflare Queues accept delays up to 12 h; longer waits are clamped. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

const DEFAULT_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

function positiveNumber(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function parseRetrySchedule(raw: string | undefined): number[] {
  if (!raw) return DEFAULT_SCHEDULE;
  const parts = raw.split(",").map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n) || n < 0)) return DEFAULT_SCHEDULE;
  return parts.map((n) => Math.min(n, MAX_QUEUE_DELAY_SECONDS));
}

const cache = new WeakMap<object, Config>();

export function config(env: AppEnv): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const development = env.ENVIRONMENT === "development";
  const made: Config = {
    retrySchedule: parseRetrySchedule(env.RETRY_SCHEDULE),
    deliveryTimeoutMs: positiveNumber(env.DELIVERY_TIMEOUT_MS, 15_000),
    retentionDays: positiveNumber(env.RETENTION_DAYS, 30),
    autoDisableMs: positiveNumber(env.AUTO_DISABLE_DAYS, 5) * 86_400_000,
    // Loopback targets are a local-development convenience only.
    allowLoopback: env.ALLOW_LOOPBACK_TARGETS === "true",
    development,
    circuitThreshold: positiveNumber(env.CIRCUIT_FAILURE_THRESHOLD, 5),
    circuitCooldownMs: positiveNumber(env.CIRCUIT_COOLDOWN_SECONDS, 30) * 1000,
    circuitMaxCooldownMs: positiveNumber(env.CIRCUIT_MAX_COOLDOWN_SECONDS, 3600) * 1000,
    slowReceiverMs: positiveNumber(env.SLOW_RECEIVER_MS, 1000),
  };
  cache.set(env, made);
  return made;
}
