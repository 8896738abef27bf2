/**
 * Re-seal every stored webhook secret (and destination credentials) under the current SECRETS_KEY, bound to
 * its row (secret-box.ts). Two uses: the last step of a SECRETS_KEY rotation
 * (so SECRETS_KEY_PREVIOUS can be removed), and the migration of values sealed
 * before the binding (`v1.`), which nothing else opens. Bounded: one page of
 * webhooks per call (one read, one batch of conditional writes), the caller
 * follows `next`. A value that opens under neither key in its own place
 * (copied from elsewhere, or sealed under a retired key) is left as it is and
 * counted as `unreadable`.
 */
import { everyShard, shardDb, type ShardEnv } from "../db/shards";
import { resealStatement, sealedSecretsPage } from "../db/stores/webhooks";
import type { AppEnv } from "../env";
import { currentSecretOf, destinationCredentialsOf, previousSecretOf, seal, sealedUnderCurrentKey, unsealForReseal, type SealPlace } from "./secret-box";

export const RESEAL_PAGE = 100;

export type ResealResult = { checked: number; resealed: number; unreadable: number; next: string | null };

/**
 * One page on every shard, each from `after`; `next` is the least of the
 * shards' own: a shard that was further on re-checks a few rows already
 * resealed (no write then), none is skipped.
 */
export async function resealSecrets(env: AppEnv, after: string | undefined): Promise<ResealResult> {
  const pages = await everyShard(env, (senv) => resealShardPage(senv, after));
  const nexts = pages.map((p) => p.next).filter((n): n is string => n !== null).sort();
  return {
    checked: pages.reduce((n, p) => n + p.checked, 0),
    resealed: pages.reduce((n, p) => n + p.resealed, 0),
    unreadable: pages.reduce((n, p) => n + p.unreadable, 0),
    next: nexts[0] ?? null,
  };
}

async function resealShardPage(env: ShardEnv, after: string | undefined): Promise<ResealResult> {
  const db = shardDb(env);
  const results = await sealedSecretsPage(db, after ?? "", RESEAL_PAGE + 1);
  const page = results.slice(0, RESEAL_PAGE);
  let unreadable = 0;
  const again = async (sealed: string | null, place: SealPlace) => {
    if (sealed === null || (await sealedUnderCurrentKey(env.SECRETS_KEY, sealed, place))) return sealed;
    try {
      return await seal(env.SECRETS_KEY, await unsealForReseal(env, sealed, place), place);
    } catch {
      unreadable++;
      return sealed;
    }
  };
  const writes: D1PreparedStatement[] = [];
  for (const row of page) {
    const current = await again(row.secretSealed, currentSecretOf(row.id));
    const previous = await again(row.previousSecretSealed, previousSecretOf(row.id));
    const destination = await again(row.destinationSealed, destinationCredentialsOf(row.id));
    if (current === row.secretSealed && previous === row.previousSecretSealed && destination === row.destinationSealed) continue;
    // Conditional on the values read: a rotation in between wins and is left alone.
    writes.push(resealStatement(db, row, current, previous, destination));
  }
  if (writes.length) await db.batch(writes);
  return { checked: page.length, resealed: writes.length, unreadable, next: results.length > RESEAL_PAGE ? page[page.length - 1].id : null };
}
