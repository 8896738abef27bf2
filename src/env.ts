/**
 * `Env` is generated from wrangler.toml by `npm run cf-typegen`
 * (worker-configuration.d.ts). Settings that exist only in local development
 * are added here, optional, so production code must cope with their absence.
 */
export type AppEnv = Env & {
  /** "true" only in .dev.vars: lets webhooks target 127.0.0.0/8 and ::1. */
  ALLOW_LOOPBACK_TARGETS?: string;
};

/** Queue message: one per delivery, nothing else (D1 is the record). */
export type DeliveryMessage = { d: number };
