/**
 * Which custom headers a webhook may carry (issue 15). A custom header must
 * never forge or duplicate one of ours, nor break the request: header names
 * are case-insensitive (RFC 9110 §5.1), so `WEBHOOK-ID` is `webhook-id`.
 */

/** Headers we set, a format uses, or that frame the request (hop-by-hop, RFC 9110 §7.6.1). */
const RESERVED = new Set([
  "content-type",
  "user-agent",
  "accept",
  "host",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "upgrade",
  "expect",
]);

/** Families: Standard Webhooks', Djinn CI's, CircleCI's, ours (the test marker) and Cloudflare's own. */
const RESERVED_PREFIXES = ["webhook-", "x-djinn-ci-", "circleci-", "x-ci-webhooks-", "cf-"];

/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why a custom header name cannot be used, or null when it can. */
export function headerNameProblem(name: string): string | null {
  if (!TOKEN.test(name) || name.length > 64) return "not a valid header name (1 to 64 token characters)";
  const lower = name.toLowerCase();
  if (RESERVED.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) return "set by the dispatcher itself; choose another name";
  return null;
}

/** Why a custom header value cannot be sent, or null when it can. */
export function headerValueProblem(value: string): string | null {
  return /[\r\n\0]/.test(value) ? "must not contain CR, LF or NUL" : null;
}

/**
 * The custom headers that may be sent: rows stored before these checks may
 * hold forged or broken ones, which are left out (never sent next to ours).
 */
export function sendableCustomHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k, v]) => headerNameProblem(k) === null && headerValueProblem(v) === null));
}
