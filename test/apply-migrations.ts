import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_CONTROL_MIGRATIONS);
await Promise.all([applyD1Migrations(env.SHARD_0, env.TEST_SHARD_MIGRATIONS), applyD1Migrations(env.SHARD_1, env.TEST_SHARD_MIGRATIONS)]);
