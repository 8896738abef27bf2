/**
 * What an attempt row may keep of the request headers sent. Djinn's and
 * CircleCI's signatures sign the body alone (no timestamp), so a stored value
 * could be replayed at the receiver forever by anyone who can read the attempt
 * log; Standard Webhooks' are redacted alike. Each entry keeps its scheme
 * (`sha256=`, `v1=`, `v1,`) so the log still shows what was signed and how often.
 */
/** Signature headers and how their entries are separated (Standard Webhooks: spaces; CircleCI: commas). */
const SIGNATURE_HEADERS: Record<string, string> = { "x-djinn-ci-signature": ",", "circleci-signature": ",", "webhook-signature": " " };

/** One signature entry, `scheme=value` or `scheme,value`: the scheme is kept. */
const redactEntry = (entry: string) => entry.replace(/^([A-Za-z0-9]+[=,]).*$/s, "$1[redacted]");

export function redactSignatures(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const separator = SIGNATURE_HEADERS[name.toLowerCase()];
    out[name] = separator === undefined ? value : value.split(separator).map(redactEntry).join(separator);
  }
  return out;
}
