import type { AppEnv } from "../env";
import type { Principal } from "./auth";

export type AppContext = {
  Bindings: AppEnv;
  Variables: { principal: Principal; requestId: string };
};
