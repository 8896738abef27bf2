/**
 * Webhook signing secrets at rest: AES-256-GCM under the Worker secret
 * SECRETS_KEY (base64 of 32 bytes). Sealed form: `v2.<iv b64>.<ciphertext b64>`.
 *
 * Each seal is bound to its place: the additional authenticated data names the
 * webhook id and the column, so a sealed value copied into another webhook, or
 * from `secret_sealed` into `previous_secret_sealed`, does not open there.
 *
 * `v1.` values (sealed before the binding, without additional data) never open
 * at run time: only the re-seal route reads them, to seal them again bound
 * (reseal.ts; README, Security model).
 *
 * Rotating SECRETS_KEY: sealing always uses SECRETS_KEY; unsealing tries it
 * first and falls back to the optional SECRETS_KEY_PREVIOUS. AES-GCM is
 * authenticated, so the wrong key (or place) fails loudly rather than
 * yielding garbage, and no key id needs storing.
 */
import type { AppEnv } from "../env";
import { fromBase64, toBase64 } from "../signing/encoding";

export type SecretsKeys = Pick<AppEnv, "SECRETS_KEY" | "SECRETS_KEY_PREVIOUS">;

/** Where a sealed secret lives: only there does it open. */
export type SealPlace = { webhookId: string; column: "secret_sealed" | "previous_secret_sealed" | "destination_sealed" };

export const currentSecretOf = (webhookId: string): SealPlace => ({ webhookId, column: "secret_sealed" });
export const previousSecretOf = (webhookId: string): SealPlace => ({ webhookId, column: "previous_secret_sealed" });
/** A non-HTTP destination's credentials (JSON), sealed like the signing secrets. */
export const destinationCredentialsOf = (webhookId: string): SealPlace => ({ webhookId, column: "destination_sealed" });

const keys = new Map<string, Promise<CryptoKey>>();

function key(secretsKey: string): Promise<CryptoKey> {
  let k = keys.get(secretsKey);
  if (!k) {
    const raw = fromBase64(secretsKey);
    if (raw.byteLength !== 32) throw new Error("SECRETS_KEY must be base64 of 32 bytes");
    // Not extractable: the raw key never leaves this module once imported.
    k = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(secretsKey, k);
  }
  return k;
}

function additionalData(place: SealPlace): ArrayBuffer {
  return new TextEncoder().encode(`ci-webhooks secret v2\n${place.webhookId}\n${place.column}`).slice().buffer;
}

export async function seal(secretsKey: string, plaintext: string, place: SealPlace): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(place) },
    await key(secretsKey),
    new TextEncoder().encode(plaintext),
  );
  return `v2.${toBase64(iv)}.${toBase64(new Uint8Array(ct))}`;
}

async function open(keys: SecretsKeys, iv: string, ct: string, aad: ArrayBuffer | null): Promise<string> {
  const params = aad ? { name: "AES-GCM", iv: fromBase64(iv), additionalData: aad } : { name: "AES-GCM", iv: fromBase64(iv) };
  const attempt = async (secretsKey: string) => new TextDecoder().decode(await crypto.subtle.decrypt(params, await key(secretsKey), fromBase64(ct)));
  try {
    return await attempt(keys.SECRETS_KEY);
  } catch (err) {
    if (!keys.SECRETS_KEY_PREVIOUS) throw err;
    return attempt(keys.SECRETS_KEY_PREVIOUS);
  }
}

/** Opens a value sealed for `place`; anything else (another place, a `v1.` value) throws. */
export async function unseal(keys: SecretsKeys, sealed: string, place: SealPlace): Promise<string> {
  const [version, iv, ct] = sealed.split(".");
  if (version === "v1") throw new Error("secret sealed without binding: run POST /v1/admin/secrets/reseal");
  if (version !== "v2" || !iv || !ct) throw new Error("unknown sealed secret format");
  return open(keys, iv, ct, additionalData(place));
}

/**
 * The re-seal route's migration path only: also opens a `v1.` value (sealed
 * before the binding). Never used to sign.
 */
export async function unsealForReseal(keys: SecretsKeys, sealed: string, place: SealPlace): Promise<string> {
  const [version, iv, ct] = sealed.split(".");
  if (version === "v1" && iv && ct) return open(keys, iv, ct, null);
  return unseal(keys, sealed, place);
}

/** True when `sealed` is bound to `place` and opens with SECRETS_KEY itself (not only with the previous key). */
export async function sealedUnderCurrentKey(secretsKey: string, sealed: string, place: SealPlace): Promise<boolean> {
  try {
    await unseal({ SECRETS_KEY: secretsKey }, sealed, place);
    return true;
  } catch {
    return false;
  }
}
