/** `Env` is generated from wrangler.toml by `npm run cf-typegen` (worker-configuration.d.ts). */
export type AppEnv = Env;

/** Queue message: one per delivery, nothing else (D1 is the record). */
export type DeliveryMessage = { d: number };
