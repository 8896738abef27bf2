import type { AppEnv } from "../env";
import type { PortalSession } from "../portal/sessions";
import type { Principal } from "./auth";

export type AppContext = {
  Bindings: AppEnv;
  /** `portal`: set by the dashboard's guards for a portal session's page (its frame and image headers: dashboard/security-headers.ts). */
  Variables: { principal: Principal; requestId: string; portal: PortalSession | undefined };
};
