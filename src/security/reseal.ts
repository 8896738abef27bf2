/**
 * The last step of a SECRETS_KEY rotation (docs/security.md, Secrets at rest): re-seal
 * every stored webhook secret under the current SECRETS_KEY, so that
 * SECRETS_KEY_PREVIOUS can be removed. Bounded: one page of webhooks per call
 * (one read, one batch of conditional writes), the caller follows `next`.
 */
import { d1 } from "../db/client";
import type { AppEnv } from "../env";
import { seal, sealedUnderCurrentKey, unseal } from "./secret-box";

export const RESEAL_PAGE = 100;

type Row = { id: string; secret_sealed: string | null; previous_secret_sealed: string | null };

export type ResealResult = { checked: number; resealed: number; next: string | null };

export async function resealSecrets(env: AppEnv, after: string | undefined): Promise<ResealResult> {
  const db = d1(env);
  const { results } = await db
    .prepare("SELECT id, secret_sealed, previous_secret_sealed FROM webhooks WHERE id > ? ORDER BY id LIMIT ?")
    .bind(after ?? "", RESEAL_PAGE + 1)
    .all<Row>();
  const page = results.slice(0, RESEAL_PAGE);
  const again = async (sealed: string | null) =>
    sealed === null || (await sealedUnderCurrentKey(env.SECRETS_KEY, sealed)) ? sealed : seal(env.SECRETS_KEY, await unseal(env, sealed));
  const writes: D1PreparedStatement[] = [];
  for (const row of page) {
    const current = await again(row.secret_sealed);
    const previous = await again(row.previous_secret_sealed);
    if (current === row.secret_sealed && previous === row.previous_secret_sealed) continue;
    // Conditional on the values read: a rotation in between wins and is left alone.
    writes.push(
      db
        .prepare("UPDATE webhooks SET secret_sealed = ?, previous_secret_sealed = ? WHERE id = ? AND secret_sealed IS ? AND previous_secret_sealed IS ?")
        .bind(current, previous, row.id, row.secret_sealed, row.previous_secret_sealed),
    );
  }
  if (writes.length) await db.batch(writes);
  return { checked: page.length, resealed: writes.length, next: results.length > RESEAL_PAGE ? page[page.length - 1].id : null };
}
