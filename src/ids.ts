/**
 * Public ids: a type prefix and URL-safe characters, never a `.`
 * (Standard Webhooks forbids it in the signed message id).
 */
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function randomId(prefix: "wh" | "evt" | "tok" | "pl", length = 22): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 62];
  return `${prefix}_${out}`;
}

/** Deliveries are addressed by their rowid, written in base 36. */
export function deliveryId(seq: number): string {
  return `dlv_${seq.toString(36)}`;
}

export function parseDeliveryId(id: string): number | null {
  const m = /^dlv_([0-9a-z]{1,11})$/.exec(id);
  if (!m) return null;
  const n = parseInt(m[1], 36);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
