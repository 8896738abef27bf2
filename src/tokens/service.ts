/**
 * Namespace API tokens: created by the admin, shown once, stored only as the
 * SHA-256 of the token (src/security/token-check.ts), listed without values,
 * revoked in place (a revoked token answers 401 from then on, see api/auth.ts).
 */
import { and, asc, eq, gt, or } from "drizzle-orm";
import { controlOrm } from "../db/client";
import { tokens, type TokenRow } from "../db/control-schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { randomId } from "../ids";
import { generateToken, sha256Hex } from "../security/token-check";
import { findWebhook } from "../webhooks/service";
import type { CreatedTokenView, TokenCreateInput, TokenView } from "./schemas";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toTokenView(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    ...(row.webhookId ? { webhook_id: row.webhookId } : {}),
    created_at: new Date(row.createdAt).toISOString(),
    last_used_at: iso(row.lastUsedAt),
    revoked_at: iso(row.revokedAt),
  };
}

export async function createToken(env: AppEnv, ns: string, input: TokenCreateInput): Promise<CreatedTokenView> {
  // A token for one webhook names one that exists in this namespace.
  if (input.webhook_id !== undefined) {
    await findWebhook(env, ns, input.webhook_id).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === "not_found") {
        throw new ApiError("validation_failed", "No such webhook in this namespace.", [{ path: "webhook_id", message: "no such webhook" }]);
      }
      throw err;
    });
  }
  const token = generateToken();
  const row = {
    id: randomId("tok"),
    namespace: ns,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    tokenHash: await sha256Hex(token),
    webhookId: input.webhook_id ?? null,
    createdAt: Date.now(),
  };
  await controlOrm(env).insert(tokens).values(row);
  return { id: row.id, name: row.name, scopes: row.scopes, ...(row.webhookId ? { webhook_id: row.webhookId } : {}), token, created_at: new Date(row.createdAt).toISOString() };
}

export type TokenCursor = { c: number; i: string };

export const isTokenCursor = (v: unknown): v is TokenCursor =>
  typeof v === "object" && v !== null && typeof (v as TokenCursor).c === "number" && typeof (v as TokenCursor).i === "string";

/** Oldest first; revoked tokens stay listed (with `revoked_at`) so the admin sees what was cut off. */
export async function listTokens(env: AppEnv, ns: string, limit: number, after?: TokenCursor): Promise<{ rows: TokenRow[]; next: TokenCursor | null }> {
  const rows = await controlOrm(env)
    .select()
    .from(tokens)
    .where(
      and(
        eq(tokens.namespace, ns),
        after ? or(gt(tokens.createdAt, after.c), and(eq(tokens.createdAt, after.c), gt(tokens.id, after.i))) : undefined,
      ),
    )
    .orderBy(asc(tokens.createdAt), asc(tokens.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last ? { c: last.createdAt, i: last.id } : null };
}

/** Revoking twice is harmless: the first `revoked_at` stays. Another namespace's token is 404. */
export async function revokeToken(env: AppEnv, ns: string, id: string): Promise<void> {
  const db = controlOrm(env);
  const found = await db
    .select({ id: tokens.id, revokedAt: tokens.revokedAt })
    .from(tokens)
    .where(and(eq(tokens.namespace, ns), eq(tokens.id, id)))
    .get();
  if (!found) throw new ApiError("not_found", "No such token.");
  if (found.revokedAt === null) await db.update(tokens).set({ revokedAt: Date.now() }).where(eq(tokens.id, id));
}
