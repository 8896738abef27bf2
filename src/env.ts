/**
 * `Env` is generated from wrangler.toml by `npm run cf-typegen` (worker-configuration.d.ts).
 * Optional Worker secrets cannot be declared there (`[secrets] required` makes
 * them mandatory), so they are added here.
 */
export type AppEnv = Env & {
  /** The SECRETS_KEY before the last key rotation: unsealing falls back to it (docs/security.md, Secrets at rest). */
  SECRETS_KEY_PREVIOUS?: string;
};

/**
 * Queue message: one per delivery, nothing else (D1 is the record). `d` is the
 * delivery's seq on shard `s` (a D1 binding name; seqs are per shard). A
 * message without `s`, sent before shards, is for the first shard. The one
 * exceptions have `d` 0, so handlers that only read `d` skip them: a
 * recovery's continuation (delivery/recover.ts), whose `recover` carries the
 * cursor (on shard `s`), and a step of a deleted namespace's purge
 * (namespaces/purge.ts), whose `purge` names the namespace, and a step of a
 * namespace's move (namespaces/move.ts), whose `move` names it (`at`: the
 * copy's cursor).
 */
export type DeliveryMessage = { d: number; s?: string; recover?: { w: string; until: number; c: number; s: number }; purge?: string; move?: string; at?: string };
