/** tokens (control database): the hand-written statements of authentication (api/auth.ts); the CRUD paths use drizzle (tokens/service.ts). */
import { decodeRow, type RawRow } from "../columns";
import { tokens, type TokenRow } from "../control-schema";
import { T } from "./names";

export type ActiveToken = Pick<TokenRow, "id" | "namespace" | "scopes" | "lastUsedAt" | "webhookId">;

/** The unrevoked token with this hash (one read through the unique index tokens_hash). */
export async function activeTokenByHash(db: D1Database, hash: string): Promise<ActiveToken | null> {
  const row = await db
    .prepare(`SELECT ${T.id}, ${T.namespace}, ${T.scopes}, ${T.lastUsedAt}, ${T.webhookId} FROM tokens WHERE ${T.tokenHash} = ? AND ${T.revokedAt} IS NULL`)
    .bind(hash)
    .first<RawRow>();
  return decodeRow(tokens, ["id", "namespace", "scopes", "lastUsedAt", "webhookId"], row);
}

export async function touchToken(db: D1Database, id: string, now: number): Promise<void> {
  await db.prepare(`UPDATE tokens SET ${T.lastUsedAt} = ? WHERE ${T.id} = ?`).bind(now, id).run();
}

/** Every token of a namespace goes (deleting the namespace: it can no longer be called). */
export function deleteTokensOfStatement(db: D1Database, namespace: string): D1PreparedStatement {
  return db.prepare(`DELETE FROM tokens WHERE ${T.namespace} = ?`).bind(namespace);
}
