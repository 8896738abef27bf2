/**
 * The key a webhook signs with, by signature scheme (docs/formats.md):
 * `hmac-sha256` takes a secret (given or generated, secrets.ts); `ed25519`
 * (a `standard` webhook only) gets a generated key pair whose private half is
 * sealed like a secret and never shown, and whose public half is shown in
 * every answer.
 */
import type { SignatureScheme, WebhookFormat } from "../delivery/formats";
import { ApiError } from "../errors";
import { generateEd25519KeyPair } from "../signing/ed25519";
import { defaultSecret, secretHint, secretProblem } from "./secrets";

export type SigningKey = {
  /** What secret_sealed holds once sealed: the HMAC secret or the `whsk_` private key; null when unsigned. */
  stored: string | null;
  /** What the create or rotate answer may show as `secret` (never a private key). */
  shown: string | null;
  hint: string | null;
  publicKey: string | null;
};

const invalid = (path: string, message: string, problem: string) => new ApiError("validation_failed", message, [{ path, message: problem }]);

/** Refuses ed25519 for a format other than `standard`. */
export function checkScheme(format: WebhookFormat, scheme: SignatureScheme): void {
  if (scheme === "ed25519" && format !== "standard") {
    throw invalid("signature_scheme", `A ${format} webhook signs with hmac-sha256 only.`, "ed25519 is for standard webhooks only");
  }
}

export function checkSecret(format: WebhookFormat, secret: string | null): void {
  const problem = secretProblem(format, secret);
  if (problem) throw invalid("secret", `The secret does not suit the ${format} format.`, problem);
}

/** A new signing key for the scheme; `given` is the secret in the request (undefined when absent). */
export async function newSigningKey(format: WebhookFormat, scheme: SignatureScheme, given: string | null | undefined): Promise<SigningKey> {
  checkScheme(format, scheme);
  if (scheme === "ed25519") {
    if (given !== undefined) throw invalid("secret", "An ed25519 webhook's key pair is generated: give no secret.", "not accepted with signature_scheme ed25519");
    const pair = await generateEd25519KeyPair();
    return { stored: pair.secretKey, shown: null, hint: null, publicKey: pair.publicKey };
  }
  const secret = given === undefined ? defaultSecret(format) : given;
  checkSecret(format, secret);
  return { stored: secret, shown: secret, hint: secret === null ? null : secretHint(secret), publicKey: null };
}
