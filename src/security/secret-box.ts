/**
 * Webhook signing secrets at rest: AES-256-GCM under the Worker secret
 * SECRETS_KEY (base64 of 32 bytes). Sealed form: `v1.<iv b64>.<ciphertext b64>`;
 * the version prefix leaves room for another scheme.
 *
 * Rotating SECRETS_KEY: sealing always uses SECRETS_KEY; unsealing tries it
 * first and falls back to the optional SECRETS_KEY_PREVIOUS. AES-GCM is
 * authenticated, so the wrong key fails loudly rather than yielding garbage,
 * and no key id needs storing (docs/security.md, Secrets at rest, has the procedure).
 */
import type { AppEnv } from "../env";
import { fromBase64, toBase64 } from "../signing/encoding";

export type SecretsKeys = Pick<AppEnv, "SECRETS_KEY" | "SECRETS_KEY_PREVIOUS">;

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

export async function seal(secretsKey: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await key(secretsKey), new TextEncoder().encode(plaintext));
  return `v1.${toBase64(iv)}.${toBase64(new Uint8Array(ct))}`;
}

export async function unseal(keys: SecretsKeys, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) throw new Error("unknown sealed secret format");
  const open = async (secretsKey: string) =>
    new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv) }, await key(secretsKey), fromBase64(ct)));
  try {
    return await open(keys.SECRETS_KEY);
  } catch (err) {
    if (!keys.SECRETS_KEY_PREVIOUS) throw err;
    return open(keys.SECRETS_KEY_PREVIOUS);
  }
}

/** True when `sealed` opens with SECRETS_KEY itself (not only with the previous key). */
export async function sealedUnderCurrentKey(secretsKey: string, sealed: string): Promise<boolean> {
  try {
    await unseal({ SECRETS_KEY: secretsKey }, sealed);
    return true;
  } catch {
    return false;
  }
}
