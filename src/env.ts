/** `Env` is generated from wrangler.toml by `npm run cf-typegen` (worker-configuration.d.ts). */
export type AppEnv = Env;

/**
 * Queue message: one per delivery, nothing else (D1 is the record). The one
 * exception is a recovery's continuation (delivery/recover.ts): `d` is 0 and
 * `recover` carries the cursor, so handlers that only read `d` skip it.
 */
export type DeliveryMessage = { d: number; recover?: { w: string; until: number; c: number; s: number } };
