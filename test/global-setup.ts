/** Runs in Node before the workerd tests: starts the loopback receiver they post to. */
import type { TestProject } from "vitest/node";
import { startReceiver } from "./support/receiver.ts";

export default async function setup(project: TestProject) {
  const receiver = await startReceiver();
  project.provide("receiverUrl", receiver.url);
  return () => receiver.close();
}


declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}
