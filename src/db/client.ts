import { drizzle } from "drizzle-orm/d1";
import type { AppEnv } from "../env";
import { meteredD1 } from "./metered-d1";
import * as schema from "./schema";

/** The metered D1 binding, for hand-written SQL on the delivery hot path. */
export function d1(env: AppEnv): D1Database {
  return meteredD1(env.DB);
}

/** drizzle over the same metered binding, for the CRUD paths. */
export function orm(env: AppEnv) {
  return drizzle(d1(env), { schema });
}

export type Orm = ReturnType<typeof orm>;
