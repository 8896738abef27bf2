/**
 * How an event's `data` is stored: JSON text, or, when that is large enough
 * for it to pay, deflate-raw compressed as a BLOB (D1's 10 GB per database
 * is the limit that grows with traffic; a CI payload of 0.6 KB deflates to
 * about half). Only stored copies are compressed: the fan-out's payload
 * filter reads the JSON text bound as a parameter at publish, and every
 * reader goes through storedDataSql + unpackData, so no SQL reads data itself.
 */
import { E } from "../db/stores/names";

/** Below this many bytes deflate saves too little to be worth a BLOB. */
export const COMPRESS_FROM_BYTES = 256;

/** What to bind for events.data: the JSON text, or its deflate-raw bytes when that is smaller. */
export async function packData(json: string): Promise<string | ArrayBuffer> {
  const raw = new TextEncoder().encode(json);
  if (raw.byteLength < COMPRESS_FROM_BYTES) return json;
  const packed = await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer();
  return packed.byteLength < raw.byteLength ? packed : json;
}

/**
 * JSON-object members that carry events `e`'s data whichever way it is
 * stored: `data` (the text) or `data_z` (the compressed bytes in hex; JSON
 * holds no BLOB).
 */
export const storedDataSql = (e: string) =>
  `'data', CASE WHEN typeof(${e}.${E.data}) = 'blob' THEN NULL ELSE ${e}.${E.data} END, 'data_z', CASE WHEN typeof(${e}.${E.data}) = 'blob' THEN hex(${e}.${E.data}) END`;

export type StoredData = { data: string | null; data_z?: string | null };

/** The JSON text back from a storedDataSql pair. */
export async function unpackData(stored: StoredData): Promise<string> {
  if (stored.data_z == null) return stored.data ?? "null";
  const hex = stored.data_z;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"))).text();
}
