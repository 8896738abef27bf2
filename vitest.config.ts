import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { builtinModules } from "node:module";
import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/support/sequencer.ts";

/** Node built-ins stay imports (workerd provides them): the optimizer must not try to bundle them. */
const isNodeBuiltin = (id: string) => id.startsWith("node:") || builtinModules.includes(id);

/** Test-only values; the retry schedule keeps the 5 s first retry, then goes fast. */
export const TEST_VARS = {
  ENVIRONMENT: "development",
  ADMIN_TOKEN: "test-admin-token",
  SECRETS_KEY: "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=",
  ALLOW_LOOPBACK_TARGETS: "true",
  RETRY_SCHEDULE: "5,1,1,1,1,1,1",
  DELIVERY_TIMEOUT_MS: "2000",
  // Above the failing attempts any other test makes to one webhook (recover's 5 deliveries x 8), so
  // those tests are not held by the breaker (test/isolation.test.ts trips it on purpose); 2 s cool-down.
  CIRCUIT_FAILURE_THRESHOLD: "50",
  CIRCUIT_COOLDOWN_SECONDS: "2",
  // Under the 2 s timeout, above the test receivers that answer slowly on purpose (/slow/1500):
  // test/isolation.test.ts covers the main lane's cut.
  SLOW_RECEIVER_MS: "1800",
};

export default defineConfig({
  test: {
    // Workers shared by both projects, whose files run side by side (one pool: the node project's
    // files have their own ports and state). Most test files wait (on retries, receivers, a
    // restarted dispatcher) far more than they compute, so this is above the 2 cores; the files
    // that wait longest start first (test/support/sequencer.ts).
    maxWorkers: 4,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        // The Worker itself, inside workerd, with real local D1 and Queues.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_CONTROL_MIGRATIONS: await readD1Migrations("./migrations/control"),
                TEST_SHARD_MIGRATIONS: await readD1Migrations("./migrations/shard"),
                ...TEST_VARS,
              },
              // A shard database never migrated: test/shards.test.ts points a namespace's shard at it to make that shard fail.
              d1Databases: { DB: "ci-webhooks", SHARD_0: "ci-webhooks-shard-0", SHARD_1: "ci-webhooks-shard-1", BROKEN_SHARD: "ci-webhooks-broken-shard" },
              // A test-only Rate Limiting binding with a tiny limit: test/tenant-limits.test.ts puts it in
              // place of the real limiters (wrangler.toml's, kept high so no other test is throttled).
              ratelimits: { TEST_TIGHT_RATE_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 60 } } },
            },
          })),
        ],
        test: {
          name: "worker",
          // swagger-parser (the OpenAPI test's validator) is CommonJS that
          // require()s an ESM package: pre-bundle it for workerd.
          deps: { optimizer: { ssr: { enabled: true, include: ["@apidevtools/swagger-parser"], rolldownOptions: { external: isNodeBuiltin } } } },
          globalSetup: ["./test/global-setup.ts"],
          setupFiles: ["./test/apply-migrations.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Whole-system checks from Node: `wrangler dev` as `npm start` runs it,
        // real receivers, a real browser. Each file starts its own Worker on its
        // own ports and local state, so files run side by side.
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
