/** Runs in Node before the workerd tests: starts the loopback receiver they post to. */
import type { TestProject } from "vitest/node";
import { startReceiver } from "./support/receiver.ts";
import { startDestinationStandIns } from "./support/destination-stand-ins.ts";

export default async function setup(project: TestProject) {
  const receiver = await startReceiver();
  project.provide("receiverUrl", receiver.url);
  // The destination services' stand-ins (docs/destinations.md), reached through a destination's endpoint.
  const standIns = await startDestinationStandIns();
  project.provide("destinationsUrl", standIns.url);
  return async () => {
    await receiver.close();
    await standIns.close();
  };
}


declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
    destinationsUrl: string;
  }
}
