/** The secrets a webhook signs with now: its current one, and the previous one while its grace period lasts (rotation.ts). */
import type { AppEnv } from "../env";
import { currentSecretOf, previousSecretOf, unseal } from "../security/secret-box";
import type { SignatureScheme, SigningSecrets } from "./formats";

export type SealedSecrets = { webhookId: string; sealed: string | null; previousSealed: string | null; previousExpiresAt: number | null; scheme: SignatureScheme };

export async function signingSecrets(env: AppEnv, w: SealedSecrets, now: number): Promise<SigningSecrets> {
  return {
    current: w.sealed ? await unseal(env, w.sealed, currentSecretOf(w.webhookId)) : null,
    previous: w.previousSealed && (w.previousExpiresAt ?? 0) > now ? await unseal(env, w.previousSealed, previousSecretOf(w.webhookId)) : null,
    scheme: w.scheme,
  };
}
