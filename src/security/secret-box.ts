/**
 * Webhook signing secrets at rest: AES-256-GCM under the Worker secret
 * SECRETS_KEY (base64 of 32 bytes). Sealed form: `v1.<iv b64>.<ciphertext b64>`;
 * the version prefix leaves room to rotate SECRETS_KEY (see README).
 */
import { fromBase64, toBase64 } from "../signing/encoding";

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

export async function unseal(secretsKey: string, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) throw new Error("unknown sealed secret format");
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv) }, await key(secretsKey), fromBase64(ct));
  return new TextDecoder().decode(pt);
}
