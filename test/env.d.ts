import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_CONTROL_MIGRATIONS: D1Migration[];
      TEST_SHARD_MIGRATIONS: D1Migration[];
      BROKEN_SHARD: D1Database;
      /** Limit 3 a minute (vitest.config.ts): stands in for a limiter in test/tenant-limits.test.ts. */
      TEST_TIGHT_RATE_LIMITER: RateLimit;
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
    destinationsUrl: string;
  }
}
