/**
 * Runs in Node before the workerd tests: starts the loopback receiver they
 * post to and the destination stand-ins, in a child process of their own
 * (test/support/loopback-services.ts says why).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

export default async function setup(project: TestProject) {
  const script = fileURLToPath(new URL("./support/loopback-services.ts", import.meta.url));
  const child = spawn(process.execPath, ["--no-warnings", script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const failed = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the loopback services exited (${code}) before starting`))));
  failed.catch(() => {}); // the race below reports a failed start; a later exit is the teardown's
  const [first] = (await Promise.race([once(lines, "line"), failed])) as [string];
  const urls = JSON.parse(first) as { receiverUrl: string; destinationsUrl: string };
  project.provide("receiverUrl", urls.receiverUrl);
  // The destination services' stand-ins (docs/destinations.md), reached through a destination's endpoint.
  project.provide("destinationsUrl", urls.destinationsUrl);
  return async () => {
    lines.close();
    const gone = once(child, "exit");
    child.stdin.end();
    await gone;
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
    destinationsUrl: string;
  }
}
