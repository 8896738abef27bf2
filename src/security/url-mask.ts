/**
 * A Slack or Discord incoming-webhook URL is itself the credential: whoever
 * has it can post to the channel (the secret is in the path). Wherever such a
 * URL is shown to a person or sent in a notice (attempt logs, operational
 * events, the dashboard) it is masked: scheme, host and the first path
 * segment kept, the rest replaced by "…" but for its last 4 characters, so
 * people can still tell webhooks apart. The owner's own webhook answers keep
 * the full URL (they set it); stored data is never masked.
 */

/** Formats whose URL is a credential. */
const SECRET_URL_FORMATS: readonly string[] = ["slack", "discord"];

/** Characters of the hidden part kept at its end, and the least length of that part that keeps any. */
const TAIL_KEPT = 4;
const MIN_HIDDEN_FOR_TAIL = 16;
const ELLIPSIS = "…";

/**
 * Whether a webhook of `format` has a secret URL. `null` is a webhook that
 * is gone (its attempts outlive it): its format unknown, its URL is treated
 * as secret.
 */
export function urlIsSecret(format: string | null): boolean {
  return format === null || SECRET_URL_FORMATS.includes(format);
}

/**
 * The URL masked: `https://hooks.slack.com/services/…abcd`. Credentials in
 * the authority (`user:pass@`) are dropped; a URL that does not parse is
 * masked whole.
 */
export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return ELLIPSIS;
  }
  // The first segment is kept only when more follows it: a lone segment may be the secret itself.
  const segments = u.pathname.split("/").slice(1);
  const keepFirst = segments.length > 1;
  const kept = `${u.protocol}//${u.host}/${keepFirst ? `${segments[0]}/` : ""}`;
  const hidden = (keepFirst ? segments.slice(1) : segments).join("/") + u.search + u.hash;
  if (hidden === "") return kept;
  const tail = hidden.length >= MIN_HIDDEN_FOR_TAIL ? hidden.slice(-TAIL_KEPT) : "";
  return `${kept}${ELLIPSIS}${tail}`;
}

/**
 * Slack's and Discord's incoming-webhook URLs by host and path: an attempt's
 * URL is masked when it is one of these whatever the webhook's format is now
 * (a Slack webhook switched to `standard` keeps its old attempts' URLs).
 */
const CHAT_WEBHOOK_URL = /^https?:\/\/(hooks\.slack\.com\/|((ptb|canary)\.)?discord(app)?\.com\/api\/webhooks\/)/i;

/** The URL as a person or a notice may see it: masked for a webhook whose URL is a credential, as is otherwise. */
export function shownUrl(url: string, format: string | null): string {
  return urlIsSecret(format) || CHAT_WEBHOOK_URL.test(url) ? maskUrl(url) : url;
}
