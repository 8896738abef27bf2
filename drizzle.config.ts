import { defineConfig } from "drizzle-kit";

/**
 * Two databases, two schemas (docs/shards.md): the shard tables (every shard
 * database) by default; DRIZZLE_DB=control for the control database.
 * `npm run db:generate` generates both.
 */
const control = process.env.DRIZZLE_DB === "control";

export default defineConfig({
  dialect: "sqlite",
  schema: control ? "./src/db/control-schema.ts" : "./src/db/schema.ts",
  out: control ? "./migrations/control" : "./migrations/shard",
});
