/**
 * D1 errors that Cloudflare lists as retryable (D1 "Debug D1" error list and
 * "Retry queries"; the messages below are theirs). The API answers them with
 * 503 `unavailable`, so a client knows to try again, instead of a 500.
 */
const RETRYABLE = [
  "network connection lost",
  "storage caused object to be reset",
  "reset because its code was updated",
  "d1 db is overloaded",
  "too many requests queued",
];

export function isTransientD1Error(err: unknown): boolean {
  const message = (err instanceof Error ? err.message : String(err)).toLowerCase();
  return RETRYABLE.some((m) => message.includes(m));
}
