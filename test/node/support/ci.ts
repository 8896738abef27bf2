/**
 * What the node tests do differently under CI (`.ci/run` exports CI=true):
 * nothing that switches a check off. A rewrite of checked-in files is refused
 * there, and a missing browser fails instead of skipping.
 */
import { existsSync } from "node:fs";

export const underCi = (): boolean => !!process.env.CI && process.env.CI !== "false";

/**
 * Whether `flag` (UPDATE_DOCS, UPDATE_OPENAPI_TYPES, UPDATE_SCREENSHOTS) asks
 * to rewrite checked-in files instead of checking them. Throws under CI: there
 * the flag would turn a staleness check into a rewrite that always passes.
 */
export function updating(flag: string): boolean {
  if (!process.env[flag]) return false;
  if (underCi()) throw new Error(`${flag} rewrites checked-in files instead of checking them; it refuses to run under CI (CI=${process.env.CI}).`);
  return true;
}

/** Where the browser tests find Chromium; `.ci/run` installs it there and passes the same path (CHROMIUM_PATH). */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Whether the browser tests can run. Without Chromium they are skipped with a
 * notice locally, and fail under CI, where `.ci/run` must have installed it.
 */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (underCi()) throw new Error(`Chromium is missing at ${CHROMIUM} under CI: .ci/run installs it there (CHROMIUM_PATH); the browser tests may not be skipped in CI.`);
  console.warn(`SKIPPED dashboard browser tests: ${CHROMIUM} is missing. Install it with: apt-get update && apt-get install -y chromium`);
  return false;
}
