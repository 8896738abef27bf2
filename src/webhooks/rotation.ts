/**
 * Secret rotation. The new secret signs from now on; the one it replaces is
 * kept (sealed) until the grace period ends, and while it lasts every
 * delivery is signed with both where the format has room (formats.ts:
 * `standard` two `v1,` entries, `circleci` `v1=new,v1=old`; `djinn` keeps the
 * old one until the end, docs/owner-tools.md). Standard Webhooks
 * asks senders to do exactly this during a rotation.
 *
 * Rotating again during a grace period replaces the previous secret with the
 * one that was current: at most two secrets sign at any time.
 *
 * An ed25519 webhook rotates its key pair the same way: the new private key
 * signs, the old one too during the grace period (two `v1a,` entries), and
 * the answer's `public_key` is the new one.
 */
import { namespaceEnv, shardOrm } from "../db/shards";
import { and, eq, isNull } from "drizzle-orm";
import { webhooks, type WebhookRow } from "../db/schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { currentSecretOf, previousSecretOf, seal, unseal } from "../security/secret-box";
import { DEFAULT_GRACE_SECONDS, type RotateSecretInput } from "./schemas";
import { generateSecret } from "./secrets";
import { newSigningKey } from "./signing-keys";
import { findWebhook, toView } from "./service";

export async function rotateSecret(env: AppEnv, namespace: string, id: string, input: RotateSecretInput, now = Date.now()) {
  const row = await findWebhook(env, namespace, id);
  // hmac-sha256: the given secret or a generated one; ed25519: a new key pair (no secret may be given).
  const key = await newSigningKey(row.format, row.signatureScheme, row.signatureScheme === "ed25519" ? input.secret : (input.secret ?? generateSecret()));
  if (key.stored === null) throw new Error("a rotation always makes a key");
  const grace = input.grace_seconds ?? DEFAULT_GRACE_SECONDS;
  // A webhook that had no secret (djinn) has nothing to keep signing with.
  const keepPrevious = grace > 0 && row.secretSealed !== null;
  // Seals are bound to their column: the outgoing secret is sealed again for `previous_secret_sealed`.
  const previousSealed =
    keepPrevious && row.secretSealed !== null
      ? await seal(env.SECRETS_KEY, await unseal(env, row.secretSealed, currentSecretOf(row.id)), previousSecretOf(row.id))
      : null;
  const patch = {
    secretSealed: await seal(env.SECRETS_KEY, key.stored, currentSecretOf(row.id)),
    secretHint: key.hint,
    publicKey: key.publicKey,
    previousSecretSealed: previousSealed,
    previousSecretExpiresAt: keepPrevious ? now + grace * 1000 : null,
    updatedAt: now,
  } satisfies Partial<WebhookRow>;
  // Compare-and-set on the old secret: of two concurrent rotations one wins,
  // the other is told so, and no answered secret is silently dropped.
  const sameSecret = row.secretSealed === null ? isNull(webhooks.secretSealed) : eq(webhooks.secretSealed, row.secretSealed);
  const written = await shardOrm(await namespaceEnv(env, namespace, "owner"))
    .update(webhooks)
    .set(patch)
    .where(and(eq(webhooks.id, row.id), sameSecret))
    .returning({ id: webhooks.id });
  if (written.length === 0) throw new ApiError("conflict", "The secret was changed at the same time by another request; try again.");
  return {
    ...toView({ ...row, ...patch }),
    secret: key.shown,
    previous_secret_expires_at: patch.previousSecretExpiresAt === null ? null : new Date(patch.previousSecretExpiresAt).toISOString(),
  };
}
