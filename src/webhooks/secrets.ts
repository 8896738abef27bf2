/**
 * Signing secrets: generated ones are `whsec_` + base64 of 32 random bytes.
 * User-given ones must suit the format (docs/formats.md):
 * `standard` needs `whsec_` + base64 of 24 to 64 bytes (Standard Webhooks
 * signs with the decoded bytes); `djinn`, `circleci` and `puppet` take any 16 to 256
 * characters; only `djinn` may have none.
 * Chat formats (`slack`, `discord`) need none: their URL is the credential
 * and their receivers check no signature. None is generated for them; one
 * given (16 to 256 characters) adds the Standard Webhooks signature, for a
 * relay in between that verifies it.
 */
import { isChatFormat } from "../delivery/chat/chat-format";
import type { WebhookFormat } from "../delivery/formats";
import { toBase64 } from "../signing/encoding";

export function generateSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** The secret a new webhook gets when none is given: generated, except for chat formats. */
export function defaultSecret(format: WebhookFormat): string | null {
  return isChatFormat(format) ? null : generateSecret();
}

export function secretHint(secret: string): string {
  return secret.slice(-4);
}

/** A reason the secret does not suit the format, or null when it does. */
export function secretProblem(format: WebhookFormat, secret: string | null): string | null {
  if (secret === null) return format === "djinn" || isChatFormat(format) ? null : `a ${format} webhook must have a secret`;
  if (format === "standard") {
    const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
    if (!m) return "a standard webhook's secret must be whsec_ followed by base64";
    let bytes: number;
    try {
      bytes = atob(m[1]).length;
    } catch {
      return "the part after whsec_ is not valid base64";
    }
    if (bytes < 24 || bytes > 64) return "the part after whsec_ must decode to 24 to 64 bytes";
    return null;
  }
  if (secret.length < 16 || secret.length > 256) return "the secret must be 16 to 256 characters";
  return null;
}
