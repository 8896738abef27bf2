import { drizzle } from "drizzle-orm/d1";
import type { AppEnv } from "../env";
import * as controlSchema from "./control-schema";
import { meteredD1 } from "./metered-d1";

/**
 * The metered control database (tokens, sign-outs, the shard directory).
 * Namespaces' tables are on the shards: db/shards.ts.
 */
export function controlDb(env: AppEnv): D1Database {
  return meteredD1(env.DB);
}

/** drizzle over the control database, for the CRUD paths. */
export function controlOrm(env: AppEnv) {
  return drizzle(controlDb(env), { schema: controlSchema });
}
