/** What the Worker does when a delivery settles (handed to the consumer by src/index.ts). */
import { config } from "../config";
import type { DeliveryListener } from "../delivery/reactions";
import { applyAutoDisable, reportExhaustion } from "./auto-disable";
import { reportCircuitChange } from "./circuit-notices";
import { alertFailing } from "./failing-alerts";

export const webhookReactions: readonly DeliveryListener[] = [
  (env, settled) => applyAutoDisable(env, config(env), settled),
  (env, settled) => alertFailing(env, config(env), settled),
  reportExhaustion,
  reportCircuitChange,
];
