import { drizzle } from "drizzle-orm/d1";
import type { AppEnv } from "../env";
import * as controlSchema from "./control-schema";
import { ApiError } from "../errors";
import { meteredD1 } from "./metered-d1";
import { isTransientD1Error } from "./transient";

/**
 * The metered control database (tokens, sign-outs, the shard directory).
 * Namespaces' tables are on the shards: db/shards.ts.
 */
export function controlDb(env: AppEnv): D1Database {
  return meteredD1(env.DB, controlFailure);
}

/**
 * Like a failing shard's (db/shards.ts): D1's retryable errors, or a control
 * database without its tables, answer 503 `unavailable`, not 500.
 */
function controlFailure(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!isTransientD1Error(err) && !/no such table/i.test(message)) return err;
  console.error("control database failed", { error: message });
  return new ApiError("unavailable", "The dispatcher's control database is briefly unavailable. Retry in a few seconds.");
}

/** drizzle over the control database, for the CRUD paths. */
export function controlOrm(env: AppEnv) {
  return drizzle(controlDb(env), { schema: controlSchema });
}
