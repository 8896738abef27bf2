/**
 * Where retries are scheduled. After failed automatic attempt n (1-based),
 * the next one waits schedule[n-1] seconds plus up to 10 % jitter; with the
 * default schedule that is 8 attempts over about 28 h (Svix's schedule).
 * A Retry-After on 429/502/503/504 stretches the wait, never shortens it.
 */
import { MAX_QUEUE_DELAY_SECONDS } from "../config";

export type RetryDecision = { retry: true; delaySeconds: number } | { retry: false };

const SLOW_DOWN = new Set([429, 502, 503, 504]);

/** Seconds from a Retry-After value (delta-seconds or HTTP date), if any. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function nextRetry(
  schedule: number[],
  attempt: number,
  response: { status?: number; retryAfter?: string },
  now: number,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt > schedule.length) return { retry: false };
  let delay = schedule[attempt - 1] * (1 + 0.1 * random());
  if (response.status !== undefined && SLOW_DOWN.has(response.status)) {
    const asked = parseRetryAfter(response.retryAfter, now);
    if (asked !== null && asked > delay) delay = asked;
  }
  return { retry: true, delaySeconds: Math.min(Math.ceil(delay), MAX_QUEUE_DELAY_SECONDS) };
}
