/**
 * Which response headers an attempt's record keeps: the ones a person
 * debugging a delivery reads (what came back, how long it was, where to, when to retry, which
 * request the receiver logged it under, what answered). The rest (cookies, the date (started_at has it),
 * caching, security policies, tracing noise) is bytes in every stored attempt.
 */
const KEPT = new Set([
  "content-type",
  "content-length",
  "retry-after",
  "location",
  "server",
  "www-authenticate",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "ratelimit",
  "ratelimit-policy",
]);

/** Request ids come under many names (x-request-id, x-amzn-requestid, cf-ray, x-github-request-id...). */
const REQUEST_ID = /(^|-)(request-?id|requestid|trace-?id|correlation-?id)$|^cf-ray$/;

export function keptResponseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (KEPT.has(lower) || REQUEST_ID.test(lower)) out[name] = value;
  }
  return out;
}
